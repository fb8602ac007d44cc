// core_services.h - the foobar2000 core services the test host provides to the component.
//
// Each is a small implementation of the contract the SDK headers document for it; what the
// test needs to see (console lines, tag updates, progress) is recorded. See host.cpp's header
// comment for what is assumed beyond the headers.
#pragma once

#include <SDK/foobar2000.h>
#include <SDK/component.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fb2k_host {

// ---- the main thread ------------------------------------------------------------------
// The thread that loaded the component and runs menu commands. Work for it from other
// threads (main_thread_callback, threaded_process's on_done) waits in a queue that
// pump_main_until() runs.
void set_main_thread();
bool on_main_thread();
void post_to_main(std::function<void()> work);
// Runs queued main-thread work until `done()` holds; false after `timeout_s` seconds.
bool pump_main_until(const std::function<bool()>& done, double timeout_s);

// ---- what the services record ---------------------------------------------------------
struct TagUpdate {
    std::string path;
    uint32_t subsong = 0;
    std::map<std::string, std::string> meta;  // every meta field after the filter (name
                                               // lowercased), its first value
    std::vector<std::string> removed;          // fields the filter removed (lowercased)
};

struct Recorded {
    std::mutex lock;
    std::vector<std::string> console;  // one entry per console::print call
    std::vector<std::pair<std::string, std::string>> popups;  // (title, text)
    std::vector<TagUpdate> tag_updates;
    size_t jobs_started = 0;
    size_t jobs_done = 0;       // on_done returned
    size_t tag_ops_done = 0;    // update_info_async finished (its notify called)
    std::vector<std::string> job_titles;
    std::vector<bool> job_aborted;  // on_done's p_was_aborted, per job
    size_t progress_calls = 0;  // set_progress calls, all jobs
};
Recorded& recorded();

// The progress dialog's "Abort" button: when set, called on every set_progress of a running
// job with the primary progress (0..threaded_process_status::progress_max); returning true
// presses Abort.
void set_abort_trigger(std::function<bool(size_t progress)> trigger);

// ---- the host's input (decoder) -------------------------------------------------------
// What the host's input does with a path besides reading it as a WAV file: subsong ranges (as
// an embedded cue sheet defines them), a format change from a given frame on (as a chained
// stream has), "parallel reads are slow" (as an optical drive's input says).
struct InputQuirks {
    // subsong -> [first frame, end frame); subsong 0 without an entry is the whole file.
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> ranges;
    // subsong -> its title (and its number as the track number), as a cue sheet's TITLE.
    std::map<uint32_t, std::string> titles;
    uint64_t format_change_at = UINT64_MAX;  // the sample rate doubles from this frame on
    bool parallel_reads_slow = false;
};
void set_input_quirks(const std::string& native_path, const InputQuirks& quirks);
void clear_input_quirks();

// A metadb handle for `native_path` / `subsong`, its info read by the host's input (length,
// codec, bit depth, bitrate, tags).
metadb_handle_ptr make_handle(const std::string& native_path, uint32_t subsong);

// The version text core_version_info reports.
extern const char* const kCoreVersion;

// The host's side of the foobar2000_api the component gets.
foobar2000_api* host_api();
// Registers a loaded component's services (its foobar2000_client's service list).
void add_component_services(service_factory_base* list);

}  // namespace fb2k_host
