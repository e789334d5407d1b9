#!/bin/sh
# Builds the kernels for aarch64 (NEON) with a cross compiler and runs them under qemu, then compares with
# the host build: every level on both architectures must print identical numbers.
# Needs: g++-aarch64-linux-gnu and qemu-user (Debian packages). Not part of npm install.
set -e
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
FLAGS="-std=c++17 -O3 -ffp-contract=off"
aarch64-linux-gnu-g++ $FLAGS test/cross/kernels-check.cpp src/dispatch.cpp src/kernel_scalar.cpp src/kernel_neon.cpp -o "$tmp/arm"
g++ $FLAGS -c src/kernel_sse4.cpp -msse4.1 -o "$tmp/sse4.o"
g++ $FLAGS -c src/kernel_avx2.cpp -mavx2 -mfma -o "$tmp/avx2.o"
g++ $FLAGS -c src/kernel_avx512.cpp -mavx512f -mavx512bw -mavx512dq -mavx512vl -o "$tmp/avx512.o"
g++ $FLAGS test/cross/kernels-check.cpp src/dispatch.cpp src/kernel_scalar.cpp "$tmp/sse4.o" "$tmp/avx2.o" "$tmp/avx512.o" -o "$tmp/host"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$tmp/arm" > "$tmp/arm.txt"
"$tmp/host" > "$tmp/host.txt"
cat "$tmp/arm.txt" "$tmp/host.txt" | sort -u > "$tmp/all.txt"
echo "arm64 levels: $(wc -l < "$tmp/arm.txt"), host levels: $(wc -l < "$tmp/host.txt"), distinct results: $(wc -l < "$tmp/all.txt")"
cat "$tmp/all.txt"
test "$(wc -l < "$tmp/all.txt")" -eq 1
rm -rf "$tmp"
