// decode_adapter.h - "chunks of samples -> the C ABI's read callback", free of the SDK.
//
// A foobar2000 decoder hands out audio in chunks of its own size (audio_chunk: interleaved
// audio_sample, which is double in x64 builds and float in 32-bit x86 builds); the C ABI's
// batch read callback asks for "up to N frames into this buffer". ChunkStream sits between
// the two: it pulls chunks from any source, serves reads of any size from them with a plain
// memcpy of the same sample type (no conversion), and turns the problems a callback must
// report (end of stream, a source that throws, the sample rate or channel count changing in
// the middle of a track) into return codes. Nothing thrown by the source escapes read().
//
// Header-only, C++17, no dependency beyond the standard library, so a test can drive the
// same shape with a lambda that yields vectors.

#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

namespace mm_shim {

// What a chunk (and so the stream) contains, besides the samples themselves.
struct StreamFormat {
    uint32_t sample_rate = 0;
    uint32_t channels = 0;
    uint32_t channel_mask = 0;  // WAVEFORMATEXTENSIBLE-style speaker bits (LFE = 0x8); 0 if unknown
};

// One chunk as the source lends it: `frames` interleaved frames of `format.channels`
// samples at `data`, valid until the source's next call.
template <typename Sample>
struct ChunkRef {
    const Sample* data = nullptr;
    size_t frames = 0;
    StreamFormat format;
};

// Return codes of ChunkStream::read() (frames read when >= 0).
enum : int64_t {
    kReadEnd = 0,             // no more audio
    kReadError = -1,          // the source failed (threw); see error()
    kReadFormatChanged = -2,  // the sample rate or channel count changed mid-track; see
                              // changed_format() and error()
    kReadBadArgument = -3,    // NULL buffer with a non-zero capacity
};

// Sample: the interleaved sample type (float or double for foobar2000's audio_sample).
// Source: a callable `bool (ChunkRef<Sample>& out)` that fills `out` with the next chunk and
// returns true, or returns false at the end of the stream. It may throw (std::exception or
// anything else); a chunk with 0 frames is skipped.
template <typename Sample, typename Source>
class ChunkStream {
    static_assert(std::is_arithmetic_v<Sample>, "Sample is a plain numeric type");

public:
    explicit ChunkStream(Source source) : source_(std::move(source)) {}

    ChunkStream(const ChunkStream&) = delete;
    ChunkStream& operator=(const ChunkStream&) = delete;

    // Decodes up to the first non-empty chunk so that format() is known before the first
    // read (the ABI's open callback reports the format). Returns kReadEnd (0) when the
    // stream holds no audio at all, 1 when the format is known, or a negative code.
    // Calling it again after success does nothing and returns 1.
    int64_t prime() noexcept {
        if (primed_) return 1;
        const int64_t r = fetch();
        if (r > 0) return 1;
        return r;
    }

    // The stream's format: valid after prime() returned 1 (or the first read returned > 0).
    const StreamFormat& format() const noexcept { return format_; }
    bool has_format() const noexcept { return primed_; }

    // Copies up to `capacity_frames` whole frames (format().channels interleaved samples
    // each) into `dst`. Returns the frames copied (> 0), kReadEnd at the end, or a negative
    // code with error() set. Once it has returned an error or the end it keeps returning it.
    int64_t read(Sample* dst, size_t capacity_frames) noexcept {
        if (finished_) return final_code_;
        if (capacity_frames == 0) return 0;
        if (dst == nullptr) return fail(kReadBadArgument, "read buffer is NULL");
        size_t done = 0;
        while (done < capacity_frames) {
            if (pos_ == chunk_.frames) {
                // Hand out what was gathered before pulling again, so a read never waits
                // for more decoding than one chunk.
                if (done > 0) break;
                const int64_t r = fetch();
                if (r <= 0) return r;
            }
            const size_t n = (std::min)(capacity_frames - done, chunk_.frames - pos_);
            const size_t ch = format_.channels;
            std::memcpy(dst + done * ch, chunk_.data + pos_ * ch, n * ch * sizeof(Sample));
            pos_ += n;
            done += n;
        }
        frames_read_ += done;
        return static_cast<int64_t>(done);
    }

    // Zero-copy alternative to read(): lends up to `max_frames` frames of the current chunk
    // (`*out` valid until the next call). Same return codes as read().
    int64_t borrow(const Sample** out, size_t max_frames) noexcept {
        if (out == nullptr) return fail(kReadBadArgument, "borrow out-pointer is NULL");
        *out = nullptr;
        if (finished_) return final_code_;
        if (max_frames == 0) return 0;
        if (pos_ == chunk_.frames) {
            const int64_t r = fetch();
            if (r <= 0) return r;
        }
        const size_t n = (std::min)(max_frames, chunk_.frames - pos_);
        *out = chunk_.data + pos_ * format_.channels;
        pos_ += n;
        frames_read_ += n;
        return static_cast<int64_t>(n);
    }

    // The format that ended the stream with kReadFormatChanged.
    const StreamFormat& changed_format() const noexcept { return changed_format_; }

    // Frames handed out so far (by read() and borrow()).
    uint64_t frames_read() const noexcept { return frames_read_; }
    // The reason of the last negative return, "" otherwise.
    const std::string& error() const noexcept { return error_; }

private:
    // Pulls the next non-empty chunk into chunk_ (pos_ = 0). Returns 1, kReadEnd or an error.
    int64_t fetch() noexcept {
        if (finished_) return final_code_;
        try {
            for (;;) {
                ChunkRef<Sample> next;
                if (!source_(next)) return finish(kReadEnd);
                if (next.frames == 0) continue;
                if (next.data == nullptr) return fail(kReadError, "decoder returned a chunk without data");
                if (next.format.channels == 0 || next.format.sample_rate == 0)
                    return fail(kReadError, "decoder returned a chunk with 0 channels or a 0 Hz sample rate");
                if (!primed_) {
                    format_ = next.format;
                    primed_ = true;
                } else if (next.format.sample_rate != format_.sample_rate ||
                           next.format.channels != format_.channels) {
                    changed_format_ = next.format;
                    return fail(kReadFormatChanged, describe_change(next.format));
                }
                chunk_ = next;
                pos_ = 0;
                return 1;
            }
        } catch (const std::exception& e) {
            return fail(kReadError, e.what());
        } catch (...) {
            return fail(kReadError, "decoder failed with an unknown exception");
        }
    }

    std::string describe_change(const StreamFormat& next) const {
        std::string s = "format changed mid-stream after " + std::to_string(frames_read_) + " frames: ";
        s += std::to_string(format_.sample_rate) + " Hz " + std::to_string(format_.channels) + " ch -> ";
        s += std::to_string(next.sample_rate) + " Hz " + std::to_string(next.channels) + " ch";
        return s;
    }

    int64_t finish(int64_t code) noexcept {
        finished_ = true;
        final_code_ = code;
        chunk_ = ChunkRef<Sample>{};
        pos_ = 0;
        return code;
    }

    int64_t fail(int64_t code, const char* why) noexcept {
        try {
            error_ = (why != nullptr && *why != '\0') ? why : "unknown error";
        } catch (...) {
            // Out of memory for the message: the code still tells the caller.
        }
        return finish(code);
    }
    int64_t fail(int64_t code, const std::string& why) noexcept { return fail(code, why.c_str()); }

    Source source_;
    ChunkRef<Sample> chunk_;
    size_t pos_ = 0;
    StreamFormat format_;
    StreamFormat changed_format_;
    bool primed_ = false;
    bool finished_ = false;
    int64_t final_code_ = kReadEnd;
    uint64_t frames_read_ = 0;
    std::string error_;
};

// Deduction helper: auto s = mm_shim::make_chunk_stream<double>([&](mm_shim::ChunkRef<double>& c) {...});
template <typename Sample, typename Source>
ChunkStream<Sample, std::decay_t<Source>> make_chunk_stream(Source&& source) {
    return ChunkStream<Sample, std::decay_t<Source>>(std::forward<Source>(source));
}

}  // namespace mm_shim
