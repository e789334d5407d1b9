// Kernel dispatch: detects the CPU's instruction sets once (GCC/Clang __builtin_cpu_supports, which also
// checks that the OS saves the wide registers), picks the best kernel table, and lets WARPDESK_SIMD cap it
// at a lower level. Also the scalar, level-independent kernels (warping path, multivariate DTW, LCSS pair).
// Must never: pick a level the CPU lacks, whatever the environment says.
#include "dispatch.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <mutex>

namespace wd {

namespace {
struct Level {
  std::string name;
  const Kernels* k;
};
std::vector<Level> levels;
std::vector<std::string> names;
const Kernels* current = nullptr;
std::string note;
std::once_flag once;

void init() {
  levels.push_back({"scalar", kernels_scalar()});
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.1")) levels.push_back({"sse4", kernels_sse4()});
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) levels.push_back({"avx2", kernels_avx2()});
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    levels.push_back({"avx512", kernels_avx512()});
#endif
#if defined(__aarch64__)
  levels.push_back({"neon", kernels_neon()});
#endif
  for (auto& l : levels) names.push_back(l.name);
  current = levels.back().k;
  const char* env = std::getenv("WARPDESK_SIMD");
  if (env && *env) {
    std::string want(env);
    auto it = std::find_if(levels.begin(), levels.end(), [&](const Level& l) { return l.name == want; });
    if (it != levels.end()) current = it->k;
    else note = "WARPDESK_SIMD=" + want + " is not available here; using " + levels.back().name;
  }
}
}  // namespace

const std::vector<std::string>& available_levels() {
  std::call_once(once, init);
  return names;
}
const Kernels* active() {
  std::call_once(once, init);
  return current;
}
bool set_level(const std::string& name) {
  std::call_once(once, init);
  for (auto& l : levels)
    if (l.name == name) {
      current = l.k;
      return true;
    }
  return false;
}
const std::string& env_note() {
  std::call_once(once, init);
  return note;
}

static long eff_window(long w, size_t n, size_t m) {
  long mx = (long)std::max(n, m);
  long diff = (long)n - (long)m;
  if (diff < 0) diff = -diff;
  if (w < 0 || w > mx) w = mx;
  if (w < diff) w = diff;
  return w;
}

// Full-matrix DTW with backtracking (ties prefer the diagonal, then i-1, then j-1), as the reference.
double dtw_path_f64(const double* a, size_t n, const double* b, size_t m, long w, bool absolute, std::vector<int32_t>* path) {
  const double INF = std::numeric_limits<double>::infinity();
  w = eff_window(w, n, m);
  const size_t W = m + 1;
  std::vector<double> D((n + 1) * W, INF);
  D[0] = 0;
  for (long i = 1; i <= (long)n; ++i) {
    long jlo = std::max(1L, i - w), jhi = std::min((long)m, i + w);
    const double ai = a[i - 1];
    for (long j = jlo; j <= jhi; ++j) {
      double d = ai - b[j - 1];
      double c = absolute ? std::fabs(d) : d * d;
      double best = D[(i - 1) * W + j - 1];
      double up = D[(i - 1) * W + j];
      if (up < best) best = up;
      double left = D[i * W + j - 1];
      if (left < best) best = left;
      D[i * W + j] = c + best;
    }
  }
  std::vector<int32_t> rev;
  size_t i = n, j = m;
  while (i > 0 && j > 0) {
    rev.push_back((int32_t)(i - 1));
    rev.push_back((int32_t)(j - 1));
    if (i == 1 && j == 1) break;
    double diag = D[(i - 1) * W + j - 1], up = D[(i - 1) * W + j], left = D[i * W + j - 1];
    if (diag <= up && diag <= left) {
      --i;
      --j;
    } else if (up <= left) {
      --i;
    } else {
      --j;
    }
  }
  path->clear();
  for (size_t t = rev.size(); t >= 2; t -= 2) {
    path->push_back(rev[t - 2]);
    path->push_back(rev[t - 1]);
  }
  return D[n * W + m];
}

double dtw_multi_f64(const double* a, size_t n, const double* b, size_t m, size_t ch, long w, bool absolute) {
  const double INF = std::numeric_limits<double>::infinity();
  w = eff_window(w, n, m);
  std::vector<double> pv(m + 1, INF), cv(m + 1, INF);
  double* prev = pv.data();
  double* cur = cv.data();
  prev[0] = 0;
  for (long i = 1; i <= (long)n; ++i) {
    long jlo = std::max(1L, i - w), jhi = std::min((long)m, i + w);
    cur[jlo - 1] = INF;
    const double* ai = a + (i - 1) * ch;
    for (long j = jlo; j <= jhi; ++j) {
      const double* bj = b + (j - 1) * ch;
      double c = 0;
      for (size_t k = 0; k < ch; ++k) {
        double d = ai[k] - bj[k];
        c += absolute ? std::fabs(d) : d * d;
      }
      double best = prev[j - 1];
      if (prev[j] < best) best = prev[j];
      if (cur[j - 1] < best) best = cur[j - 1];
      cur[j] = c + best;
    }
    if (jhi + 1 <= (long)m) cur[jhi + 1] = INF;
    std::swap(prev, cur);
  }
  return prev[m];
}

// Banded LCSS on one in-place row: cells left of the band equal the row above; a column entering the
// band on the right starts from the previous row's last band value (see native/README.md).
double lcss_pair_f64(const double* a, size_t n, const double* b, size_t m, double eps, long delta) {
  const long N = (long)n, M = (long)m;
  long d = delta;
  if (d < 0 || d > std::max(N, M)) d = std::max(N, M);
  std::vector<double> R(m + 1, 0.0);
  const long last = std::min(N - 1, M - 1 + d);
  for (long i = 0; i <= last; ++i) {
    const long jlo = std::max(0L, i - d), jhi = std::min(M - 1, i + d);
    if (i > 0 && i + d <= M - 1) R[jhi + 1] = R[jhi];
    double diag = R[jlo], left = R[jlo];
    const double ai = a[i];
    for (long j = jlo; j <= jhi; ++j) {
      double up = R[j + 1];
      double v = std::fabs(ai - b[j]) <= eps ? diag + 1 : std::max(up, left);
      R[j + 1] = v;
      left = v;
      diag = up;
    }
  }
  const long col = std::min(M - 1, last + d);
  return R[col + 1] / (double)std::min(n, m);
}

}  // namespace wd
