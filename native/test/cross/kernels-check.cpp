// Cross-architecture check of the kernel tables without Node: prints the same numbers for every level
// available on the machine it runs on. scripts/check-arm64.sh builds it for aarch64 (NEON) and for the
// host, runs the former under qemu, and diffs the numbers (they must be bit-identical).
#include <cstdio>
#include <random>
#include <vector>

#include "../../src/dispatch.h"

int main() {
  std::mt19937 r(1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> a(1000), b(1000);
  for (auto& x : a) x = u(r);
  for (auto& x : b) x = u(r);
  std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end());
  std::vector<double> out(20);
  for (auto& lv : wd::available_levels()) {
    wd::set_level(lv);
    const wd::Kernels* k = wd::active();
    k->batch_f64(a.data(), 50, b.data(), 20, 5, false, out.data());
    std::printf("dtw_f64 %.17g dtw_f32 %.9g batch %.17g %.17g\n", k->dtw_f64(a.data(), 1000, b.data(), 900, 37, false),
                k->dtw_f32(af.data(), 1000, bf.data(), 1000, -1, true), out[0], out[19]);
  }
  return 0;
}
