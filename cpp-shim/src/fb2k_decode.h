// fb2k_decode.h - the batch's decode callbacks: one foobar2000 decoder per track.
#pragma once

#include "shim_sdk.h"
#include "mm_bridge.h"

namespace mm_fb2k {

// Opens the tracks of `handles` with foobar2000's own decoders (input_entry / input_decoder),
// each on the library worker thread that asks for it, over the handle's own subsong only.
// `abort` is the job's abort callback: decoders blocked in I/O see the user's Abort.
class Fb2kSourceFactory final : public mm_bridge::SourceFactory {
public:
    Fb2kSourceFactory(const metadb_handle_list& handles, abort_callback& abort);

    OpenStatus open(size_t track_index, std::unique_ptr<mm_bridge::TrackSource>& source,
                    std::string& error) noexcept override;
    double expected_seconds(size_t track_index) const noexcept override;

private:
    metadb_handle_list handles_;
    pfc::array_t<double> lengths_;
    abort_callback& abort_;
};

}  // namespace mm_fb2k
