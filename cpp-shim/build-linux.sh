#!/usr/bin/env bash
# Builds the foobar2000 component as a Linux shared object, against the real SDK, with g++:
# a compile and link check of the shim (no MSVC here) and what tests/fb2k-host drives.
#
#   cpp-shim/build-linux.sh [SDK_DIR]
#
# SDK_DIR: the foobar2000 SDK zip's root (foobar2000/, pfc/); default $FOOBAR2000_SDK_DIR, else
# ../shared/foobar2000-sdk next to the repository. The SDK is never copied into the repository.
# When it is absent the script prints SKIP and succeeds, unless MACINMETER_REQUIRE_TOOLS=1.
# Needs target/debug/libmacinmeter.a (cargo build -p macinmeter).
#
# Output in target/fb2k-linux/:
#   foo_macinmeter.so   the component: our sources, the SDK's, libmacinmeter.a; linked with
#                       -z defs (no undefined symbols), exporting foobar2000_get_interface only
#   libfb2k-sdk.a       the SDK's library sources (objects cached in sdk-obj/: a re-run only
#                       compiles what changed); the test host links it too
#
# What the Linux objects are made of (see also cpp-shim/linux/component_linux.cpp):
# - pfc (minus its Windows objects and self-test) and the parts of foobar2000/SDK used (see
#   sdk_sources; ui_element.cpp, for one, does not compile with g++ and is not needed);
# - pfc/nix-objects.cpp, pfc/synchro_nix.cpp (pfc's fb2k hooks come from SDK/utility.cpp,
#   so pfc/pfc-fb2k-hooks.cpp is left out as in the Windows build); shared/utf8.cpp, shared/audio_math.cpp, shared/shared-nix.cpp;
# - <time.h>, <limits.h> and <memory> force-included: the SDK relies on MSVC's headers
#   bringing them in.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/cpp-shim/linux/find-sdk.sh"

out=$repo/target/fb2k-linux
mkdir -p "$out/sdk-obj" "$out/obj"
cxx=${CXX:-g++}
jobs=$(nproc 2>/dev/null || echo 2)

# -fvisibility=hidden: as a DLL, the object exports nothing but its entry point, and its
# SDK copy binds to itself. -isystem: warnings in SDK headers are not ours.
sdk_includes=(-isystem "$sdk" -isystem "$sdk/foobar2000")
common=(-std=c++17 -fPIC -O1 -g0 -DNDEBUG -pthread -fvisibility=hidden
    -include time.h -include limits.h -include memory)

# The SDK's library sources the component and the test host use (the linker's -z defs and
# the host's link say when one is missing): pfc, the SDK's service, metadata, input,
# menu and configuration parts, and the three files of shared.dll Linux builds need.
sdk_sources() {
    local f
    for f in "$sdk"/pfc/*.cpp; do
        case $(basename "$f") in
        stdafx.cpp | win-objects.cpp | selftest.cpp | pfc-fb2k-hooks.cpp) ;;
        *) echo "$f" ;;
        esac
    done
    for f in abort_callback advconfig album_art app_close_blocker audio_chunk \
        audio_chunk_channel_config cfg_var cfg_var_legacy commonObjects completion_notify \
        componentversion configStore console file_info file_info_const_impl file_info_impl \
        file_info_merge filesystem filesystem_helper fsItem guids input input_file_type \
        main_thread_callback mem_block_container menu_helpers menu_item metadb_handle \
        metadb_handle_list playable_location popup_message replaygain_info service \
        threaded_process utility; do
        echo "$sdk/foobar2000/SDK/$f.cpp"
    done
    echo "$sdk/foobar2000/shared/utf8.cpp"
    echo "$sdk/foobar2000/shared/audio_math.cpp"
    echo "$sdk/foobar2000/shared/shared-nix.cpp"
}

# compile <objdir> <source> <extra flags...>: skipped when the object is newer than the
# source and every header it depends on (the .d file g++ writes).
compile() {
    local objdir=$1 src=$2
    shift 2
    local obj
    obj=$objdir/$(echo "${src#"$sdk"/}" | sed 's|^/||; s|/|__|g').o
    if [ -f "$obj" ] && [ -f "$obj.d" ]; then
        local stale=0 dep
        for dep in $(sed 's/^[^:]*://; s/\\$//' "$obj.d"); do
            if [ "$dep" -nt "$obj" ]; then stale=1; break; fi
        done
        [ $stale = 0 ] && { echo "$obj"; return 0; }
    fi
    "$cxx" "${common[@]}" "$@" -MMD -MF "$obj.d" -c "$src" -o "$obj" >&2 || { echo "FAILED: $src" >&2; return 1; }
    echo "$obj"
}
export -f compile
export cxx sdk
export common_flags="${common[*]}"

# xargs runs one compile per source, $jobs at once. Arrays do not cross `bash -c`, so the
# flags go through a variable and word-split there (none contains a space but the paths,
# which are passed as arguments).
parallel_compile() {
    local objdir=$1
    shift
    xargs -P "$jobs" -I{} bash -c 'common=($common_flags); compile "$@"' _ "$objdir" {} "$@"
}

start=$(date +%s)
# Objects made with other flags (or another SDK) are not reused.
stamp="$cxx ${common[*]} $sdk"
if [ "$(cat "$out/flags" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$out/sdk-obj" "$out/obj"
    mkdir -p "$out/sdk-obj" "$out/obj"
    printf '%s' "$stamp" >"$out/flags"
fi
sdk_objs=$(sdk_sources | parallel_compile "$out/sdk-obj" "${sdk_includes[@]}" -w) || {
    echo "$0: the SDK's sources did not compile" >&2
    exit 1
}
# An archive, as the SDK's static libraries on Windows: the linker takes what is used.
rm -f "$out/libfb2k-sdk.a.new"
ar rcs "$out/libfb2k-sdk.a.new" $sdk_objs
mv -f "$out/libfb2k-sdk.a.new" "$out/libfb2k-sdk.a"

# Our files: every warning is an error.
ours=(-Wall -Wextra -Werror -I"$repo/include" -I"$repo/cpp-shim/src" "${sdk_includes[@]}")
shim_objs=$(
    { ls "$repo"/cpp-shim/src/*.cpp; echo "$repo/cpp-shim/linux/component_linux.cpp"; } |
        parallel_compile "$out/obj" "${ours[@]}"
) || {
    echo "$0: the component's sources did not compile" >&2
    exit 1
}

lib=$repo/target/debug/libmacinmeter.a
if [ ! -f "$lib" ]; then
    echo "$0: $lib is missing: run cargo build -p macinmeter first" >&2
    exit 2
fi
# -lpthread -ldl -lm -lgcc_s -lc: the Rust staticlib's system libraries (cargo's
# native-static-libs on Linux). --exclude-libs: nothing of the archives is exported.
# As a DLL's exports: the entry point only (the C++ runtime's template instances included,
# nothing else is visible to the host).
printf '{ global: foobar2000_get_interface; local: *; };\n' >"$out/exports.map"
"$cxx" -shared -o "$out/foo_macinmeter.so.new" $shim_objs -Wl,--version-script="$out/exports.map" \
    -Wl,--start-group "$out/libfb2k-sdk.a" "$lib" -Wl,--end-group \
    -Wl,-z,defs -Wl,--exclude-libs,ALL -pthread -ldl -lm -lgcc_s -lc
mv -f "$out/foo_macinmeter.so.new" "$out/foo_macinmeter.so"
echo "built $out/foo_macinmeter.so in $(($(date +%s) - start)) s"
