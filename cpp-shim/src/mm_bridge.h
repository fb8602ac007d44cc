// mm_bridge.h - the component's one door to the Rust library.
//
// mm_bridge.cpp is the only file that includes <macinmeter.h>; the SDK-facing files talk to
// these C++ types instead. No foobar2000 SDK type appears here either, so either side can
// change without the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "decode_adapter.h"

namespace mm_bridge {

// The library's version string ("0.1.0").
const char* library_version() noexcept;

// The interleaved sample type a source delivers (foobar2000's audio_sample).
enum class SampleType { f32, f64 };

// One track's decoded audio. Opened, read and destroyed on one library worker thread.
class TrackSource {
public:
    virtual ~TrackSource() = default;
    virtual SampleType sample_type() const noexcept = 0;
    // Known when open() returns the source (the first chunk is decoded by then).
    virtual const mm_shim::StreamFormat& format() const noexcept = 0;
    // Up to `capacity` frames into `dst` (of sample_type()), with mm_shim::ChunkStream's
    // codes: > 0 frames, 0 end, kReadError with error() set, kReadFormatChanged with
    // changed_format() set (nothing written then).
    virtual int64_t read(void* dst, size_t capacity) noexcept = 0;
    virtual const mm_shim::StreamFormat& changed_format() const noexcept = 0;
    virtual const std::string& error() const noexcept = 0;
};

// Opens the sources. Called concurrently from the library's worker threads, for different
// track indexes. Never throws.
class SourceFactory {
public:
    // failed: the file could not be opened or read; unsupported: no decoder takes it.
    enum class OpenStatus { ok, failed, unsupported, cancelled };
    virtual ~SourceFactory() = default;
    // `source` set when ok; `error` set when failed.
    virtual OpenStatus open(size_t track_index, std::unique_ptr<TrackSource>& source, std::string& error) noexcept = 0;
    // Expected length in seconds, for progress only (<= 0: unknown).
    virtual double expected_seconds(size_t track_index) const noexcept = 0;
};

struct BatchProgress {
    size_t total = 0;
    size_t finished = 0;               // tracks ended (measured or failed)
    size_t current_track = SIZE_MAX;   // the lowest-numbered track in flight, if any
    double current_fraction = 0.0;     // its progress, 0..1 (0 when its length is unknown)
};

struct BatchHooks {
    // Any thread, often (every read): true stops the batch promptly.
    std::function<bool()> should_cancel;
    // The thread that called run_batch, about every 100 ms and at each track's end.
    std::function<void(const BatchProgress&)> on_progress;
};

// The tags a log needs (UTF-8; empty = absent).
struct TrackTags {
    std::string path;  // as shown in the log ("Failed: <path>: ..."), folder grouping too
    std::string artist, album_artist, album, title, track_number, disc_number, codec;
    uint32_t bits_per_sample = 0;  // of the source before decoding to floats; 0: none/unknown (lossy)
    uint32_t bitrate_kbps = 0;     // 0: unknown
};

// Every measured track and album has a DR (DR0 when silent); this marks one not known (a
// failed track has no album DR).
constexpr int32_t kUnknownDr = INT32_MIN;

struct TrackOutcome {
    bool measured = false;
    std::string error;        // why not, when !measured
    std::string failure_kind;  // mm_log_builder_add_failure's kind, when !measured
    int32_t official_dr = kUnknownDr;
};

struct BatchResults;  // the library's results, kept for the log (opaque)

struct BatchOutcome {
    bool cancelled = false;
    std::string error;                 // the batch itself failed (not one track)
    size_t finished = 0;               // tracks that ended on their own (not stopped by a cancel)
    std::vector<TrackOutcome> tracks;  // input order
    std::shared_ptr<BatchResults> results;
};

// Measures tracks 0..count-1, up to `parallel` at once (0: one per core), on the library's
// thread pool. Blocks until every track has ended or the batch was cancelled.
BatchOutcome run_batch(size_t count, SourceFactory& sources, const BatchHooks& hooks, unsigned parallel) noexcept;

struct LogOptions {
    // The host's name and version (core_version_info: "foobar2000 v2.24.1"): the library
    // makes the log's first line "<host> / MacinMeter v<library version>".
    std::string host;
    // Per-channel DR and RMS columns for stereo tracks (Advanced Preferences).
    bool channel_columns = false;
};

struct Report {
    bool ok = false;
    std::string error;              // when !ok
    std::string text;               // the log, CRLF line ends (as DR Meter writes it)
    std::vector<int32_t> album_dr;  // per input track: its section's Official DR
                                    // (mm_log_builder_album_dr), or kUnknownDr (failed
                                    // track, or the library refused)
};

// DR Meter 1.0.8's log (sections, for any number of tracks), failures listed after their
// section. `tags` holds one entry per track, in input order.
// The log date is the local time, or MACINMETER_LOG_DATE ("YYYY-MM-DD HH:MM:SS") when that
// is set, as for the CLI (reproducible logs).
Report render_log(const BatchOutcome& outcome, const std::vector<TrackTags>& tags, const LogOptions& options) noexcept;

}  // namespace mm_bridge
