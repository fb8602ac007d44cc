# Sourced by the Linux build scripts: sets $sdk to the foobar2000 SDK folder (the SDK
# zip's root, holding foobar2000/ and pfc/, or a hyperblast/foosdk checkout): the script's
# first argument, else $FOOBAR2000_SDK_DIR, else ../shared/foobar2000-sdk next to the
# repository ($repo). Without an SDK it prints SKIP and ends the script successfully,
# unless MACINMETER_REQUIRE_TOOLS=1 (then it fails).
sdk=${1:-${FOOBAR2000_SDK_DIR:-$repo/../shared/foobar2000-sdk}}
if [ ! -d "$sdk/foobar2000/SDK" ] && [ -d "$sdk/sdk/foobar2000/SDK" ]; then
    sdk=$sdk/sdk  # a checkout of hyperblast/foosdk
fi
if [ ! -f "$sdk/foobar2000/SDK/foobar2000.h" ] || [ ! -f "$sdk/pfc/pfc.h" ]; then
    if [ "${MACINMETER_REQUIRE_TOOLS:-0}" = 1 ]; then
        echo "$0: no foobar2000 SDK at $sdk (MACINMETER_REQUIRE_TOOLS=1)" >&2
        exit 1
    fi
    echo "SKIP: no foobar2000 SDK at $sdk (pass its folder or set FOOBAR2000_SDK_DIR)"
    exit 0
fi
sdk=$(cd "$sdk" && pwd)
