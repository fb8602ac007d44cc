// mm_bridge.cpp - the only file that calls the C ABI (include/macinmeter.h).
//
// The decode callbacks below are what mm_batch_analyze calls on its worker threads. Each is
// a complete firewall: whatever happens inside (a C++ exception, an allocation failure) ends
// as a return code and a message in the library's error buffer; nothing unwinds into Rust.
#include "mm_bridge.h"

#include <macinmeter.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace mm_bridge {

struct BatchResults {
    explicit BatchResults(size_t count) : outcomes(count), formats(count) {}
    ~BatchResults() { mm_track_outcomes_free(outcomes.data(), outcomes.size()); }
    BatchResults(const BatchResults&) = delete;
    BatchResults& operator=(const BatchResults&) = delete;

    std::vector<mm_track_outcome> outcomes;    // written by mm_batch_analyze, owned here
    std::vector<mm_shim::StreamFormat> formats;  // as each track's open reported it
};

const char* library_version() noexcept {
    const char* v = mm_version();
    return v != nullptr ? v : "unknown";
}

namespace {

static_assert(MM_ABI_VERSION == 2, "mm_bridge.cpp follows ABI version 2 of macinmeter.h");

std::string last_error() {
    const char* e = mm_last_error();
    return e != nullptr && *e != '\0' ? std::string(e) : std::string("unknown error");
}

// A NUL-terminated message of at most `capacity` bytes, cut at a UTF-8 character boundary.
void write_message(char* buffer, size_t capacity, const char* message) noexcept {
    if (buffer == nullptr || capacity == 0) return;
    if (message == nullptr || *message == '\0') message = "unknown error";
    const size_t length = std::strlen(message);
    size_t n = (std::min)(length, capacity - 1);
    while (n > 0 && n < length && (static_cast<unsigned char>(message[n]) & 0xC0) == 0x80) --n;
    std::memcpy(buffer, message, n);
    buffer[n] = '\0';
}

// Per-track state the callbacks publish for the progress callback.
struct TrackSlot {
    enum : int { waiting = 0, open = 1, closed = 2 };
    std::atomic<int> state{waiting};
    std::atomic<uint64_t> frames{0};
    std::atomic<uint32_t> sample_rate{0};
    std::atomic<bool> stopped_by_cancel{false};  // its open/read failed because of the cancel
    // The failure kind of an open that failed here ("open", "unsupported"), else null: the
    // library's status then says it (mm_failure_kind).
    std::atomic<const char*> open_failure{nullptr};
};

struct Context {
    SourceFactory* sources = nullptr;
    const BatchHooks* hooks = nullptr;
    mm_cancel_token* token = nullptr;
    BatchResults* results = nullptr;
    std::unique_ptr<TrackSlot[]> slots;
    size_t count = 0;
    // Progress callback only (the calling thread):
    size_t lowest_unclosed = 0;

    // True (and the batch's token raised) once the host wants to stop. Any thread.
    bool cancelled() noexcept {
        try {
            if (hooks->should_cancel && hooks->should_cancel()) {
                mm_cancel_token_cancel(token);
                return true;
            }
        } catch (...) {
        }
        return false;
    }
};

// What the library's `source` handle points at.
struct OpenSource {
    Context* context;
    size_t index;
    std::unique_ptr<TrackSource> source;
};

int32_t sample_type_of(SampleType t) { return t == SampleType::f64 ? MM_SAMPLE_F64 : MM_SAMPLE_F32; }

void fill_format(mm_source_format& out, const mm_shim::StreamFormat& in, SampleType type) {
    out.sample_rate = in.sample_rate;
    out.channels = in.channels;
    out.sample_type = sample_type_of(type);
    out.bits_per_sample = 0;   // floats: ignored
    out.excluded_channel = -1;  // foobar2000's DR Meter counts every channel, LFE included
}

int32_t on_open(void* user, size_t track_index, void** source, mm_source_format* format, char* error,
                size_t error_capacity) {
    try {
        *source = nullptr;
        Context& c = *static_cast<Context*>(user);
        if (c.cancelled()) {
            c.slots[track_index].stopped_by_cancel.store(true);
            return MM_CANCELLED;
        }
        std::unique_ptr<TrackSource> opened;
        std::string why;
        const SourceFactory::OpenStatus status = c.sources->open(track_index, opened, why);
        if (status == SourceFactory::OpenStatus::cancelled || c.cancelled()) {
            c.cancelled();
            c.slots[track_index].stopped_by_cancel.store(true);
            return MM_CANCELLED;
        }
        if (status != SourceFactory::OpenStatus::ok || !opened) {
            c.slots[track_index].open_failure.store(status == SourceFactory::OpenStatus::unsupported ? "unsupported"
                                                                                                     : "open");
            write_message(error, error_capacity, why.empty() ? "could not open the track" : why.c_str());
            return MM_DECODE_ERROR;
        }
        fill_format(*format, opened->format(), opened->sample_type());
        c.results->formats[track_index] = opened->format();
        TrackSlot& slot = c.slots[track_index];
        slot.sample_rate.store(opened->format().sample_rate);
        slot.state.store(TrackSlot::open);
        *source = new OpenSource{&c, track_index, std::move(opened)};
        return MM_OK;
    } catch (const std::exception& e) {
        write_message(error, error_capacity, e.what());
    } catch (...) {
        write_message(error, error_capacity, "unknown error opening the track");
    }
    return MM_DECODE_ERROR;
}

int64_t on_read(void* source, void* buffer, size_t capacity_frames, mm_source_format* format, char* error,
                size_t error_capacity) {
    try {
        OpenSource& s = *static_cast<OpenSource*>(source);
        TrackSlot& slot = s.context->slots[s.index];
        if (s.context->cancelled()) {
            slot.stopped_by_cancel.store(true);
            write_message(error, error_capacity, "cancelled");
            return -1;
        }
        const int64_t r = s.source->read(buffer, capacity_frames);
        if (r >= 0) {
            slot.frames.fetch_add(static_cast<uint64_t>(r), std::memory_order_relaxed);
            return r;
        }
        if (r == mm_shim::kReadFormatChanged) {
            // The ABI's protocol: nothing written, the new format in *format, return >= 0;
            // the library fails the track with MM_FORMAT_CHANGED.
            fill_format(*format, s.source->changed_format(), s.source->sample_type());
            return 0;
        }
        if (s.context->cancelled()) {  // the decoder gave up because of the abort
            slot.stopped_by_cancel.store(true);
            write_message(error, error_capacity, "cancelled");
            return -1;
        }
        write_message(error, error_capacity, s.source->error().c_str());
    } catch (const std::exception& e) {
        write_message(error, error_capacity, e.what());
    } catch (...) {
        write_message(error, error_capacity, "unknown error reading the track");
    }
    return -1;
}

void on_close(void* source) {
    auto* s = static_cast<OpenSource*>(source);
    if (s == nullptr) return;
    try {
        s->context->slots[s->index].state.store(TrackSlot::closed);
        delete s;  // releases the decoder
    } catch (...) {
    }
}

int32_t on_progress(void* user, const mm_batch_progress* p) {
    try {
        Context& c = *static_cast<Context*>(user);
        BatchProgress out;
        out.total = p->tracks_total;
        out.finished = p->tracks_finished;
        while (c.lowest_unclosed < c.count && c.slots[c.lowest_unclosed].state.load() == TrackSlot::closed)
            ++c.lowest_unclosed;
        for (size_t i = c.lowest_unclosed; i < c.count; ++i) {
            const TrackSlot& slot = c.slots[i];
            if (slot.state.load() != TrackSlot::open) continue;
            out.current_track = i;
            const double expected = c.sources->expected_seconds(i) * slot.sample_rate.load();
            if (expected > 0.0)
                out.current_fraction = (std::min)(1.0, static_cast<double>(slot.frames.load()) / expected);
            break;
        }
        if (c.hooks->on_progress) c.hooks->on_progress(out);
        return c.cancelled() ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

}  // namespace

BatchOutcome run_batch(size_t count, SourceFactory& sources, const BatchHooks& hooks, unsigned parallel) noexcept {
    BatchOutcome out;
    mm_cancel_token* token = nullptr;
    try {
        out.tracks.resize(count);
        if (count == 0) return out;
        auto results = std::make_shared<BatchResults>(count);

        if (mm_cancel_token_new(&token) != MM_OK) {
            out.error = last_error();
            return out;
        }
        Context context;
        context.sources = &sources;
        context.hooks = &hooks;
        context.token = token;
        context.results = results.get();
        context.slots.reset(new TrackSlot[count]);
        context.count = count;

        mm_decoder decoder;
        decoder.user = &context;
        decoder.open = on_open;
        decoder.read = on_read;
        decoder.close = on_close;

        mm_batch_options options = mm_batch_options_default();
        options.threads = parallel;
        options.progress = on_progress;
        options.progress_user = &context;
        options.cancel = token;

        const mm_status status = mm_batch_analyze(&decoder, count, &options, results->outcomes.data());
        mm_cancel_token_free(token);
        token = nullptr;

        if (status == MM_CANCELLED) {
            out.cancelled = true;
        } else if (status != MM_OK) {
            out.error = last_error();
        }
        for (size_t i = 0; i < count; ++i) {
            const mm_track_outcome& o = results->outcomes[i];
            TrackOutcome& t = out.tracks[i];
            // Ended on its own (measured, or failed for a reason of its own)?
            if (o.status != MM_CANCELLED && !context.slots[i].stopped_by_cancel.load()) ++out.finished;
            t.measured = o.status == MM_OK && o.result != nullptr;
            if (t.measured) {
                mm_track_summary summary;
                if (mm_result_summary(o.result, &summary) == MM_OK) t.official_dr = summary.official_dr;
            } else {
                t.error = o.error != nullptr ? o.error : mm_status_name(o.status);
                const char* open_failure = context.slots[i].open_failure.load();
                t.failure_kind = open_failure != nullptr && o.status == MM_DECODE_ERROR ? open_failure
                                                                                         : mm_failure_kind(o.status);
            }
        }
        out.results = std::move(results);
    } catch (const std::exception& e) {
        out.error = e.what();
    } catch (...) {
        out.error = "unknown error";
    }
    if (token != nullptr) mm_cancel_token_free(token);
    return out;
}

namespace {

struct BuilderDeleter {
    void operator()(mm_log_builder* b) const noexcept { mm_log_builder_free(b); }
};
using Builder = std::unique_ptr<mm_log_builder, BuilderDeleter>;

const char* tag_or_null(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

bool render(const mm_log_builder* builder, int32_t kind, std::string& out, std::string& error) {
    char* text = nullptr;
    size_t length = 0;
    // The date as the CLI takes it; a malformed one is refused by the library: then now.
    const char* date = std::getenv("MACINMETER_LOG_DATE");
    mm_status status = mm_log_render(builder, kind, date, &text, &length);
    if (status != MM_OK && date != nullptr) status = mm_log_render(builder, kind, nullptr, &text, &length);
    if (status != MM_OK) {
        error = last_error();
        return false;
    }
    try {
        out.assign(text, length);
    } catch (...) {
        mm_string_free(text);
        throw;
    }
    mm_string_free(text);
    return true;
}

}  // namespace

Report render_log(const BatchOutcome& outcome, const std::vector<TrackTags>& tags, const LogOptions& options) noexcept {
    Report report;
    try {
        const size_t count = outcome.tracks.size();
        const BatchResults* results = outcome.results.get();
        if (results == nullptr || results->outcomes.size() != count) {
            report.error = "no batch results";
            return report;
        }
        mm_log_builder* raw = nullptr;
        if (mm_log_builder_new(&raw) != MM_OK) {
            report.error = last_error();
            return report;
        }
        Builder builder(raw);
        // The first line names the host, then us; the library writes it (and CRLF line ends).
        if (mm_log_builder_set_host(builder.get(), options.host.empty() ? "foobar2000" : options.host.c_str()) !=
                MM_OK ||
            mm_log_builder_set_channel_columns(builder.get(), options.channel_columns) != MM_OK) {
            report.error = last_error();
            return report;
        }

        std::vector<size_t> measured;  // builder track j = input track measured[j]
        for (size_t i = 0; i < count; ++i) {
            static const TrackTags kNoTags;
            const TrackTags& t = i < tags.size() ? tags[i] : kNoTags;
            const std::string path = t.path.empty() ? "track " + std::to_string(i + 1) : t.path;
            const mm_track_outcome& o = results->outcomes[i];
            mm_status status;
            if (o.status == MM_OK && o.result != nullptr) {
                mm_track_meta meta;
                std::memset(&meta, 0, sizeof meta);
                meta.path = path.c_str();
                meta.artist = tag_or_null(t.artist);
                meta.album_artist = tag_or_null(t.album_artist);
                meta.album = tag_or_null(t.album);
                meta.title = tag_or_null(t.title);
                meta.track_number = tag_or_null(t.track_number);
                meta.disc_number = tag_or_null(t.disc_number);
                meta.codec = tag_or_null(t.codec);
                meta.bits_per_sample = t.bits_per_sample;
                meta.channel_mask = results->formats[i].channel_mask;
                meta.bitrate_kbps = static_cast<double>(t.bitrate_kbps);
                status = mm_log_builder_add_track(builder.get(), o.result, &meta);
                measured.push_back(i);
            } else {
                const TrackOutcome& failed = outcome.tracks[i];
                const std::string& why = failed.error;
                const char* kind = failed.failure_kind.empty() ? mm_failure_kind(o.status) : failed.failure_kind.c_str();
                status = mm_log_builder_add_failure(builder.get(), path.c_str(),
                                                    why.empty() ? mm_status_name(o.status) : why.c_str(), kind);
            }
            if (status != MM_OK) {
                report.error = last_error();
                return report;
            }
        }

        // DR Meter 1.0.8's section layout, for one track as for many.
        if (!render(builder.get(), MM_LOG_ALBUM, report.text, report.error)) return report;

        // Each measured track's album section DR, as the library groups and computes it
        // (the album log's "Official DR value"); failed tracks stay kUnknownDr.
        report.album_dr.assign(count, kUnknownDr);
        for (size_t j = 0; j < measured.size(); ++j) {
            int32_t official = 0;
            float dr = 0.0f;
            if (mm_log_builder_album_dr(builder.get(), j, &official, &dr) == MM_OK) report.album_dr[measured[j]] = official;
        }
        report.ok = true;
    } catch (const std::exception& e) {
        report.error = e.what();
    } catch (...) {
        report.error = "unknown error";
    }
    return report;
}

}  // namespace mm_bridge
