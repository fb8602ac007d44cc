#!/bin/sh
# Compile-checks the foobar2000 component's sources against the real SDK headers with the
# native g++ (-fsyntax-only: nothing is built or linked). This checks the non-Windows code
# path; the Windows-only parts (#ifdef _WIN32) are compiled by the Windows CI workflow.
#
#   cpp-shim/check-syntax.sh <SDK_DIR>
#
# SDK_DIR: the foobar2000 SDK zip's root (holding foobar2000/ and pfc/), or a checkout of
# hyperblast/foosdk (its sdk/ folder is used). Keep the SDK outside this repository.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 <SDK_DIR>" >&2
    exit 2
fi
sdk=$1
if [ ! -d "$sdk/foobar2000/SDK" ] && [ -d "$sdk/sdk/foobar2000/SDK" ]; then
    sdk=$sdk/sdk
fi
if [ ! -f "$sdk/foobar2000/SDK/foobar2000.h" ] || [ ! -f "$sdk/pfc/pfc.h" ]; then
    echo "$0: $1 is not a foobar2000 SDK (no foobar2000/SDK/foobar2000.h and pfc/pfc.h)" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cxx=${CXX:-g++}
if [ ! -f "$repo/include/macinmeter.h" ]; then
    echo "$0: $repo/include/macinmeter.h is missing (cargo build generates it)" >&2
    exit 2
fi

status=0
# The SDK-free adapter first, strictly: it must stand alone.
printf '%s\n' '#include "decode_adapter.h"' |
    "$cxx" -std=c++17 -fsyntax-only -Wall -Wextra -Werror -x c++ -I"$here/src" - ||
    { echo "FAILED: src/decode_adapter.h (standalone)" >&2; status=1; }

for src in "$here"/src/*.cpp; do
    name=src/$(basename "$src")
    # -DNDEBUG: the release configuration (pfc warns about release builds without it).
    if "$cxx" -std=c++17 -fsyntax-only -DNDEBUG \
        -I"$sdk" -I"$sdk/foobar2000" -I"$repo/include" -I"$here/src" "$src"; then
        echo "ok: $name"
    else
        echo "FAILED: $name" >&2
        status=1
    fi
done
exit $status
