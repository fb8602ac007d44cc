#!/usr/bin/env bash
# How long the C ABI's batch takes to return after its cancel token is raised (the C ABI
# test only guards against a hang; the latency is measured here). Builds libmacinmeter
# (release) and tests/abi/abi_test.cpp, runs its batch_cancel_token test N times (six
# hour-long tracks on 2 threads, token raised after 300 ms) and prints min, median, max.
#   bench/cancel-latency.sh [N]      (default 20)
# Needs: g++. Keep the machine otherwise idle, or say how loaded it was.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-20}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
cargo build -q --release -p macinmeter --lib
LIB=${CARGO_TARGET_DIR:-$ROOT/target}/release
g++ -std=c++17 -O1 -pthread -DMM_EXPECTED_VERSION="\"$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)\"" \
    -I"$ROOT/include" -I"$ROOT/cpp-shim/src" tests/abi/abi_test.cpp -o "$WORK/abi_test" \
    -L"$LIB" -Wl,-rpath,"$LIB" -lmacinmeter
echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
for _ in $(seq "$RUNS"); do
    "$WORK/abi_test" "$WORK" --only batch_cancel_token |
        sed -n 's/^cancel token: the batch returned \([0-9.]*\) ms after the cancel$/\1/p'
done | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "no measurement"; exit 1 }
    printf "cancel latency over %d runs: min %.1f ms, median %.1f ms, max %.1f ms\n", NR, v[1], v[int((NR + 1) / 2)], v[NR]
}'
