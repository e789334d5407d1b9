// Node-API bindings of the Warpdesk pattern engine: argument checking (typed errors with a `code`),
// threading over all cores, async jobs (progress + cancellation) and the search driver around the kernels.
// Must never: crash or hang on bad input, touch JS values off the main thread, or block after a cancel.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dispatch.h"
#include "kernels.h"

using namespace Napi;

namespace {

[[noreturn]] void fail(Env env, const char* code, const std::string& msg) {
  Error e = Error::New(env, msg);
  e.Set("code", String::New(env, code));
  throw e;
}

constexpr double MAX_CELLS = 1e11;
constexpr size_t MAX_LEN = (size_t)1 << 30;
constexpr double MAX_PATH_CELLS = 33554432.0;  // 2^25

unsigned defaultThreads() {
  const char* e = std::getenv("WARPDESK_THREADS");
  long v = e ? std::strtol(e, nullptr, 10) : 0;
  if (v > 0) return (unsigned)std::min(v, 256L);
  unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1u : std::min(h, 64u);
}
std::atomic<unsigned> threadCount{defaultThreads()};
unsigned threads() { return threadCount.load(); }

// Runs f(0..n-1) on n threads (the caller's is thread 0). An exception in any thread (e.g. bad_alloc) is
// rethrown here after all threads joined, never left to std::terminate.
template <class F>
void parallel(unsigned n, F&& f) {
  if (n <= 1) {
    f(0u);
    return;
  }
  std::vector<std::exception_ptr> errs(n);
  std::vector<std::thread> ts;
  for (unsigned t = 1; t < n; ++t)
    ts.emplace_back([&f, &errs, t] {
      try {
        f(t);
      } catch (...) {
        errs[t] = std::current_exception();
      }
    });
  try {
    f(0u);
  } catch (...) {
    errs[0] = std::current_exception();
  }
  for (auto& t : ts) t.join();
  for (auto& e : errs)
    if (e) std::rethrow_exception(e);
}

struct Arr {
  const void* p = nullptr;
  size_t n = 0;
  bool f32 = false;
  const double* d() const { return static_cast<const double*>(p); }
  const float* f() const { return static_cast<const float*>(p); }
  std::vector<double> toDouble() const {
    std::vector<double> v(n);
    if (f32)
      for (size_t i = 0; i < n; ++i) v[i] = f()[i];
    else
      std::copy(d(), d() + n, v.begin());
    return v;
  }
};

Arr getArr(Env env, const Value& v, const std::string& name) {
  if (!v.IsTypedArray()) fail(env, "InvalidInput", "The " + name + " must be a Float32Array or Float64Array.");
  TypedArray ta = v.As<TypedArray>();
  Arr a;
  if (ta.TypedArrayType() == napi_float64_array) {
    Float64Array x = v.As<Float64Array>();
    a.p = x.Data();
    a.n = x.ElementLength();
  } else if (ta.TypedArrayType() == napi_float32_array) {
    Float32Array x = v.As<Float32Array>();
    a.p = x.Data();
    a.n = x.ElementLength();
    a.f32 = true;
  } else {
    fail(env, "InvalidInput", "The " + name + " must be a Float32Array or Float64Array.");
  }
  if (a.n == 0) fail(env, "InvalidInput", "The " + name + " must not be empty.");
  if (a.n > MAX_LEN) fail(env, "TooLarge", "The " + name + " is longer than the engine accepts.");
  for (size_t i = 0; i < a.n; ++i) {
    double x = a.f32 ? (double)a.f()[i] : a.d()[i];
    if (!std::isfinite(x)) fail(env, "NonFinite", "The " + name + " contains a non-finite value at index " + std::to_string(i) + ".");
  }
  return a;
}

long getWindow(Env env, const Value& v, const char* name = "window") {
  if (v.IsUndefined() || v.IsNull()) return -1;
  if (!v.IsNumber()) fail(env, "InvalidInput", std::string("The ") + name + " must be a number of samples.");
  double w = v.As<Number>().DoubleValue();
  if (!std::isfinite(w) || w != std::floor(w) || w < -1)
    fail(env, "InvalidInput", std::string("The ") + name + " must be a whole number of samples >= 0 (or -1 for full).");
  return w > 1e15 ? (long)1e15 : (long)w;
}

double getNum(Env env, const Value& v, const char* name, double lo, double hi) {
  if (!v.IsNumber()) fail(env, "InvalidInput", std::string("The ") + name + " must be a number.");
  double x = v.As<Number>().DoubleValue();
  if (!std::isfinite(x) || x < lo) fail(env, "InvalidInput", std::string("The ") + name + " is out of range.");
  if (x > hi) fail(env, "TooLarge", std::string("The ") + name + " is too large.");
  return x;
}

size_t getCount(Env env, const Value& v, const char* name, double lo, double hi) {
  double x = getNum(env, v, name, lo, hi);
  if (x != std::floor(x)) fail(env, "InvalidInput", std::string("The ") + name + " must be a whole number.");
  return (size_t)x;
}

bool getBool(const Value& v) { return v.IsBoolean() ? v.As<Boolean>().Value() : v.ToBoolean().Value(); }

long effWindow(long w, size_t n, size_t m) {
  long mx = (long)std::max(n, m);
  long diff = (long)n > (long)m ? (long)(n - m) : (long)(m - n);
  if (w < 0 || w > mx) w = mx;
  return std::max(w, diff);
}

void checkCells(Env env, double rows, size_t m, long w, size_t n) {
  long ew = effWindow(w, n, m);
  double cells = rows * std::min((double)m, 2.0 * ew + 1);
  if (cells > MAX_CELLS) fail(env, "TooLarge", "The call would need more than 1e11 DP cells; use a smaller window or shorter inputs.");
}

Value cancelledError(Env env) {
  Error e = Error::New(env, "The engine job was cancelled.");
  e.Set("code", String::New(env, "Cancelled"));
  return e.Value();
}

// ------------------------------------------------------------------------------------------------
struct JobBase {
  std::atomic<bool> cancel{false};
  std::atomic<size_t> progress{0};
  size_t total = 1;
  std::string error;
  double fraction() const { return total == 0 ? 1.0 : std::min(1.0, (double)progress.load() / (double)total); }
  virtual ~JobBase() = default;
};

// The query normalised as the search compares it (z-normalised unless !z; a flat query becomes zeros) and
// its Sakoe-Chiba envelope U/L.
void prepareQuery(const double* qr, size_t m, long w, bool z, std::vector<double>& q, std::vector<double>& U, std::vector<double>& L) {
  q.assign(m, 0.0);
  if (!z) {
    q.assign(qr, qr + m);
  } else {
    double sum = 0, sumsq = 0;
    for (size_t j = 0; j < m; ++j) {
      sum += qr[j];
      sumsq += qr[j] * qr[j];
    }
    double mean = sum / (double)m, var = sumsq / (double)m - mean * mean;
    double sd = var > 0 ? std::sqrt(var) : 0.0;
    bool flat = !(sd > wd::FLAT_REL * std::fabs(mean)) || sd == 0;
    if (!flat)
      for (size_t j = 0; j < m; ++j) q[j] = (qr[j] - mean) / sd;
  }
  U.assign(m, 0);
  L.assign(m, 0);
  for (long i = 0; i < (long)m; ++i) {
    double hi = -INFINITY, lo = INFINITY;
    for (long j = std::max(0L, i - w); j <= std::min((long)m - 1, i + w); ++j) {
      hi = std::max(hi, q[j]);
      lo = std::min(lo, q[j]);
    }
    U[i] = hi;
    L[i] = lo;
  }
}

// The answer from what the threads kept: every kept candidate within the final threshold T (the best any
// thread reached, each a valid bound), sorted by (distance, index), then the greedy selection with the
// exclusion zone (a repeated start is skipped: it is within the zone of its first copy's fate).
void selectFinal(const std::vector<wd::SearchLocal>& locals, double T, size_t k, size_t excl, std::vector<wd::Cand>& all, std::vector<wd::Cand>& result) {
  for (auto& l : locals) T = std::min(T, l.T);
  all.clear();
  for (auto& l : locals)
    for (auto& c : l.kept)
      if (c.d <= T) all.push_back(c);
  std::sort(all.begin(), all.end(), [](const wd::Cand& a, const wd::Cand& b) { return a.d < b.d || (a.d == b.d && a.idx < b.idx); });
  result.clear();
  for (auto& c : all) {
    if (result.size() >= k) break;
    bool ok = true;
    for (auto& r : result) {
      size_t diff = r.idx > c.idx ? r.idx - c.idx : c.idx - r.idx;
      if (diff <= excl) {
        ok = false;
        break;
      }
    }
    if (ok) result.push_back(c);
  }
}

// Running max (mx) or min of x over [t - w, t + w] clipped to [0, N), for every t (monotone deque, O(N)).
void seriesEnvelope(const double* x, size_t N, size_t w, bool mx, std::vector<double>& out) {
  out.assign(N, 0.0);
  std::vector<size_t> dq(N);
  size_t head = 0, tail = 0, next = 0;
  for (size_t t = 0; t < N; ++t) {
    const size_t hi = std::min(N - 1, t + w);
    for (; next <= hi; ++next) {
      while (tail > head && (mx ? x[dq[tail - 1]] <= x[next] : x[dq[tail - 1]] >= x[next])) --tail;
      dq[tail++] = next;
    }
    while (dq[head] + w < t) ++head;
    out[t] = x[dq[head]];
  }
}

// Many top-k searches over one series, one per decision of a walk: decision d searches starts in
// [from[d], to[d] - m] (its windows inside x[from[d], to[d])) for the query x[qs[d], qs[d] + m), with exactly
// searchTopK(x.subarray(from[d], to[d]), x.subarray(qs[d], qs[d] + m), ...)'s answer. What one walk shares:
// the series envelope (computed once over the whole series: wider than a slice's, so still a valid bound),
// the window statistics (once, for decisions whose from[d] is a multiple of ZBLOCK, where they are the same
// bits), and seeds: each decision first computes the exact distances of the previous decision's answer
// shifted by how far its query moved, so its threshold is tight before the scan starts. Decisions are split
// into contiguous pieces (by work) taken by the threads; the first decision of a piece has no seeds.
struct WalkJob : JobBase {
  std::vector<double> own;
  const double* x = nullptr;
  size_t N = 0, m = 0, k = 1, excl = 0, D = 0;
  long w = 0;
  bool znorm = true;
  std::vector<int32_t> qs, from, to;
  std::vector<double> SU, SL, smean, ssd, sinv;
  std::vector<int32_t> outIdx;
  std::vector<double> outDist;
  size_t statsUsed = 0;

  void run(const wd::Kernels* K) {
    seriesEnvelope(x, N, (size_t)w, true, SU);
    seriesEnvelope(x, N, (size_t)w, false, SL);
    if (znorm && N >= m) {
      const size_t S = N - m + 1;
      smean.resize(S);
      ssd.resize(S);
      sinv.resize(S);
      double sum = 0, sumsq = 0;
      for (size_t s = 0; s < S; ++s) {
        if (s % wd::ZBLOCK == 0) {
          sum = 0;
          sumsq = 0;
          for (size_t j = 0; j < m; ++j) {
            double v = x[s + j];
            sum += v;
            sumsq += v * v;
          }
        } else {
          double xn = x[s + m - 1], xo = x[s - 1];
          sum += xn - xo;
          sumsq += xn * xn - xo * xo;
        }
        const double mean = sum / (double)m;
        const double var = sumsq / (double)m - mean * mean;
        smean[s] = mean;
        const double sd = var > 0 ? std::sqrt(var) : 0.0;
        ssd[s] = sd;
        const bool flat = !(sd > wd::FLAT_REL * std::fabs(mean)) || sd == 0;
        sinv[s] = flat ? 0.0 : 1.0 / sd;
      }
    }
    outIdx.assign(D * k, -1);
    outDist.assign(D * k, NAN);
    // pieces of about equal work, several per thread so a slow piece doesn't hold the others up
    const unsigned nt = (unsigned)std::max<size_t>(1, std::min<size_t>(threads(), D));
    const size_t want = std::min<size_t>(D, (size_t)nt * 4);
    std::vector<size_t> cut{0};
    {
      double acc = 0;
      for (size_t d = 0; d < D; ++d) {
        acc += work(d) + 1;
        if (acc >= (double)(total + D) * (double)cut.size() / (double)want && cut.size() < want) cut.push_back(d + 1);
      }
      if (cut.back() != D) cut.push_back(D);
    }
    std::atomic<size_t> nextPiece{0};
    std::atomic<size_t> usedStats{0};
    parallel(nt, [&](unsigned) {
      std::vector<wd::SearchLocal> local(1);
      std::vector<double> q, U, L, qr(m);
      std::vector<wd::Cand> all, result;
      std::vector<size_t> seeds;
      std::vector<wd::Cand> prevAll;
      const size_t seedCount = 4 * k;  // the previous decision's best kept candidates (4k measured: 20 % fewer DTWs than k)
      const double inf = INFINITY;
      uint64_t infBits;
      std::memcpy(&infBits, &inf, 8);
      std::atomic<uint64_t> sharedT;
      for (;;) {
        const size_t piece = nextPiece.fetch_add(1);
        if (piece + 1 >= cut.size() || cancel.load()) break;
        result.clear();
        prevAll.clear();
        long prevQs = -1;
        for (size_t d = cut[piece]; d < cut[piece + 1]; ++d) {
          if (cancel.load()) return;
          const size_t a = (size_t)from[d], b = (size_t)to[d];
          if (b < a + m) {
            result.clear();
            continue;
          }
          std::copy(x + qs[d], x + qs[d] + m, qr.begin());
          prepareQuery(qr.data(), m, w, znorm, q, U, L);
          seeds.clear();
          if (prevQs >= 0) {
            const long shift = (long)qs[d] - prevQs;
            for (auto& c : prevAll) {
              const long sAbs = (long)c.idx + shift;  // absolute starts
              if (sAbs >= (long)a && sAbs + (long)m <= (long)b) seeds.push_back((size_t)(sAbs - (long)a));
            }
          }
          auto& st = local[0];
          const bool stats = znorm && a % wd::ZBLOCK == 0;
          if (stats) usedStats.fetch_add(1, std::memory_order_relaxed);
          wd::SearchParams P{x + a, b - a, q.data(), m, w, k, znorm, excl, U.data(), L.data(), &sharedT, &cancel, &progress};
          P.SU = SU.data() + a;
          P.SL = SL.data() + a;
          if (stats) {
            P.smean = smean.data() + a;
            P.ssd = ssd.data() + a;
            P.sinv = sinv.data() + a;
          }
          P.seeds = seeds.data();
          P.nseeds = seeds.size();
          st.kept.clear();
          st.best.clear();
          st.T = INFINITY;
          sharedT.store(infBits);
          K->search_range(&P, 0, b - a - m + 1, &st);
          if (cancel.load()) return;
          for (int i = 0; i < 5; ++i) pruned[i].fetch_add(st.stats[i], std::memory_order_relaxed);
          for (auto& s5 : st.stats) s5 = 0;
          double Tf;
          const uint64_t fb = sharedT.load();
          std::memcpy(&Tf, &fb, 8);
          selectFinal(local, Tf, k, excl, all, result);
          keptTotal.fetch_add(all.size(), std::memory_order_relaxed);
          for (auto& c : result) c.idx += a;  // absolute starts
          prevAll.assign(all.begin(), all.begin() + std::min(all.size(), seedCount));
          for (auto& c : prevAll) c.idx += a;
          for (size_t r = 0; r < result.size(); ++r) {
            outIdx[d * k + r] = (int32_t)result[r].idx;
            outDist[d * k + r] = result[r].d;
          }
          prevQs = qs[d];
        }
      }
    });
    statsUsed = usedStats.load();
    if (cancel.load()) return;
    if (std::getenv("WARPDESK_SEARCH_STATS")) {
      std::fprintf(stderr, "warpdesk searchWalk: %zu decisions, %zu starts; pruned by LB_Kim(first/last) %zu, LB_Kim(layers) %zu, LB_Keogh(EQ) %zu, LB_Keogh(EC) %zu; DTW %zu; within the final threshold %zu\n", D, total, pruned[0].load(), pruned[1].load(), pruned[2].load(), pruned[3].load(), pruned[4].load(), keptTotal.load());
    }
    progress.store(total);
  }
  std::atomic<size_t> pruned[5] = {};
  std::atomic<size_t> keptTotal{0};

  double work(size_t d) const { return to[d] >= from[d] + (int32_t)m ? (double)(to[d] - from[d] - (int32_t)m + 1) : 0.0; }

  Value toJs(Env env) const {
    Object o = Object::New(env);
    Int32Array idx = Int32Array::New(env, outIdx.size());
    std::copy(outIdx.begin(), outIdx.end(), idx.Data());
    Float64Array dist = Float64Array::New(env, outDist.size());
    std::copy(outDist.begin(), outDist.end(), dist.Data());
    o.Set("index", idx);
    o.Set("distance", dist);
    return o;
  }
};

struct SearchJob : JobBase {
  std::vector<double> own;  // owned copy of the series when needed
  const double* x = nullptr;
  size_t N = 0, m = 0, k = 1, excl = 0;
  long w = 0;
  bool znorm = true;
  std::vector<double> q, U, L;
  std::vector<wd::Cand> result;

  void setup(const Arr& series, const Arr& query, long window, size_t k_, bool z, size_t ex, bool copy) {
    if (series.f32 || copy) {
      own = series.toDouble();
      x = own.data();
    } else {
      x = series.d();
    }
    N = series.n;
    m = query.n;
    w = std::min(window < 0 ? (long)m : window, (long)m);
    k = k_;
    znorm = z;
    excl = ex;
    std::vector<double> qr = query.toDouble();
    prepareQuery(qr.data(), m, w, z, q, U, L);
    total = N - m + 1;
  }

  void run(const wd::Kernels* K) {
    std::atomic<uint64_t> sharedT;
    double inf = INFINITY;
    uint64_t bits;
    std::memcpy(&bits, &inf, 8);
    sharedT.store(bits);
    wd::SearchParams P{x, N, q.data(), m, w, k, znorm, excl, U.data(), L.data(), &sharedT, &cancel, &progress};
    const size_t CHUNK = 16384;  // multiple of ZBLOCK
    const size_t chunks = (total + CHUNK - 1) / CHUNK;
    unsigned nt = (unsigned)std::min<size_t>(threads(), chunks);
    std::vector<wd::SearchLocal> locals(std::max(1u, nt));
    for (auto& l : locals) l.T = INFINITY;
    std::atomic<size_t> nextChunk{0};
    parallel(nt, [&](unsigned t) {
      for (;;) {
        size_t c = nextChunk.fetch_add(1);
        if (c >= chunks || cancel.load()) break;
        K->search_range(&P, c * CHUNK, std::min(total, (c + 1) * CHUNK), &locals[t]);
      }
    });
    if (cancel.load()) return;
    if (std::getenv("WARPDESK_SEARCH_STATS")) {
      size_t t5[5] = {0, 0, 0, 0, 0};
      for (auto& l : locals)
        for (int i = 0; i < 5; ++i) t5[i] += l.stats[i];
      std::fprintf(stderr, "warpdesk search: %zu starts; pruned by LB_Kim(first/last) %zu, LB_Kim(layers) %zu, LB_Keogh(EQ) %zu, LB_Keogh(EC) %zu; DTW %zu\n", total, t5[0], t5[1], t5[2], t5[3], t5[4]);
    }
    // final threshold: the best any thread reached (each is a valid bound on the answer)
    double T;
    const uint64_t fb = sharedT.load();
    std::memcpy(&T, &fb, 8);
    selectFinal(locals, T, k, excl, all, result);
    progress.store(total);
  }
  std::vector<wd::Cand> all;

  Value toJs(Env env) const {
    Array out = Array::New(env, result.size());
    for (size_t i = 0; i < result.size(); ++i) {
      Object o = Object::New(env);
      o.Set("index", Number::New(env, (double)result[i].idx));
      o.Set("distance", Number::New(env, result[i].d));
      out.Set((uint32_t)i, o);
    }
    return out;
  }
};

struct LcssJob : JobBase {
  std::vector<std::vector<double>> s64;
  std::vector<std::vector<float>> s32;
  bool all32 = true, equal = true;
  size_t N = 0, len = 0;
  double eps = 0;
  long delta = -1;
  std::vector<double> out;

  void setup(const std::vector<Arr>& list, double e, long d) {
    N = list.size();
    eps = e;
    delta = d;
    len = list[0].n;
    for (auto& a : list) {
      all32 = all32 && a.f32;
      equal = equal && a.n == len;
    }
    all32 = all32 && equal;  // the per-pair path for unequal lengths works in f64
    for (auto& a : list) {
      if (all32) s32.emplace_back(a.f(), a.f() + a.n);
      else s64.push_back(a.toDouble());
    }
    total = N * (N - 1) / 2;
    out.assign(N * N, 0.0);
  }

  // Equal lengths: pairs (p < q) in row-major order, packed `lanes` at a time into SIMD lanes.
  void runEqual(const wd::Kernels* K) {
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    pairs.reserve(total);
    for (size_t p = 0; p + 1 < N; ++p)
      for (size_t q2 = p + 1; q2 < N; ++q2) pairs.emplace_back((uint32_t)p, (uint32_t)q2);
    const size_t lanes = all32 ? K->lcss_lanes_f32 : K->lcss_lanes_f64;
    const size_t blocks = (pairs.size() + lanes - 1) / lanes;
    std::atomic<size_t> next{0};
    parallel((unsigned)std::min<size_t>(threads(), blocks), [&](unsigned) {
      std::vector<double> res(lanes), at64, bt64;
      std::vector<float> lo32, hi32, bt32;
      if (all32) {
        lo32.resize(len * lanes);
        hi32.resize(len * lanes);
        bt32.resize(len * lanes);
      } else {
        at64.resize(len * lanes);
        bt64.resize(len * lanes);
      }
      for (;;) {
        size_t b = next.fetch_add(1);
        if (b >= blocks || cancel.load()) break;
        const size_t first = b * lanes, cnt = std::min(lanes, pairs.size() - first);
        for (size_t l = 0; l < lanes; ++l) {
          // idle lanes repeat the block's first pair
          const auto pr = pairs[first + (l < cnt ? l : 0)];
          if (all32) {
            const float* a = s32[pr.first].data();
            const float* bb = s32[pr.second].data();
            for (size_t i = 0; i < len; ++i) {
              double dl = (double)a[i] - eps, dh = (double)a[i] + eps;
              float fl = (float)dl, fh = (float)dh;
              if ((double)fl < dl) fl = std::nextafter(fl, INFINITY);
              if ((double)fh > dh) fh = std::nextafter(fh, -INFINITY);
              lo32[i * lanes + l] = fl;
              hi32[i * lanes + l] = fh;
              bt32[i * lanes + l] = bb[i];
            }
          } else {
            const double* a = s64[pr.first].data();
            const double* bb = s64[pr.second].data();
            for (size_t i = 0; i < len; ++i) {
              at64[i * lanes + l] = a[i];
              bt64[i * lanes + l] = bb[i];
            }
          }
        }
        if (all32) K->lcss_block_f32(lo32.data(), hi32.data(), bt32.data(), len, delta, res.data());
        else K->lcss_block_f64(at64.data(), bt64.data(), len, eps, delta, res.data());
        for (size_t l = 0; l < cnt; ++l) {
          const auto pr = pairs[first + l];
          out[pr.first * N + pr.second] = out[pr.second * N + pr.first] = res[l];
        }
        progress.fetch_add(cnt);
      }
    });
  }

  void run(const wd::Kernels* K) {
    for (size_t i = 0; i < N; ++i) out[i * N + i] = 1.0;
    if (N < 2) return;
    if (equal) return runEqual(K);
    std::atomic<size_t> next{0};
    parallel((unsigned)std::min<size_t>(threads(), N), [&](unsigned) {
      for (;;) {
        size_t p = next.fetch_add(1);
        if (p + 1 >= N || cancel.load()) break;
        for (size_t q2 = p + 1; q2 < N; ++q2) {
          double v = wd::lcss_pair_f64(s64[p].data(), s64[p].size(), s64[q2].data(), s64[q2].size(), eps, delta);
          out[p * N + q2] = out[q2 * N + p] = v;
        }
        progress.fetch_add(N - 1 - p);
      }
    });
  }

  Value toJs(Env env) const {
    Float64Array a = Float64Array::New(env, out.size());
    std::copy(out.begin(), out.end(), a.Data());
    return a;
  }
};

struct BatchJob : JobBase {
  std::vector<double> q64, c64;
  std::vector<float> q32, c32;
  bool f32 = false, absolute = false;
  size_t m = 0, count = 0;
  long w = -1;
  std::vector<double> out;

  void run(const wd::Kernels* K) {
    const size_t CH = 512;
    const size_t chunks = (count + CH - 1) / CH;
    std::atomic<size_t> next{0};
    parallel((unsigned)std::max<size_t>(1, std::min<size_t>(threads(), chunks)), [&](unsigned) {
      for (;;) {
        size_t c = next.fetch_add(1);
        if (c >= chunks || cancel.load()) break;
        size_t lo = c * CH, hi = std::min(count, lo + CH);
        if (f32) K->batch_f32(q32.data(), m, c32.data() + lo * m, hi - lo, w, absolute, out.data() + lo);
        else K->batch_f64(q64.data(), m, c64.data() + lo * m, hi - lo, w, absolute, out.data() + lo);
        progress.fetch_add(hi - lo);
      }
    });
  }

  Value toJs(Env env) const {
    Float64Array a = Float64Array::New(env, out.size());
    std::copy(out.begin(), out.end(), a.Data());
    return a;
  }
};

template <class J>
class JobWorker : public AsyncWorker {
 public:
  JobWorker(Napi::Env env, std::shared_ptr<J> job, const wd::Kernels* K) : AsyncWorker(env, "warpdesk-engine"), job_(job), K_(K), def_(Promise::Deferred::New(env)) {}
  Promise promise() { return def_.Promise(); }
  void Execute() override {
    try {
      job_->run(K_);
    } catch (const std::bad_alloc&) {
      job_->error = "TooLarge";
    } catch (const std::exception& e) {
      job_->error = e.what();
    }
  }
  void OnOK() override {
    Napi::Env env = AsyncWorker::Env();
    HandleScope scope(env);
    if (job_->cancel.load()) return def_.Reject(cancelledError(env));
    if (!job_->error.empty()) {
      Error e = Error::New(env, job_->error == "TooLarge" ? "The engine ran out of memory for this job." : "The native engine failed: " + job_->error);
      e.Set("code", String::New(env, job_->error == "TooLarge" ? "TooLarge" : "Internal"));
      return def_.Reject(e.Value());
    }
    def_.Resolve(job_->toJs(env));
  }
  void OnError(const Error& e) override { def_.Reject(e.Value()); }

 private:
  std::shared_ptr<J> job_;
  const wd::Kernels* K_;
  Promise::Deferred def_;
};

template <class J>
Value startJob(Env env, std::shared_ptr<J> job) {
  auto* w = new JobWorker<J>(env, job, wd::active());
  Object o = Object::New(env);
  o.Set("promise", w->promise());
  std::shared_ptr<JobBase> base = job;
  o.Set("cancel", Function::New(env, [base](const CallbackInfo& info) -> Value {
          base->cancel.store(true);
          return info.Env().Undefined();
        }));
  o.Set("progress", Function::New(env, [base](const CallbackInfo& info) -> Value { return Number::New(info.Env(), base->fraction()); }));
  w->Queue();
  return o;
}

// ------------------------------------------------------------------------------------------------
Value Dtw(const CallbackInfo& info) {
  Env env = info.Env();
  Arr a = getArr(env, info[0], "first series"), b = getArr(env, info[1], "second series");
  long w = getWindow(env, info[2]);
  bool absolute = getBool(info[3]);
  checkCells(env, (double)a.n, b.n, w, a.n);
  const wd::Kernels* K = wd::active();
  if (a.f32 && b.f32) return Number::New(env, K->dtw_f32(a.f(), a.n, b.f(), b.n, w, absolute));
  if (!a.f32 && !b.f32) return Number::New(env, K->dtw_f64(a.d(), a.n, b.d(), b.n, w, absolute));
  std::vector<double> x = a.toDouble(), y = b.toDouble();
  return Number::New(env, K->dtw_f64(x.data(), x.size(), y.data(), y.size(), w, absolute));
}

Value DtwPath(const CallbackInfo& info) {
  Env env = info.Env();
  Arr a = getArr(env, info[0], "first series"), b = getArr(env, info[1], "second series");
  long w = getWindow(env, info[2]);
  bool absolute = getBool(info[3]);
  if (((double)a.n + 1) * ((double)b.n + 1) > MAX_PATH_CELLS) fail(env, "TooLarge", "A warping path for these lengths needs too much memory; ask for the distance only.");
  std::vector<double> x = a.toDouble(), y = b.toDouble();
  std::vector<int32_t> path;
  double d = wd::dtw_path_f64(x.data(), x.size(), y.data(), y.size(), w, absolute, &path);
  Object o = Object::New(env);
  o.Set("distance", Number::New(env, d));
  Int32Array p = Int32Array::New(env, path.size());
  std::copy(path.begin(), path.end(), p.Data());
  o.Set("path", p);
  return o;
}

Value DtwBatch(const CallbackInfo& info) {
  Env env = info.Env();
  Arr q = getArr(env, info[0], "query"), c = getArr(env, info[1], "candidates");
  long w = getWindow(env, info[2]);
  bool absolute = getBool(info[3]);
  if (c.n % q.n != 0) fail(env, "InvalidDimensions", "The candidates are not a whole number of queries long.");
  const size_t m = q.n, count = c.n / m;
  checkCells(env, (double)c.n, m, w, m);
  Float64Array out = Float64Array::New(env, count);
  double* o = out.Data();
  const wd::Kernels* K = wd::active();
  std::vector<double> qd, cd;
  const bool f32 = q.f32 && c.f32;
  if (!f32 && (q.f32 || c.f32)) {
    qd = q.toDouble();
    cd = c.toDouble();
  }
  const double* qp = qd.empty() ? q.d() : qd.data();
  const double* cp = cd.empty() ? c.d() : cd.data();
  const size_t minPer = 256;
  unsigned nt = (unsigned)std::max<size_t>(1, std::min<size_t>(threads(), count / minPer));
  parallel(nt, [&](unsigned t) {
    size_t lo = count * t / nt, hi = count * (t + 1) / nt;
    if (lo >= hi) return;
    if (f32) K->batch_f32(q.f(), m, c.f() + lo * m, hi - lo, w, absolute, o + lo);
    else K->batch_f64(qp, m, cp + lo * m, hi - lo, w, absolute, o + lo);
  });
  return out;
}

Value DtwBatchAsync(const CallbackInfo& info) {
  Env env = info.Env();
  Arr q = getArr(env, info[0], "query"), c = getArr(env, info[1], "candidates");
  long w = getWindow(env, info[2]);
  bool absolute = getBool(info[3]);
  if (c.n % q.n != 0) fail(env, "InvalidDimensions", "The candidates are not a whole number of queries long.");
  checkCells(env, (double)c.n, q.n, w, q.n);
  auto job = std::make_shared<BatchJob>();
  job->m = q.n;
  job->count = c.n / q.n;
  job->w = w;
  job->absolute = absolute;
  job->f32 = q.f32 && c.f32;
  if (job->f32) {
    job->q32.assign(q.f(), q.f() + q.n);
    job->c32.assign(c.f(), c.f() + c.n);
  } else {
    job->q64 = q.toDouble();
    job->c64 = c.toDouble();
  }
  job->out.assign(job->count, 0.0);
  job->total = job->count;
  return startJob(env, job);
}

Value DtwMulti(const CallbackInfo& info) {
  Env env = info.Env();
  Arr a = getArr(env, info[0], "first series"), b = getArr(env, info[1], "second series");
  size_t ch = getCount(env, info[2], "channels", 1, 4096);
  long w = getWindow(env, info[3]);
  bool absolute = getBool(info[4]);
  if (a.n % ch != 0 || b.n % ch != 0) fail(env, "InvalidDimensions", "The series lengths are not multiples of the channel count.");
  checkCells(env, (double)a.n, b.n / ch, w, a.n / ch);
  std::vector<double> x = a.toDouble(), y = b.toDouble();
  return Number::New(env, wd::dtw_multi_f64(x.data(), a.n / ch, y.data(), b.n / ch, ch, w, absolute));
}

std::shared_ptr<SearchJob> makeSearch(const CallbackInfo& info, bool copy) {
  Env env = info.Env();
  Arr s = getArr(env, info[0], "series"), q = getArr(env, info[1], "query");
  if (q.n > s.n) fail(env, "InvalidDimensions", "The query is longer than the series.");
  if (q.n > 262144) fail(env, "TooLarge", "The search query is longer than 262,144 values.");
  long w = getWindow(env, info[2]);
  size_t k = getCount(env, info[3], "k", 1, 100000);
  bool z = info[4].IsUndefined() ? true : getBool(info[4]);
  size_t ex = info[5].IsUndefined() ? q.n / 2 : getCount(env, info[5], "exclusionZone", 0, 9e15);
  {
    const double band = std::min((double)q.n, 2.0 * (double)std::min(w < 0 ? (long)q.n : w, (long)q.n) + 1);
    if ((double)(s.n - q.n + 1) * (double)q.n * band > MAX_CELLS * 100)
      fail(env, "TooLarge", "The search would need more than 1e13 DP cells without pruning; use a shorter query or window.");
  }
  auto job = std::make_shared<SearchJob>();
  job->setup(s, q, w, k, z, ex, copy);
  return job;
}

Value SearchTopK(const CallbackInfo& info) {
  auto job = makeSearch(info, false);
  job->run(wd::active());
  return job->toJs(info.Env());
}

Value SearchTopKAsync(const CallbackInfo& info) { return startJob(info.Env(), makeSearch(info, true)); }

// searchWalk(series, queryStarts, from, to, length, window, k, znormalize, exclusionZone)
std::shared_ptr<WalkJob> makeWalk(const CallbackInfo& info, bool copy) {
  Env env = info.Env();
  Arr s = getArr(env, info[0], "series");
  auto ints = [&](const Value& v, const char* name) {
    if (!v.IsTypedArray() || v.As<TypedArray>().TypedArrayType() != napi_int32_array) fail(env, "InvalidInput", std::string("The ") + name + " must be an Int32Array.");
    Int32Array a = v.As<Int32Array>();
    return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
  };
  auto job = std::make_shared<WalkJob>();
  job->qs = ints(info[1], "query starts");
  job->from = ints(info[2], "search starts");
  job->to = ints(info[3], "search ends");
  const size_t D = job->qs.size();
  if (job->from.size() != D || job->to.size() != D) fail(env, "InvalidDimensions", "The query starts, search starts and search ends must have the same length.");
  const size_t m = getCount(env, info[4], "query length", 1, 262144);
  if (m > s.n) fail(env, "InvalidDimensions", "The query is longer than the series.");
  long w = getWindow(env, info[5]);
  size_t k = getCount(env, info[6], "k", 1, 100000);
  bool z = info[7].IsUndefined() ? true : getBool(info[7]);
  size_t ex = info[8].IsUndefined() ? m / 2 : getCount(env, info[8], "exclusionZone", 0, 9e15);
  if ((double)D * (double)k > 5e8) fail(env, "TooLarge", "The walk would return more than 5e8 matches.");
  double total = 0;
  for (size_t d = 0; d < D; ++d) {
    const int32_t q0 = job->qs[d], a = job->from[d], b = job->to[d];
    if (q0 < 0 || (size_t)q0 + m > s.n) fail(env, "InvalidInput", "Query " + std::to_string(d) + " lies outside the series.");
    if (a < 0 || b < a || (size_t)b > s.n) fail(env, "InvalidInput", "Search range " + std::to_string(d) + " lies outside the series.");
    if ((size_t)(b - a) >= m) total += (double)(b - a) - (double)m + 1;
  }
  const double band = std::min((double)m, 2.0 * (double)std::min(w < 0 ? (long)m : w, (long)m) + 1);
  if (total * (double)m * band > MAX_CELLS * 1e5) fail(env, "TooLarge", "The walk would need more than 1e16 DP cells without pruning; use fewer decisions or a shorter history.");
  if (s.f32 || copy) {
    job->own = s.toDouble();
    job->x = job->own.data();
  } else {
    job->x = s.d();
  }
  job->N = s.n;
  job->m = m;
  job->w = std::min(w < 0 ? (long)m : w, (long)m);
  job->k = k;
  job->znorm = z;
  job->excl = ex;
  job->D = D;
  job->total = (size_t)total;
  return job;
}

Value SearchWalk(const CallbackInfo& info) {
  auto job = makeWalk(info, false);
  job->run(wd::active());
  return job->toJs(info.Env());
}

Value SearchWalkAsync(const CallbackInfo& info) { return startJob(info.Env(), makeWalk(info, true)); }

Value Lcss(const CallbackInfo& info) {
  Env env = info.Env();
  Arr a = getArr(env, info[0], "first series"), b = getArr(env, info[1], "second series");
  double eps = getNum(env, info[2], "epsilon", 0, INFINITY);
  long delta = getWindow(env, info[3], "delta");
  checkCells(env, (double)a.n, b.n, -1, a.n);
  std::vector<double> x = a.toDouble(), y = b.toDouble();
  return Number::New(env, wd::lcss_pair_f64(x.data(), x.size(), y.data(), y.size(), eps, delta));
}

std::shared_ptr<LcssJob> makeLcss(const CallbackInfo& info) {
  Env env = info.Env();
  if (!info[0].IsArray()) fail(env, "InvalidInput", "The series list must be an array of Float32Array or Float64Array.");
  Array arr = info[0].As<Array>();
  if (arr.Length() == 0) fail(env, "InvalidInput", "The series list must not be empty.");
  if (arr.Length() > 65536) fail(env, "TooLarge", "The series list has more than 65536 series.");
  std::vector<Arr> list;
  double cells = 0;
  for (uint32_t i = 0; i < arr.Length(); ++i) list.push_back(getArr(env, arr.Get(i), "series #" + std::to_string(i)));
  for (auto& a : list) cells += (double)a.n * (double)a.n;
  if (cells * (double)list.size() / 2 > MAX_CELLS) fail(env, "TooLarge", "The LCSS matrix would need more than 1e11 DP cells.");
  double eps = getNum(env, info[1], "epsilon", 0, INFINITY);
  long delta = getWindow(env, info[2], "delta");
  auto job = std::make_shared<LcssJob>();
  job->setup(list, eps, delta);
  return job;
}

Value LcssMatrix(const CallbackInfo& info) {
  auto job = makeLcss(info);
  job->run(wd::active());
  return job->toJs(info.Env());
}

Value LcssMatrixAsync(const CallbackInfo& info) { return startJob(info.Env(), makeLcss(info)); }

Value SimdLevel(const CallbackInfo& info) { return String::New(info.Env(), wd::active()->name); }

Value AvailableLevels(const CallbackInfo& info) {
  Env env = info.Env();
  const auto& lv = wd::available_levels();
  Array a = Array::New(env, lv.size());
  for (size_t i = 0; i < lv.size(); ++i) a.Set((uint32_t)i, String::New(env, lv[i]));
  return a;
}

Value SetSimdLevel(const CallbackInfo& info) {
  Env env = info.Env();
  if (!info[0].IsString()) fail(env, "InvalidInput", "The SIMD level must be a string.");
  std::string name = info[0].As<String>().Utf8Value();
  if (!wd::set_level(name)) fail(env, "InvalidInput", "The SIMD level '" + name + "' is not available on this machine.");
  return String::New(env, wd::active()->name);
}

Value Threads(const CallbackInfo& info) { return Number::New(info.Env(), threads()); }

Value SetThreads(const CallbackInfo& info) {
  size_t n = getCount(info.Env(), info[0], "thread count", 0, 256);
  threadCount.store(n == 0 ? defaultThreads() : (unsigned)n);
  return Number::New(info.Env(), threads());
}

// ---- rowBounds: the memory index's fused first pass (src/main/memory/pattern-index.ts) ----
// For every eligible row (active, matching the type/dataset/timeframe codes; -1 = any) it writes the
// weight w = recency x reliability into `weight` and computes the score bound ub = sim(LB_PAA) x w; it
// returns the `limit` rows of largest ub that are >= thr (descending ub, ties by row), so the caller runs
// exact DTW on those first. Rows below max(thr, the limit-th bound) are early-abandoned. Mirrors
// src/main/engine/reference/row-bounds.ts operation for operation (same doubles, no FMA).
template <class T>
T* typedField(Env env, Object o, const char* key, napi_typedarray_type type, size_t minLen) {
  Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<TypedArray>().TypedArrayType() != type) fail(env, "InvalidInput", std::string("rowBounds: '") + key + "' has the wrong array type.");
  TypedArray ta = v.As<TypedArray>();
  if (ta.ElementLength() < minLen) fail(env, "InvalidDimensions", std::string("rowBounds: '") + key + "' is too short.");
  return reinterpret_cast<T*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
}

double numField(Env env, Object o, const char* key) {
  Value v = o.Get(key);
  if (!v.IsNumber()) fail(env, "InvalidInput", std::string("rowBounds: '") + key + "' must be a number.");
  return v.As<Number>().DoubleValue();
}

size_t countField(Env env, Object o, const char* key, double hi) {
  double x = numField(env, o, key);
  if (!std::isfinite(x) || x != std::floor(x) || x < 0 || x > hi) fail(env, "InvalidInput", std::string("rowBounds: '") + key + "' must be a whole number in range.");
  return (size_t)x;
}

Value RowBounds(const CallbackInfo& info) {
  Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) fail(env, "InvalidInput", "rowBounds takes one options object.");
  Object o = info[0].As<Object>();
  const size_t count = countField(env, o, "count", 2147483647.0);
  const size_t n = countField(env, o, "n", 1e9);
  const size_t S = countField(env, o, "segments", 1024);
  const size_t stride = countField(env, o, "stride", 1024);
  const size_t limit = countField(env, o, "limit", 2147483647.0);
  const size_t types = countField(env, o, "types", 2147483647.0);
  if (n == 0 || S == 0 || S > stride) fail(env, "InvalidInput", "rowBounds: bad length or segment count.");
  const double thr = numField(env, o, "thr"), c = numField(env, o, "c"), floorR = numField(env, o, "floor");
  const bool pure = o.Get("pure").ToBoolean().Value();
  const double ft = numField(env, o, "filterType"), fd = numField(env, o, "filterDataset"), ff = numField(env, o, "filterTimeframe");
  const double* paa = typedField<double>(env, o, "paa", napi_float64_array, count * stride);
  const double* segU = typedField<double>(env, o, "segU", napi_float64_array, S);
  const double* segL = typedField<double>(env, o, "segL", napi_float64_array, S);
  const double* segLen = typedField<double>(env, o, "segLen", napi_float64_array, S);
  const int32_t* segOrder = typedField<int32_t>(env, o, "segOrder", napi_int32_array, S);
  for (size_t i = 0; i < S; ++i)
    if (segOrder[i] < 0 || (size_t)segOrder[i] >= S) fail(env, "InvalidInput", "rowBounds: segOrder out of range.");
  const uint8_t* active = typedField<uint8_t>(env, o, "active", napi_uint8_array, count);
  const int32_t* type = typedField<int32_t>(env, o, "type", napi_int32_array, count);
  const int32_t* dataset = typedField<int32_t>(env, o, "dataset", napi_int32_array, count);
  const int32_t* timeframe = typedField<int32_t>(env, o, "timeframe", napi_int32_array, count);
  const double* decay = typedField<double>(env, o, "decay", napi_float64_array, pure ? 0 : count);
  const double* quality = typedField<double>(env, o, "quality", napi_float64_array, count);
  const double* typeMean = typedField<double>(env, o, "typeMean", napi_float64_array, types);
  double* weight = typedField<double>(env, o, "weight", napi_float64_array, count);
  if (!pure)
    for (size_t r = 0; r < count; ++r)
      if (active[r] && (type[r] < 0 || (size_t)type[r] >= types)) fail(env, "InvalidInput", "rowBounds: a type code is out of range.");

  const double nd = (double)n;
  // heap under `better` (larger bound, then smaller row): its root is the worst kept row
  using E = std::pair<double, int32_t>;
  auto better = [](const E& a, const E& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  std::vector<E> heap;
  heap.reserve(std::min(limit, count));
  size_t eligible = 0;
  const size_t rowBytes = stride * sizeof(double);
  for (size_t r = 0; r < count; ++r) {
    if (r + 16 < count) {
      // sixteen rows ahead: the stream of segment means is the scan's bottleneck (measured: half its time was
      // the first load of each row without this)
      const char* ahead = reinterpret_cast<const char*>(paa + (r + 16) * stride);
      for (size_t b = 0; b < rowBytes; b += 64) __builtin_prefetch(ahead + b);
    }
    if (!active[r]) continue;
    if ((ft >= 0 && type[r] != ft) || (fd >= 0 && dataset[r] != fd) || (ff >= 0 && timeframe[r] != ff)) continue;
    ++eligible;
    double w = 1;
    if (!pure) {
      double f = c * decay[r];
      if (!(f <= 1)) f = 1;
      const double rec = floorR + (1 - floorR) * f;
      const double q = quality[r];
      w = rec * (0.5 + 0.5 * (q == q ? q : typeMean[type[r]]));
    }
    weight[r] = w;
    if (limit == 0) continue;
    const bool full = heap.size() >= limit;
    const double floorB = full ? std::max(thr, heap.front().first) : thr;
    if (w < floorB) continue;
    double cap = INFINITY;
    if (floorB >= 0) {
      const double s = floorB / w;
      cap = s >= 1 ? 0 : (s <= 0 ? INFINITY : nd * (1 / s - 1));
    }
    const double* x = paa + r * stride;
    double lb = 0;
    bool abandoned = false;
    // branch-free (the sign of v - u is a coin flip per segment): at most one of the two gaps is positive and
    // adding the other's 0 is exact, so each term and the sum order are those of the reference
    for (size_t i = 0; i < S; ++i) {
      const int32_t g = segOrder[i];
      const double v = x[g];
      const double e = std::max(v - segU[g], 0.0) + std::max(segL[g] - v, 0.0);
      lb += segLen[g] * e * e;
      if (lb > cap) {
        abandoned = true;
        break;
      }
    }
    if (abandoned) continue;
    double sim;
    if (lb <= 0) sim = 1;
    else {
      sim = 1 / (1 + lb / nd);
      if (sim >= 1) sim = 1 - 0x1p-53;
    }
    const double ub = sim * w;
    if (ub < thr) continue;
    if (!full) {
      heap.emplace_back(ub, (int32_t)r);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(E(ub, (int32_t)r), heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = E(ub, (int32_t)r);
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), better);  // best first
  Int32Array rows = Int32Array::New(env, heap.size());
  Float64Array bounds = Float64Array::New(env, heap.size());
  for (size_t i = 0; i < heap.size(); ++i) {
    rows[i] = heap[i].second;
    bounds[i] = heap[i].first;
  }
  Object out = Object::New(env);
  out.Set("rows", rows);
  out.Set("bounds", bounds);
  out.Set("eligible", Number::New(env, (double)eligible));
  return out;
}

// ---- refineRows: the memory index's second pass over best-bounded rows (after rowBounds) ----
// Visits `rows` (descending `bounds`) until a bound falls below the top set's threshold; a row not yet
// `done` gets LB_Keogh and then LB_Improved against the query envelope (once the top set is full, abandoned
// above the distance at which it could not enter) and then exact DTW (batches of `batch` rows through the active
// kernels, abandoned as a block once every row in it is proved above that distance); the
// top set (topRows/topScore/topDist, best first, ties by row, `topCount` used) is updated in place.
// Mirrors src/main/engine/reference/refine-rows.ts.
Value RefineRows(const CallbackInfo& info) {
  Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) fail(env, "InvalidInput", "refineRows takes one options object.");
  Object o = info[0].As<Object>();
  const size_t count = countField(env, o, "count", 2147483647.0);
  const size_t n = countField(env, o, "n", 1e9);
  const size_t pool = countField(env, o, "pool", 1e6);
  const size_t batch = std::max<size_t>(1, countField(env, o, "batch", 1e6));
  size_t topCount = countField(env, o, "topCount", (double)pool);
  const long window = (long)countField(env, o, "window", 1e9);
  if (n == 0 || pool == 0) fail(env, "InvalidInput", "refineRows: bad length or pool.");
  const float* values = typedField<float>(env, o, "values", napi_float32_array, count * n);
  const float* query = typedField<float>(env, o, "query", napi_float32_array, n);
  const double* upper = typedField<double>(env, o, "upper", napi_float64_array, n);
  const double* lower = typedField<double>(env, o, "lower", napi_float64_array, n);
  Value rv = o.Get("rows");
  if (!rv.IsTypedArray() || rv.As<TypedArray>().TypedArrayType() != napi_int32_array) fail(env, "InvalidInput", "refineRows: 'rows' must be an Int32Array.");
  const size_t m = rv.As<TypedArray>().ElementLength();
  const int32_t* rows = typedField<int32_t>(env, o, "rows", napi_int32_array, m);
  const double* bounds = typedField<double>(env, o, "bounds", napi_float64_array, m);
  for (size_t i = 0; i < m; ++i)
    if (rows[i] < 0 || (size_t)rows[i] >= count) fail(env, "InvalidInput", "refineRows: a row is out of range.");
  const double* weight = typedField<double>(env, o, "weight", napi_float64_array, count);
  uint8_t* done = typedField<uint8_t>(env, o, "done", napi_uint8_array, count);
  int32_t* topRows = typedField<int32_t>(env, o, "topRows", napi_int32_array, pool);
  double* topScore = typedField<double>(env, o, "topScore", napi_float64_array, pool);
  double* topDist = typedField<double>(env, o, "topDist", napi_float64_array, pool);
  checkCells(env, (double)(batch * n), n, window, n);

  const wd::Kernels* K = wd::active();
  const double nd = (double)n;
  auto sim = [nd](double d) {
    if (d <= 0) return 1.0;
    const double s = 1 / (1 + d / nd);
    return s >= 1 ? 1 - 0x1p-53 : s;
  };
  double thr = topCount >= pool ? topScore[pool - 1] : -1;
  std::vector<int32_t> pending;
  pending.reserve(batch);
  std::vector<double> pendingCap;  // the distance above which each pending row cannot enter (inf: unknown)
  pendingCap.reserve(batch);
  std::vector<float> buf(batch * n);
  std::vector<double> d(batch);
  std::vector<double> h(n);
  std::vector<size_t> hiQ(n), loQ(n);
  const size_t wn = (size_t)std::min<long>(window, (long)n);
  const Value iv = o.Get("improved");
  // off by default here: with SIMD DTW the scalar LB_Improved costs more than the DTW it saves (measured,
  // src/main/memory/README.md); the reference turns it on by default (its DTW is the expensive part)
  const bool improved = !iv.IsUndefined() && iv.ToBoolean().Value();
  double lowerBounded = 0, dtwComputed = 0;
  constexpr size_t PREFETCH_AHEAD = 4;
  auto flush = [&]() {
    const size_t k = pending.size();
    if (k == 0) return;
    for (size_t i = 0; i < k; ++i) std::memcpy(buf.data() + i * n, values + (size_t)pending[i] * n, n * sizeof(float));
    // early abandoning above each row's cap (the threshold only rises while the batch waits, so a row
    // proved above its cap at queue time cannot enter now either): +inf marks "proved out"
    K->batch_ea_f32(query, n, buf.data(), k, window, pendingCap.data(), d.data());
    dtwComputed += (double)k;
    for (size_t i = 0; i < k; ++i) {
      const int32_t row = pending[i];
      if (d[i] == INFINITY && pendingCap[i] < INFINITY) continue;
      if (!std::isfinite(d[i])) fail(env, "NonFinite", "refineRows: a DTW distance is not finite.");
      const double sc = sim(d[i]) * weight[row];
      if (topCount >= pool && (sc < thr || (sc == thr && row > topRows[topCount - 1]))) continue;
      size_t pos = topCount < pool ? topCount : pool - 1;  // the slot freed at the end
      while (pos > 0 && (topScore[pos - 1] < sc || (topScore[pos - 1] == sc && topRows[pos - 1] > row))) {
        topScore[pos] = topScore[pos - 1];
        topRows[pos] = topRows[pos - 1];
        topDist[pos] = topDist[pos - 1];
        --pos;
      }
      topScore[pos] = sc;
      topRows[pos] = row;
      topDist[pos] = d[i];
      if (topCount < pool) ++topCount;
      if (topCount >= pool) thr = topScore[pool - 1];
    }
    pending.clear();
    pendingCap.clear();
  };
  for (size_t i = 0; i < m; ++i) {
    if (topCount >= pool && bounds[i] < thr) {
      flush();
      if (bounds[i] < thr) break;
    }
    const int32_t r = rows[i];
    if (i + PREFETCH_AHEAD < m) {
      // rows are visited in bound order, i.e. at random places in `values`: fetch a later row's lines now
      const char* ahead = reinterpret_cast<const char*>(values + (size_t)rows[i + PREFETCH_AHEAD] * n);
      for (size_t b = 0; b < std::min<size_t>(n * sizeof(float), 1024); b += 64) __builtin_prefetch(ahead + b);
    }
    if (done[r]) continue;
    done[r] = 1;
    double rowCap = INFINITY;
    if (topCount >= pool) {
      const double s = thr / weight[r];
      const double cap = s >= 1 ? 0 : (s <= 0 ? INFINITY : nd * (1 / s - 1));
      // the DTW may stop once proved above this: n + rowCap = (n + cap)(1 + 1e-9), so a distance above it scores
      // below thr by a relative 1e-9, far beyond rounding (no abandoning at cap 0, where a tie could still enter)
      if (cap > 0) rowCap = cap + (nd + cap) * 1e-9;
      lowerBounded += 1;
      const float* c = values + (size_t)r * n;
      // LB_Keogh, branch-free in four running sums (abandoned between blocks of 16 samples)
      double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      double lb = 0;
      size_t t = 0;
      auto gap = [&](size_t j) {
        const double x = c[j];
        const double e = std::max(x - upper[j], 0.0) + std::max(lower[j] - x, 0.0);
        return e * e;
      };
      for (; t + 16 <= n; t += 16) {
        for (size_t u = 0; u < 16; u += 4) {
          a0 += gap(t + u);
          a1 += gap(t + u + 1);
          a2 += gap(t + u + 2);
          a3 += gap(t + u + 3);
        }
        lb = (a0 + a1) + (a2 + a3);
        if (lb > cap) break;
      }
      if (lb > cap) continue;
      for (; t < n; ++t) {
        const double x = c[t];
        const double e = std::max(x - upper[t], 0.0) + std::max(lower[t] - x, 0.0);
        lb += e * e;
      }
      if (lb > cap) continue;
      if (improved) {
        // LB_Improved (Lemire 2009): + LB_Keogh of the query against the envelope of the row's projection
        // onto the query's envelope; still a lower bound of the DTW distance
        for (size_t t = 0; t < n; ++t) {
          const double x = c[t];
          h[t] = x > upper[t] ? upper[t] : (x < lower[t] ? lower[t] : x);
        }
        size_t hh = 0, ht = 0, lh = 0, lt = 0, next = 0;
        for (size_t i = 0; i < n && lb <= cap; ++i) {
          const size_t right = i + wn < n - 1 ? i + wn : n - 1;
          while (next <= right) {
            const double v = h[next];
            while (ht > hh && h[hiQ[ht - 1]] < v) --ht;
            hiQ[ht++] = next;
            while (lt > lh && h[loQ[lt - 1]] > v) --lt;
            loQ[lt++] = next;
            ++next;
          }
          while (hiQ[hh] + wn < i) ++hh;
          while (loQ[lh] + wn < i) ++lh;
          const double u = h[hiQ[hh]], l = h[loQ[lh]], x = query[i];
          if (x > u) lb += (x - u) * (x - u);
          else if (x < l) lb += (x - l) * (x - l);
        }
        if (lb > cap) continue;
      }
    }
    pending.push_back(r);
    pendingCap.push_back(rowCap);
    if (pending.size() >= batch) flush();
  }
  flush();
  Object out = Object::New(env);
  out.Set("topCount", Number::New(env, (double)topCount));
  out.Set("lowerBounded", Number::New(env, lowerBounded));
  out.Set("dtwComputed", Number::New(env, dtwComputed));
  return out;
}

// Turns C++ exceptions other than Napi::Error (allocation failures, ...) into coded JS errors.
template <Value (*F)(const CallbackInfo&)>
Value safe(const CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    fail(info.Env(), "TooLarge", "The engine could not allocate memory for this call.");
  } catch (const std::exception& e) {
    fail(info.Env(), "Internal", std::string("The native engine failed: ") + e.what());
  }
}

Object Init(Env env, Object exports) {
  exports.Set("simdLevel", Function::New(env, SimdLevel));
  exports.Set("availableLevels", Function::New(env, AvailableLevels));
  exports.Set("setSimdLevel", Function::New(env, safe<SetSimdLevel>));
  exports.Set("threads", Function::New(env, Threads));
  exports.Set("setThreads", Function::New(env, safe<SetThreads>));
  exports.Set("simdNote", String::New(env, wd::env_note()));
  exports.Set("dtw", Function::New(env, safe<Dtw>));
  exports.Set("dtwPath", Function::New(env, safe<DtwPath>));
  exports.Set("dtwBatch", Function::New(env, safe<DtwBatch>));
  exports.Set("dtwBatchAsync", Function::New(env, safe<DtwBatchAsync>));
  exports.Set("dtwMulti", Function::New(env, safe<DtwMulti>));
  exports.Set("searchTopK", Function::New(env, safe<SearchTopK>));
  exports.Set("searchTopKAsync", Function::New(env, safe<SearchTopKAsync>));
  exports.Set("searchWalk", Function::New(env, safe<SearchWalk>));
  exports.Set("searchWalkAsync", Function::New(env, safe<SearchWalkAsync>));
  exports.Set("lcss", Function::New(env, safe<Lcss>));
  exports.Set("lcssMatrix", Function::New(env, safe<LcssMatrix>));
  exports.Set("lcssMatrixAsync", Function::New(env, safe<LcssMatrixAsync>));
  exports.Set("rowBounds", Function::New(env, safe<RowBounds>));
  exports.Set("refineRows", Function::New(env, safe<RefineRows>));
  return exports;
}

}  // namespace

NODE_API_MODULE(warpdesk_native, Init)
