// fb2k_decode.cpp - the batch's decode callbacks: foobar2000's decoders -> mm_bridge sources.
//
// Runs on the library's worker threads. Every path out of here is a return value: SDK
// exceptions (pfc::exception, exception_aborted, exception_io_*) and std::exception are
// caught and turned into an error string; nothing is thrown across the C ABI.
#include "fb2k_decode.h"

#include <type_traits>

namespace mm_fb2k {
namespace {

// audio_sample is double in x64/ARM64 builds and float in 32-bit x86 builds: the chunks are
// passed on as they are, with the matching ABI sample type.
static_assert(sizeof(audio_sample) == 8 || sizeof(audio_sample) == 4, "audio_sample is float or double");
constexpr mm_bridge::SampleType kSampleType =
    sizeof(audio_sample) == 8 ? mm_bridge::SampleType::f64 : mm_bridge::SampleType::f32;

class Fb2kTrackSource final : public mm_bridge::TrackSource {
public:
    Fb2kTrackSource(input_decoder::ptr decoder, abort_callback& abort)
        : decoder_(std::move(decoder)), abort_(abort), stream_(Pull{this}) {}

    int64_t prime() noexcept { return stream_.prime(); }

    mm_bridge::SampleType sample_type() const noexcept override { return kSampleType; }
    const mm_shim::StreamFormat& format() const noexcept override { return stream_.format(); }
    int64_t read(void* dst, size_t capacity) noexcept override {
        return stream_.read(static_cast<audio_sample*>(dst), capacity);
    }
    const mm_shim::StreamFormat& changed_format() const noexcept override { return stream_.changed_format(); }
    const std::string& error() const noexcept override { return stream_.error(); }

private:
    // The chunk source ChunkStream pulls from: one input_decoder::run() per chunk, until it
    // returns false (the end of this handle's subsong / CUE range). May throw; ChunkStream
    // catches.
    struct Pull {
        Fb2kTrackSource* self;
        bool operator()(mm_shim::ChunkRef<audio_sample>& out) {
            audio_chunk& chunk = self->chunk_;
            if (!self->decoder_->run(chunk, self->abort_)) return false;
            out.data = chunk.get_data();
            out.frames = chunk.get_sample_count();
            out.format.sample_rate = chunk.get_srate();
            out.format.channels = chunk.get_channels();
            out.format.channel_mask = chunk.get_channel_config();
            return true;
        }
    };

    input_decoder::ptr decoder_;
    abort_callback& abort_;
    audio_chunk_impl chunk_;
    mm_shim::ChunkStream<audio_sample, Pull> stream_;
};

void set_error(std::string& error, const char* what) noexcept {
    try {
        error = (what != nullptr && *what != '\0') ? what : "unknown error";
    } catch (...) {
    }
}

}  // namespace

Fb2kSourceFactory::Fb2kSourceFactory(const metadb_handle_list& handles, abort_callback& abort)
    : handles_(handles), abort_(abort) {
    lengths_.set_size(handles_.get_count());
    for (t_size i = 0; i < handles_.get_count(); ++i) lengths_[i] = handles_[i]->get_length();
}

double Fb2kSourceFactory::expected_seconds(size_t track_index) const noexcept {
    return track_index < lengths_.get_size() ? lengths_[track_index] : 0.0;
}

Fb2kSourceFactory::OpenStatus Fb2kSourceFactory::open(size_t track_index,
                                                      std::unique_ptr<mm_bridge::TrackSource>& source,
                                                      std::string& error) noexcept {
    try {
        if (track_index >= handles_.get_count()) {
            set_error(error, "track index out of range");
            return OpenStatus::failed;
        }
        if (abort_.is_aborting()) return OpenStatus::cancelled;
        const metadb_handle_ptr handle = handles_[track_index];
        // What input_helper::open() does, without the helpers library: find the input for
        // the path, open a decoder, initialise it on the handle's subsong (CUE sheets and
        // multi-track files decode their own range only).
        input_decoder::ptr decoder;
        input_entry::g_open_for_decoding(decoder, nullptr, handle->get_path(), abort_);
        decoder->initialize(handle->get_subsong_index(), input_flag_no_seeking | input_flag_no_looping, abort_);

        auto opened = std::make_unique<Fb2kTrackSource>(std::move(decoder), abort_);
        const int64_t primed = opened->prime();  // decode the first chunk: the format is known
        if (primed == mm_shim::kReadEnd) {
            set_error(error, "the decoder returned no audio");
            return OpenStatus::failed;
        }
        if (primed < 0) {
            if (abort_.is_aborting()) return OpenStatus::cancelled;
            set_error(error, opened->error().c_str());
            return OpenStatus::failed;
        }
        source = std::move(opened);
        return OpenStatus::ok;
    } catch (const exception_aborted&) {
        return OpenStatus::cancelled;
    } catch (const exception_io_unsupported_format& e) {
        if (abort_.is_aborting()) return OpenStatus::cancelled;
        set_error(error, e.what());
        return OpenStatus::unsupported;
    } catch (const std::exception& e) {  // pfc::exception and every other exception_io_*
        if (abort_.is_aborting()) return OpenStatus::cancelled;
        set_error(error, e.what());
    } catch (...) {
        set_error(error, "the decoder failed with an unknown exception");
    }
    return OpenStatus::failed;
}

}  // namespace mm_fb2k
