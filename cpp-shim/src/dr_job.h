// dr_job.h - the background measurement job behind the context-menu commands.
#pragma once

#include "shim_sdk.h"

#include <string>

namespace mm_fb2k {

// Main thread only. Measures `tracks` in a modeless threaded_process dialog, then prints the
// log to the console and shows it in the results window; with `write_tags`, also writes
// DYNAMIC RANGE / ALBUM DYNAMIC RANGE through metadb_io_v2::update_info_async.
// `channel_columns`: the Advanced Preferences option "Per-channel columns for stereo".
void start_measurement(metadb_handle_list_cref tracks, bool write_tags, bool channel_columns);

// The results window (results_window.cpp). Main thread only. `save_folder` is the native
// folder the "Save..." dialog opens in (may be empty); the suggested file name is foo_dr.txt.
void show_results_window(const char* title, const char* log_text, const char* save_folder);

}  // namespace mm_fb2k
