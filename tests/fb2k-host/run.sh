#!/usr/bin/env bash
# Builds the foobar2000 component for Linux (cpp-shim/build-linux.sh) and the test host, then
# runs the host's checks: the component loaded as foobar2000 loads it, its menu commands run
# over the shipped WAV fixtures and generated files, the log compared with the CLI's.
#
#   tests/fb2k-host/run.sh [SDK_DIR]
#
# SDK_DIR as for build-linux.sh (default $FOOBAR2000_SDK_DIR, else ../shared/foobar2000-sdk);
# without an SDK it prints SKIP and succeeds, unless MACINMETER_REQUIRE_TOOLS=1.
# Needs target/debug/libmacinmeter.a and target/debug/macinmeter
# (cargo build -p macinmeter -p dr-cli) and python3 (reads tests/reference/expected.json).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/cpp-shim/linux/find-sdk.sh"
cli=$repo/target/debug/macinmeter
[ -x "$cli" ] || { echo "$0: $cli is missing: run cargo build -p dr-cli first" >&2; exit 2; }

start=$(date +%s)
"$repo/cpp-shim/build-linux.sh" "$sdk"

out=$repo/target/fb2k-linux
host_src=$repo/tests/fb2k-host
cxx=${CXX:-g++}
# The host is a foobar2000 core of its own: its SDK copy (the same objects) and the SDK's
# client glue (for core_api), with component_linux.cpp's entry for itself.
flags=(-std=c++17 -O1 -g -DNDEBUG -pthread -include time.h -include limits.h -include memory
    -Wall -Wextra -Werror -isystem "$sdk" -isystem "$sdk/foobar2000" -I"$host_src")
host=$out/fb2k-host
newest=$(ls -t "$host_src"/*.cpp "$host_src"/*.h "$repo/cpp-shim/linux/component_linux.cpp" "$out/libfb2k-sdk.a" | head -1)
if [ ! -x "$host" ] || [ "$newest" -nt "$host" ]; then
    objs=() pids=()
    for src in "$host_src"/host.cpp "$host_src"/core_services.cpp "$repo/cpp-shim/linux/component_linux.cpp"; do
        obj=$out/obj/host-$(basename "$src").o
        "$cxx" "${flags[@]}" -c "$src" -o "$obj" &
        objs+=("$obj") pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    "$cxx" -o "$host" "${objs[@]}" "$out/libfb2k-sdk.a" -pthread -ldl
fi

work=$out/host-work
rm -rf "$work"
mkdir -p "$work"
# The independent reference's Official DR per fixture: "<path under fixtures/>\t<DR>".
python3 - "$repo/tests/reference/expected.json" >"$work/expected-dr.txt" <<'PY'
import json, sys
for path, entry in json.load(open(sys.argv[1]))["files"].items():
    print(f"{path}\t{entry['official_dr']}")
PY
"$host" "$out/foo_macinmeter.so" "$cli" "$repo/tests" "$work" "$work/expected-dr.txt"
echo "fb2k host test: $(($(date +%s) - start)) s (build included)"
