// Kernel table shared by every instruction-set build of kernels_generic.inc (simdjson-style: one generic
// source compiled once per ISA with its own flags; dispatch.cpp picks one table at run time).
// Must never: allocate per DP cell, throw, or read outside the documented array bounds.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace wd {

struct SearchParams {
  const double* x;       // series (raw)
  size_t N;              // series length
  const double* q;       // query, already normalised (or raw when !znorm)
  size_t m;              // query length
  long w;                // Sakoe-Chiba half-width (<= m)
  size_t k;
  bool znorm;
  size_t excl;           // exclusion zone
  const double* U;       // query envelope (upper), length m
  const double* L;       // query envelope (lower)
  std::atomic<uint64_t>* sharedT;   // bit pattern of the best shared pruning threshold (double)
  std::atomic<bool>* cancel;
  std::atomic<size_t>* progress;    // starts processed
  // Optional (searchWalk: many searches over one series). Each, when set, is indexed like x:
  const double* SU = nullptr;       // a valid upper/lower series envelope for every start (any wider one
  const double* SL = nullptr;       //   is still a lower bound); else computed chunk-locally
  const double* smean = nullptr;    // per-start window mean and standard deviation, bit-identical to the
  const double* ssd = nullptr;      //   running sums restarted at every multiple of ZBLOCK (else computed)
  const double* sinv = nullptr;     //   with smean: 1 / sd, or 0 for a flat window (the bounds' factor)
  const size_t* seeds = nullptr;    // starts whose exact DTW is computed and offered before the scan
  size_t nseeds = 0;                //   (real candidates: they only tighten the threshold earlier)
};

struct Cand {
  double d;
  size_t idx;
};

// Per-thread state of a search: the pruning set (at most k seen candidates pairwise > 2*excl apart, whose
// worst distance T bounds the answer) and the candidates kept (distance <= T when evaluated).
struct alignas(128) SearchLocal {  // own cache lines: one per thread, updated per candidate
  std::vector<Cand> kept;
  std::vector<Cand> best;
  double T;
  std::vector<double> su, sl, g, h;  // chunk-local series envelope and its scratch (reused across chunks)
  // pruned by: [0] LB_Kim first/last, [1] LB_Kim layers, [2] LB_Keogh EQ, [3] LB_Keogh EC; [4] DTW computed
  size_t stats[5] = {0, 0, 0, 0, 0};
};

struct Kernels {
  const char* name;
  double (*dtw_f64)(const double* a, size_t n, const double* b, size_t m, long w, bool absolute);
  double (*dtw_f32)(const float* a, size_t n, const float* b, size_t m, long w, bool absolute);
  // distances of `count` candidates (each m long, flat) to the query; out[count]
  void (*batch_f64)(const double* q, size_t m, const double* c, size_t count, long w, bool absolute, double* out);
  void (*batch_f32)(const float* q, size_t m, const float* c, size_t count, long w, bool absolute, double* out);
  // squared-cost batch_f32 with early abandoning: out[i] is the exact distance, or +inf once it is proved above
  // caps[i] (a block of lanes stops when all its lanes are; an infinite cap never stops its block)
  void (*batch_ea_f32)(const float* q, size_t m, const float* c, size_t count, long w, const double* caps, double* out);
  // LCSS of one block of pairs, one pair per lane (lcss_lanes_* pairs), inputs transposed (len x lanes):
  // f64: a values and b values; f32: per-sample match interval [lo, hi] and b values. out[lanes].
  void (*lcss_block_f64)(const double* at, const double* bt, size_t len, double eps, long delta, double* out);
  void (*lcss_block_f32)(const float* lo_t, const float* hi_t, const float* bt, size_t len, long delta, double* out);
  size_t lcss_lanes_f64;
  size_t lcss_lanes_f32;
  // UCR-Suite scan of starts [s0, s1) (s0 % 64 == 0); appends candidates with d <= its threshold.
  void (*search_range)(const SearchParams* p, size_t s0, size_t s1, SearchLocal* st);
};

const Kernels* kernels_scalar();
#if defined(__x86_64__) || defined(_M_X64)
const Kernels* kernels_sse4();
const Kernels* kernels_avx2();
const Kernels* kernels_avx512();
#endif
#if defined(__aarch64__)
const Kernels* kernels_neon();
#endif

// Scalar helpers shared by all levels (compiled once, in dispatch.cpp).
double dtw_path_f64(const double* a, size_t n, const double* b, size_t m, long w, bool absolute, std::vector<int32_t>* path);
double dtw_multi_f64(const double* a, size_t n, const double* b, size_t m, size_t ch, long w, bool absolute);
double lcss_pair_f64(const double* a, size_t n, const double* b, size_t m, double eps, long delta);

constexpr size_t ZBLOCK = 64;
constexpr double FLAT_REL = 1e-6;
constexpr double PRUNE_SLACK = 1e-9;
// absolute slack on z-normalised bounds: covers the multiply-by-inverse normalisation used by the bounds
constexpr double PRUNE_ABS = 1e-9;

}  // namespace wd
