// shim_sdk.h - the foobar2000 SDK as the component's SDK-facing files include it.
#pragma once

#include <SDK/foobar2000.h>
