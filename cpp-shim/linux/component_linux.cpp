// component_linux.cpp - what a Linux shared object of the component needs besides the SDK's
// sources: the entry point foobar2000 looks up, and a stub for a function shared.dll gives on
// Windows. Used by the Linux build (build-linux.sh) only; never part of the Windows DLL.
//
// The SDK's component_client.cpp exports foobar2000_get_interface on Windows and macOS only.
// Its client object is file-static, so this file compiles it (unmodified, included) and adds
// the export with the macOS entry's signature.
#include <foobar2000_component_client/component_client.cpp>

#ifndef __linux__
#error "component_linux.cpp is for the Linux build only"
#endif

extern "C" __attribute__((visibility("default"))) foobar2000_client* foobar2000_get_interface(foobar2000_api* api,
                                                                                            void* /*reserved*/) {
    g_foobar2000_api = api;
    return &g_client;
}

namespace fb2k {
// shared.dll's (fb2kdebug.h): run `f`, and treat an exception escaping it as a crash. The
// Linux build has no shared.dll; this does what its contract says with the standard library.
void crashOnException(std::function<void()> f, const char* context) {
    try {
        f();
    } catch (const std::exception& e) {
        fprintf(stderr, "crashOnException (%s): %s\n", context != nullptr ? context : "", e.what());
        abort();
    } catch (...) {
        fprintf(stderr, "crashOnException (%s): unknown exception\n", context != nullptr ? context : "");
        abort();
    }
}
}  // namespace fb2k
