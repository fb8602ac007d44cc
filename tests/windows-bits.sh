#!/usr/bin/env bash
# The same bits on Windows as on Linux (issue 11): builds the CLI for x86_64-pc-windows-gnu
# with mingw-w64, runs it under Wine, and compares
# `macinmeter --format json` over the conformance WAVs (dr-conformance-gen) and over the
# shipped real-music fixtures (tests/fixtures) with the Linux build of the same profile,
# byte for byte.
# JSON floats are printed in shortest round-trip form, so equal text is equal bits.
# The one normalisation: the Windows documents write paths with `\` (escaped `\\` in JSON);
# every `\\` becomes `/`, after checking the Linux documents hold no backslash at all.
#
# Needs: the rustup target x86_64-pc-windows-gnu, x86_64-w64-mingw32-gcc (Debian:
# gcc-mingw-w64-x86-64; .cargo/config.toml names it the linker), wine64 (Debian: wine64,
# which installs it as /usr/lib/wine/wine64). Installs nothing. Without the Rust
# target it prints `SKIP: ...` and exits 0; any other missing tool is a failure.
#
# Profile: dev on both sides (WINDOWS_BITS_PROFILE=release|profiling|... to choose another).
# Rust has no fast-math, and every published value goes through libm rather than the C
# library, so the bits must not depend on the opt level or the platform.
set -euo pipefail
# Every run measures: the CLI's results cache would answer repeated runs with stored results.
export MACINMETER_NO_CACHE=1
cd "$(dirname "$0")/.."
repo=$(pwd)
target=x86_64-pc-windows-gnu
mingw=x86_64-w64-mingw32-gcc
profile=${WINDOWS_BITS_PROFILE:-dev}
profile_dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
log_date="2026-11-27 12:00:00"
started=$SECONDS

say() { printf 'windows-bits: %s\n' "$*"; }
die() { say "FAIL: $*" >&2; exit 1; }

if [ ! -d "$(rustc --print sysroot)/lib/rustlib/$target" ]; then
    echo "SKIP: windows-bits: the Rust target $target is not installed (rustup target add $target)"
    exit 0
fi
command -v "$mingw" >/dev/null || die "missing $mingw (Debian: gcc-mingw-w64-x86-64)"
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
[ -x "$wine" ] || die "missing wine64 (Debian: wine64)"
wineserver=$(command -v wineserver || echo "$(dirname "$wine")/wineserver")

work=$(mktemp -d "${TMPDIR:-/tmp}/windows-bits.XXXXXX")
trap '"$wineserver" -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
# A fresh Wine prefix, quiet, without the Mono/Gecko install prompts, no display needed.
export WINEPREFIX="$work/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
export MACINMETER_LOG_DATE="$log_date"

say "building (profile $profile) for Linux and $target"
cargo build -q --profile "$profile" -p dr-cli -p dr-conformance
cargo build -q --profile "$profile" -p dr-cli --target "$target"
linux_bin="$repo/target/$profile_dir"
windows_bin="$repo/target/$target/$profile_dir"

# Wine 8 has no bcryptprimitives.dll (Rust's std imports ProcessPrng from it): a stand-in,
# found by Windows' DLL search in the program's own folder.
mkdir -p "$work/linux" "$work/windows"
"$mingw" -O2 -Wall -Werror -shared -Wl,--kill-at -o "$work/windows/bcryptprimitives.dll" \
    tests/windows-bits/bcryptprimitives.c -ladvapi32
cp "$windows_bin/macinmeter.exe" "$work/windows/"
cp "$linux_bin/macinmeter" "$work/linux/"

cd "$work"
"$linux_bin/dr-conformance-gen" conformance >/dev/null
cp -r "$repo/tests/fixtures" fixtures
wavs=$(find conformance -name '*.wav' | wc -l)
[ "$wavs" -gt 0 ] || die "dr-conformance-gen wrote no WAV file"

say "built in $((SECONDS - started)) s"
"$wine" wineboot --init >/dev/null 2>&1 || die "wine64 wineboot failed"
# Let the first-start processes and their wineserver finish: a program started while that
# server shuts down is killed (seen once here as exit status 137).
"$wineserver" -w
say "Wine prefix ready at $((SECONDS - started)) s"

failed=0
# compare NAME: linux/NAME against windows/NAME (paths normalised), prints the verdict.
compare() {
    local name=$1
    if grep -q '\\' "linux/$name"; then
        die "linux/$name holds a backslash: path normalisation would be ambiguous"
    fi
    sed 's|\\\\|/|g' "windows/$name" >"windows/$name.normalised"
    if cmp -s "linux/$name" "windows/$name.normalised"; then
        say "EQUAL: $name ($(wc -c <"linux/$name") bytes, $2)"
    else
        say "DIFFERENT: $name ($2)"
        diff "linux/$name" "windows/$name.normalised" | head -40 || true
        failed=1
    fi
}

# run NAME COMMAND...: runs a Linux program and its Windows twin with the same arguments;
# both must exit with the same status (1 is allowed: some fixtures carry warnings).
run_both() {
    local name=$1 program=$2
    shift 2
    local linux_status=0 windows_status=0
    "linux/$program" "$@" >"linux/$name" 2>"linux/$name.stderr" || linux_status=$?
    "$wine" "windows/$program.exe" "$@" >"windows/$name" 2>"windows/$name.stderr" \
        || windows_status=$?
    if [ "$linux_status" -ne "$windows_status" ] || [ "$linux_status" -gt 1 ]; then
        cat "linux/$name.stderr" "windows/$name.stderr" >&2
        die "$name: exit status $linux_status on Linux, $windows_status under Wine"
    fi
}

run_both conformance.json macinmeter --format json conformance
# Two empty documents would be equal too: every WAV must be a measured track.
tracks=$(grep -c '"channel_results"' linux/conformance.json || true)
[ "$tracks" -eq "$wavs" ] || die "the Linux run measured $tracks of $wavs conformance WAVs"
compare conformance.json "CLI, $wavs conformance WAVs"
run_both fixtures.json macinmeter --format json fixtures
compare fixtures.json "CLI, tests/fixtures"

say "took $((SECONDS - started)) s"
[ "$failed" -eq 0 ] || die "the Windows build's numbers differ from the Linux build's"
say "PASS: the Windows build gives the Linux build's bits"
