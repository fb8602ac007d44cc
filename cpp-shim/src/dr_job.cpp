// dr_job.cpp - the measurement job: a threaded_process that runs the library's parallel
// batch over the selection, then (on the main thread) prints the log, shows it, and
// optionally writes the DR tags.
#include "dr_job.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fb2k_decode.h"
#include "mm_bridge.h"

namespace mm_fb2k {
namespace {

const char* const kTitle = "Dynamic Range";
const char* const kTagTrack = "DYNAMIC RANGE";
const char* const kTagAlbum = "ALBUM DYNAMIC RANGE";

std::string str_or_empty(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

// The native path when there is one (file://...), else the foobar2000 path as it is.
std::string display_path(const char* path, abort_callback& abort) {
    pfc::string8 native;
    try {
        if (filesystem::g_get_native_path(path, native, abort) && !native.is_empty()) return native.c_str();
    } catch (const exception_aborted&) {
        throw;
    } catch (const std::exception&) {
    }
    return path;
}

mm_bridge::TrackTags read_tags(const metadb_handle_ptr& handle, abort_callback& abort) {
    metadb_info_container::ptr info;
    try {
        info = handle->get_full_info_ref(abort);  // the cached info, or read from the file
    } catch (const exception_aborted&) {
        throw;
    } catch (const std::exception&) {
        info = handle->get_info_ref();  // never null; blank when nothing is known
    }
    const file_info& fi = info->info();
    mm_bridge::TrackTags t;
    t.path = display_path(handle->get_path(), abort);
    t.artist = str_or_empty(fi.meta_get("artist", 0));
    t.album_artist = str_or_empty(fi.meta_get("album artist", 0));
    t.album = str_or_empty(fi.meta_get("album", 0));
    t.title = str_or_empty(fi.meta_get("title", 0));
    t.track_number = str_or_empty(fi.meta_get("tracknumber", 0));
    t.disc_number = str_or_empty(fi.meta_get("discnumber", 0));
    t.codec = str_or_empty(fi.info_get("codec"));
    t.bits_per_sample = fi.info_get_decoded_bps();  // 0 for lossy codecs
    const t_int64 kbps = fi.info_get_bitrate();
    t.bitrate_kbps = kbps > 0 && kbps < INT32_MAX ? static_cast<uint32_t>(kbps) : 0;
    return t;
}

class DrJob : public threaded_process_callback {
public:
    DrJob(metadb_handle_list_cref tracks, bool write_tags, mm_bridge::LogOptions options)
        : handles_(tracks), write_tags_(write_tags), options_(std::move(options)) {}

    // Worker thread (threaded_process).
    void run(threaded_process_status& status, abort_callback& abort) override {
        try {
            run_batch(status, abort);
        } catch (const exception_aborted&) {
            cancelled_ = true;
        } catch (const std::exception& e) {
            fatal_ = e.what();
        } catch (...) {
            fatal_ = "unknown error";
        }
    }

    // Main thread.
    void on_done(ctx_t, bool was_aborted) override {
        try {
            present(was_aborted);
        } catch (const std::exception& e) {
            console::print("MacinMeter: ", e.what());
        }
    }

private:
    void run_batch(threaded_process_status& status, abort_callback& abort) {
        const size_t count = handles_.get_count();
        status.set_progress(0, count);
        status.set_item("Reading tags...");

        tags_.reserve(count);
        bool parallel_reads_slow = false;
        for (size_t i = 0; i < count; ++i) {
            abort.check();
            tags_.push_back(read_tags(handles_[i], abort));
            if (!parallel_reads_slow && input_entry::g_are_parallel_reads_slow(handles_[i]->get_path()))
                parallel_reads_slow = true;
        }
        if (count > 0) {
            // The folder the "Save..." dialog suggests: the first track's.
            pfc::string8 native;
            if (filesystem::g_get_native_path(handles_[0]->get_path(), native, abort))
                save_folder_ = pfc::string_directory(native).c_str();
        }

        // As many tracks at once as there are cores, one decoder each; one at a time when an
        // input says parallel reads are slow (optical drives...).
        unsigned parallel = (std::max)(1u, std::thread::hardware_concurrency());
        if (parallel_reads_slow) parallel = 1;

        Fb2kSourceFactory sources(handles_, abort);
        size_t shown_track = SIZE_MAX;
        mm_bridge::BatchHooks hooks;
        // Any worker thread: the user's Abort stops the batch at the next read (the decoders
        // get the same abort_callback, so one blocked in I/O gives up as well).
        hooks.should_cancel = [&abort] { return abort.is_aborting(); };
        // This thread (the batch calls back on its caller's thread, about every 100 ms).
        hooks.on_progress = [&](const mm_bridge::BatchProgress& p) {
            status.set_progress((std::min)(p.finished, count), count);
            if (p.current_track < count) {
                status.set_progress_secondary_float(std::clamp(p.current_fraction, 0.0, 1.0));
                if (p.current_track != shown_track) {
                    status.set_item_path(handles_[p.current_track]->get_path());
                    shown_track = p.current_track;
                }
            }
        };
        const mm_bridge::BatchOutcome outcome = mm_bridge::run_batch(count, sources, hooks, parallel);

        completed_ = outcome.finished;
        if (outcome.cancelled || abort.is_aborting()) {
            cancelled_ = true;
            return;
        }
        if (!outcome.error.empty()) {
            fatal_ = outcome.error;
            return;
        }
        status.set_progress(count, count);
        status.set_item("Writing the log...");

        mm_bridge::Report report = mm_bridge::render_log(outcome, tags_, options_);
        if (!report.ok) {
            fatal_ = "could not render the log: " + report.error;
            return;
        }
        log_ = std::move(report.text);
        measured_.resize(count);
        track_dr_.resize(count);
        for (size_t i = 0; i < count && i < outcome.tracks.size(); ++i) {
            measured_[i] = outcome.tracks[i].measured;
            track_dr_[i] = outcome.tracks[i].official_dr;
        }
        album_dr_ = std::move(report.album_dr);
        album_dr_.resize(count, mm_bridge::kUnknownDr);
        failures_ = static_cast<size_t>(std::count(measured_.begin(), measured_.end(), false));
        done_ = true;
    }

    void present(bool was_aborted) {
        const size_t count = handles_.get_count();
        if (cancelled_ || (was_aborted && !done_)) {
            console::print("MacinMeter: cancelled after ", completed_, " of ", count, " tracks");
            return;
        }
        if (!done_) {
            const std::string why = fatal_.empty() ? std::string("unknown error") : fatal_;
            console::print("MacinMeter: measurement failed: ", why.c_str());
            popup_message::g_complain("MacinMeter: measurement failed", why.c_str());
            return;
        }
        console::print(log_.c_str());
        if (failures_ > 0) console::print("MacinMeter: ", failures_, " of ", count, " tracks could not be measured");
        show_results_window(kTitle, log_.c_str(), save_folder_.c_str());
        if (write_tags_) write_tags();
    }

    // DYNAMIC RANGE = the track's Official DR, ALBUM DYNAMIC RANGE = its section's (DR0 for
    // silence, as DR Meter writes); a value not known is left as it is. Failed tracks are
    // left alone.
    void write_tags() {
        struct Values {
            int32_t track, album;
        };
        auto values = std::make_shared<std::unordered_map<const metadb_handle*, Values>>();
        metadb_handle_list list;
        for (size_t i = 0; i < handles_.get_count(); ++i) {
            if (!measured_[i]) continue;
            if (values->emplace(handles_[i].get_ptr(), Values{track_dr_[i], album_dr_[i]}).second)
                list.add_item(handles_[i]);
        }
        if (list.get_count() == 0) return;
        for (size_t i = 0; i < handles_.get_count(); ++i) {
            if (measured_[i] && album_dr_[i] == mm_bridge::kUnknownDr) {
                console::print("MacinMeter: the library gave no album DR for a track; ALBUM DYNAMIC RANGE is left as it was");
                break;
            }
        }
        // The filter runs on the tag writer's thread; it only reads `values` (and `list`,
        // captured to keep the handles, and so the map's keys, alive).
        auto filter = file_info_filter::create([values, list](trackRef location, t_filestats, file_info& info) {
            const auto it = values->find(location.get_ptr());
            if (it == values->end()) return false;
            const auto put = [&info](const char* field, int32_t dr) {
                if (dr != mm_bridge::kUnknownDr) info.meta_set(field, std::to_string(dr).c_str());
            };
            put(kTagTrack, it->second.track);
            put(kTagAlbum, it->second.album);
            return true;
        });
        metadb_io_v2::get()->update_info_async(list, filter, core_api::get_main_window(),
                                               metadb_io_v2::op_flag_delay_ui, nullptr);
    }

    const metadb_handle_list handles_;
    const bool write_tags_;
    const mm_bridge::LogOptions options_;

    // Written by run() (worker thread), read by on_done() (main thread, after run returned).
    std::vector<mm_bridge::TrackTags> tags_;
    std::string save_folder_;
    bool done_ = false;
    bool cancelled_ = false;
    size_t completed_ = 0;
    size_t failures_ = 0;
    std::string fatal_;
    std::string log_;
    std::vector<bool> measured_;
    std::vector<int32_t> track_dr_;
    std::vector<int32_t> album_dr_;
};

}  // namespace

void start_measurement(metadb_handle_list_cref tracks, bool write_tags, bool channel_columns) {
    if (tracks.get_count() == 0) return;
    mm_bridge::LogOptions options;
    options.host = core_version_info::g_get_version_string();  // "foobar2000 v2.24.1"
    options.channel_columns = channel_columns;
    auto job = fb2k::service_new<DrJob>(tracks, write_tags, std::move(options));
    threaded_process::g_run_modeless(job,
                                     threaded_process::flag_show_abort | threaded_process::flag_show_progress_dual |
                                         threaded_process::flag_show_item,
                                     core_api::get_main_window(), write_tags ? "Dynamic Range (and tags)" : kTitle);
}

}  // namespace mm_fb2k
