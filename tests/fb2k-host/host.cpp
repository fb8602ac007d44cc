// host.cpp - a test host that loads the foobar2000 component (foo_macinmeter.so, built by
// cpp-shim/build-linux.sh) the way foobar2000 loads a component, and drives its context-menu
// commands over real files.
//
//   fb2k-host <foo_macinmeter.so> <macinmeter CLI> <repo>/tests <work dir>
//
// Loading: dlopen, foobar2000_get_interface(api, NULL) (the macOS entry's signature; the
// Windows one takes the DLL's HINSTANCE), client version check, set_library_path,
// services_init(true), then every service of the component's list is registered with the
// host's own; the SDK's service_enum / ::get() calls of either side go through the host's
// foobar2000_api. The host links its own copy of the SDK, as foobar2000's core does.
//
// The core services (core_services.cpp) implement what the SDK headers document. Where the
// headers leave something open, the host assumes (and the component must not depend on more):
// - threaded_process::run_modeless calls on_init on the main thread, run on one worker thread,
//   then on_done on the main thread with was_aborted = whether the dialog's Abort was pressed;
//   Abort is pressed from set_progress when a test asks for it.
// - The console records each console::print call as one entry.
// - metadb_io_v2::update_info_async applies the filter on the main thread, after the call
//   returned, to each track's current info; what the filter leaves is recorded as "written".
// - The only input reads WAV files (PCM 8-32 bit, float 32/64, WAVE_FORMAT_EXTENSIBLE),
//   with the RIFF INFO tags IART, INAM, IPRD, IPRT/ITRK as artist, title, album, tracknumber,
//   codec "PCM" (integer) or "PCM (floating-point)" (float: what foobar2000's WAV input
//   reports, as the real DR Meter logs show), bitrate rate * bits * channels / 1000. FLAC is not read: the component's
//   FLAC path is foobar2000's own decoder, which this host cannot have; the WAV files give
//   the component the same audio_chunk stream shape. Subsong ranges (what a cue sheet
//   defines), a format change from a given frame on (what a chained stream does) and the
//   "parallel reads are slow" flag are set per file by the test (InputQuirks).
// - A file the input cannot read gets a handle with blank info (no length, no tags), and
//   opening it for decoding throws exception_io_data, as foobar2000's inputs do.
// - configStore (advconfig's storage) keeps integers, floats and strings in memory.
// - core_version_info reports kCoreVersion.
// Not verified here: the MSVC build, foobar2000's real UI (menus, the progress dialog, the
// results window), foobar2000's own decoders and tag writers.
#include "core_services.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

using namespace fb2k_host;

// The component's identity (cpp-shim/src/component.cpp): fixed GUIDs, never changed.
// {8F1118FB-46A6-4D50-A2B5-8081D7AC9616}
constexpr GUID kGroupGuid = {0x8f1118fb, 0x46a6, 0x4d50, {0xa2, 0xb5, 0x80, 0x81, 0xd7, 0xac, 0x96, 0x16}};
// {AAD74A15-858C-4C31-92EC-0F364CD5CC60}
constexpr GUID kMeasureGuid = {0xaad74a15, 0x858c, 0x4c31, {0x92, 0xec, 0x0f, 0x36, 0x4c, 0xd5, 0xcc, 0x60}};
// {9FF202FE-F1E0-4D22-899F-D628A37237E2}
constexpr GUID kMeasureTagGuid = {0x9ff202fe, 0xf1e0, 0x4d22, {0x89, 0x9f, 0xd6, 0x28, 0xa3, 0x72, 0x37, 0xe2}};
// {BC9D8248-24FF-4C31-90AD-40F9E6B2DBD5}
constexpr GUID kBranchGuid = {0xbc9d8248, 0x24ff, 0x4c31, {0x90, 0xad, 0x40, 0xf9, 0xe6, 0xb2, 0xdb, 0xd5}};
// {1579A770-F6B2-4104-B7A2-62A37D32D2E9}
constexpr GUID kChannelColumnsGuid = {0x1579a770, 0xf6b2, 0x4104, {0xb7, 0xa2, 0x62, 0xa3, 0x7d, 0x32, 0xd2, 0xe9}};

const char* const kLogDate = "2026-11-21 14:03:07";

int g_failures = 0;

void check(bool ok, const std::string& what) {
    if (ok) {
        std::cout << "ok: " << what << "\n";
    } else {
        std::cout << "FAILED: " << what << "\n";
        ++g_failures;
    }
}

template <typename A, typename B>
void check_eq(const A& got, const B& want, const std::string& what) {
    std::ostringstream s;
    if (!(got == want)) {
        s << what << "\n  got:  " << got << "\n  want: " << want;
        check(false, s.str());
    } else {
        check(true, what);
    }
}

std::string str(const pfc::string_base& s) { return s.c_str(); }

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string current;
    for (char c : text) {
        if (c == '\n') {
            lines.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) lines.push_back(current);
    return lines;
}

// CRLF -> LF; false when a line end is a bare LF or a CR stands alone.
bool from_crlf(const std::string& text, std::string& out) {
    out.clear();
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            if (i + 1 >= text.size() || text[i + 1] != '\n') return false;
            continue;
        }
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return false;
        out += text[i];
    }
    return true;
}

std::string drop_first_line(const std::string& text) {
    const size_t nl = text.find('\n');
    return nl == std::string::npos ? std::string() : text.substr(nl + 1);
}

std::string first_line(const std::string& text) { return text.substr(0, text.find_first_of("\r\n")); }

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// The CLI's standard output for `args` (the log date pinned through the environment).
std::string run_cli(const std::string& cli, const std::string& args) {
    const std::string command = shell_quote(cli) + " " + args + " 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return "";
    std::string out;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    pclose(pipe);
    return out;
}

std::string cli_files(const std::vector<std::string>& files) {
    std::string args = "--log album";
    for (const auto& f : files) args += " " + shell_quote(f);
    return args;
}

// ---- WAV files the tests make ------------------------------------------------------------
struct Tone {
    double amplitude;  // of a 1 kHz sine
    double seconds;
};

// 16-bit stereo 44.1 kHz: each tone in turn, plus a full-scale one-sample spike every second
// (so that every 3-second window's peak is 1.0 and the DR is 20 log10(1 / amplitude)).
void write_wav(const std::string& path, const std::vector<Tone>& tones, const std::vector<std::pair<std::string, std::string>>& info = {}) {
    const uint32_t rate = 44100, channels = 2;
    std::vector<int16_t> pcm;
    uint64_t n = 0;
    for (const Tone& t : tones) {
        const uint64_t frames = static_cast<uint64_t>(std::llround(t.seconds * rate));
        for (uint64_t i = 0; i < frames; ++i, ++n) {
            double x = t.amplitude * std::sin(2.0 * M_PI * 1000.0 * static_cast<double>(n) / rate);
            if (n % rate == rate / 2) x = 1.0;
            const auto v = static_cast<int16_t>(std::lround(std::max(-32768.0, std::min(x * 32768.0, 32767.0))));
            for (uint32_t c = 0; c < channels; ++c) pcm.push_back(v);
        }
    }
    std::string list;
    for (const auto& field : info) {
        std::string value = field.second + '\0';
        if (value.size() & 1) value += '\0';
        const uint32_t size = static_cast<uint32_t>(value.size());
        list += field.first;
        list.append(reinterpret_cast<const char*>(&size), 4);
        list += value;
    }
    if (!list.empty()) list = "INFO" + list;
    std::ofstream out(path, std::ios::binary);
    auto u32 = [&out](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    auto u16 = [&out](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
    const uint32_t data_bytes = static_cast<uint32_t>(pcm.size() * 2);
    out.write("RIFF", 4);
    u32(4 + 24 + (list.empty() ? 0 : 8 + static_cast<uint32_t>(list.size())) + 8 + data_bytes);
    out.write("WAVEfmt ", 8);
    u32(16);
    u16(1);
    u16(channels);
    u32(rate);
    u32(rate * channels * 2);
    u16(channels * 2);
    u16(16);
    if (!list.empty()) {
        out.write("LIST", 4);
        u32(static_cast<uint32_t>(list.size()));
        out.write(list.data(), static_cast<std::streamsize>(list.size()));
    }
    out.write("data", 4);
    u32(data_bytes);
    out.write(reinterpret_cast<const char*>(pcm.data()), data_bytes);
}

// ---- driving the component -------------------------------------------------------------
struct Menu {
    contextmenu_item::ptr item;
    unsigned measure = ~0u, measure_and_tag = ~0u;
};

Menu find_menu() {
    Menu menu;
    bool group_found = false;
    for (auto group : contextmenu_group::enumerate()) {
        if (group->get_guid() != kGroupGuid) continue;
        group_found = true;
        contextmenu_group_popup::ptr popup;
        check(popup &= group, "the menu group is a popup");
        if (popup.is_valid()) {
            pfc::string8 name;
            popup->get_display_string(name);
            check_eq(str(name), std::string("Dynamic Range"), "the menu group's name");
        }
        check(group->get_parent() == contextmenu_groups::root, "the menu group sits at the root of the context menu");
    }
    check(group_found, "the menu group is registered under its GUID");

    for (auto item : contextmenu_item::enumerate()) {
        for (unsigned i = 0; i < item->get_num_items(); ++i) {
            const GUID guid = item->get_item_guid(i);
            if (guid != kMeasureGuid && guid != kMeasureTagGuid) continue;
            pfc::string8 name;
            item->get_item_name(i, name);
            contextmenu_item_v2::ptr v2;
            check((v2 &= item) && v2->get_parent() == kGroupGuid, "menu item " + str(name) + " is in the group");
            if (guid == kMeasureGuid) {
                check_eq(str(name), std::string("Measure dynamic range"), "the measure item's name");
                menu.measure = i;
            } else {
                check_eq(str(name), std::string("Measure dynamic range and write tags"), "the tag item's name");
                menu.measure_and_tag = i;
            }
            menu.item = item;
        }
    }
    check(menu.measure != ~0u && menu.measure_and_tag != ~0u, "both menu items are registered under their GUIDs");
    return menu;
}

struct Run {
    std::vector<std::string> console;
    std::vector<std::pair<std::string, std::string>> popups;
    std::vector<TagUpdate> tags;
    bool aborted = false;
    std::string title;          // the progress dialog's
    size_t progress_calls = 0;  // set_progress calls of the job
};

// Runs a menu command over `handles` as foobar2000 does from the main thread, then lets the
// main thread work until the job (and its tag writing) is done.
Run run_command(const Menu& menu, unsigned index, const metadb_handle_list& handles) {
    Recorded& r = recorded();
    size_t console_before, popups_before, tags_before, jobs_before, tag_ops_before, progress_before;
    {
        std::lock_guard<std::mutex> guard(r.lock);
        console_before = r.console.size();
        popups_before = r.popups.size();
        tags_before = r.tag_updates.size();
        jobs_before = r.jobs_done;
        tag_ops_before = r.tag_ops_done;
        progress_before = r.progress_calls;
    }
    menu.item->item_execute_simple(index, pfc::guid_null, handles, contextmenu_item::caller_undefined);
    const bool tagging = index == menu.measure_and_tag;
    bool finished = pump_main_until(
        [&] {
            std::lock_guard<std::mutex> guard(r.lock);
            return r.jobs_done > jobs_before;
        },
        300);
    // The tag writer is queued by on_done; give it its turn (it runs on this thread).
    if (finished && tagging) pump_main_until([&] {
        std::lock_guard<std::mutex> guard(r.lock);
        return r.tag_ops_done > tag_ops_before || r.job_aborted.back();
    }, 5);
    check(finished, "the job ended");
    Run run;
    std::lock_guard<std::mutex> guard(r.lock);
    run.console.assign(r.console.begin() + static_cast<long>(console_before), r.console.end());
    run.popups.assign(r.popups.begin() + static_cast<long>(popups_before), r.popups.end());
    run.tags.assign(r.tag_updates.begin() + static_cast<long>(tags_before), r.tag_updates.end());
    run.aborted = finished && !r.job_aborted.empty() && r.job_aborted.back();
    run.title = r.job_titles.empty() ? std::string() : r.job_titles.back();
    run.progress_calls = r.progress_calls - progress_before;
    return run;
}

metadb_handle_list handles_of(const std::vector<std::string>& files) {
    metadb_handle_list list;
    for (const auto& f : files) list.add_item(make_handle(f, 0));
    return list;
}

// The log the command printed: the one console entry that starts with the host's line.
std::string log_of(const Run& run) {
    for (const auto& entry : run.console)
        if (entry.rfind(kCoreVersion, 0) == 0) return entry;
    return "";
}

// "Official DR value: DRn" of the CLI's log, n.
int album_dr_of(const std::string& log) {
    const std::string key = "Official DR value: DR";
    const size_t at = log.find(key);
    return at == std::string::npos ? -1 : std::atoi(log.c_str() + at + key.size());
}

int tag_value(const TagUpdate& u, const char* field) {
    const auto it = u.meta.find(field);
    return it == u.meta.end() ? -1 : std::atoi(it->second.c_str());
}

// Expected official DR per fixture, from tests/reference/expected.json (the independent
// Python reference), as the runner script extracts it: "<relative path> <official dr>".
std::map<std::string, int> read_expected(const std::string& file) {
    std::map<std::string, int> out;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const size_t tab = line.rfind('\t');
        if (tab != std::string::npos) out[line.substr(0, tab)] = std::atoi(line.c_str() + tab + 1);
    }
    return out;
}

}  // namespace

extern "C" foobar2000_client* foobar2000_get_interface(foobar2000_api* api, void* reserved);

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: fb2k-host <foo_macinmeter.so> <macinmeter> <tests dir> <work dir> <expected dr file>\n";
        return 2;
    }
    const std::string so_path = argv[1], cli = argv[2], tests = argv[3], work = argv[4];
    const std::map<std::string, int> expected = read_expected(argv[5]);
    setenv("MACINMETER_LOG_DATE", kLogDate, 1);  // the CLI's and the component's log date
    set_main_thread();

    // The host's own SDK side: its services first, as the core's are.
    foobar2000_client* self = foobar2000_get_interface(host_api(), nullptr);
    add_component_services(self->get_service_list());
    self->services_init(true);

    void* so = dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (so == nullptr) {
        std::cerr << "dlopen: " << dlerror() << "\n";
        return 1;
    }
    using entry_t = foobar2000_client* (*)(foobar2000_api*, void*);
    auto entry = reinterpret_cast<entry_t>(dlsym(so, "foobar2000_get_interface"));
    check(entry != nullptr && entry != &foobar2000_get_interface, "the component exports foobar2000_get_interface");
    if (entry == nullptr) return 1;
    foobar2000_client* client = entry(host_api(), nullptr);
    check_eq(client->get_version(), static_cast<t_uint32>(foobar2000_client::FOOBAR2000_CLIENT_VERSION),
             "the component's client version");
    client->set_library_path(("file://" + so_path).c_str(), "foo_macinmeter");
    size_t registered = 0;
    for (service_factory_base* f = client->get_service_list(); f != nullptr; f = f->__internal__next) ++registered;
    add_component_services(client->get_service_list());
    client->services_init(true);
    for (auto init : initquit::enumerate()) init->on_init();

    // ---- what the component registered ----
    std::cout << "the component registers " << registered << " services\n";
    const std::string version = first_line(run_cli(cli, "--version"));  // "macinmeter 0.1.0"
    const std::string mm_version = version.substr(version.find(' ') + 1);
    bool version_found = false;
    for (auto v : componentversion::enumerate()) {
        pfc::string8 name, ver;
        v->get_component_name(name);
        if (str(name) != "MacinMeter") continue;
        v->get_component_version(ver);
        check_eq(str(ver), mm_version, "DECLARE_COMPONENT_VERSION names the library's version");
        version_found = true;
    }
    check(version_found, "the component's version service is registered as \"MacinMeter\"");
    const Menu menu = find_menu();
    if (!menu.item.is_valid()) return 1;

    advconfig_entry_checkbox::ptr columns;
    bool branch_found = false;
    for (auto entry_ : advconfig_entry::enumerate()) {
        pfc::string8 name;
        entry_->get_name(name);
        if (entry_->get_guid() == kBranchGuid) {
            branch_found = true;
            advconfig_branch::ptr branch;
            check(branch &= entry_, "the \"MacinMeter\" advconfig entry is a branch");
            check_eq(str(name), std::string("MacinMeter"), "the Advanced Preferences branch's name");
            check(entry_->get_parent() == advconfig_branch::guid_branch_tools, "the branch is under Tools");
        } else if (entry_->get_guid() == kChannelColumnsGuid) {
            check(columns &= entry_, "the channel-columns option is a checkbox");
            check_eq(str(name), std::string("Per-channel columns for stereo"), "the checkbox's name");
            check(entry_->get_parent() == kBranchGuid, "the checkbox is in the MacinMeter branch");
        }
    }
    check(branch_found, "the Advanced Preferences branch is registered");
    check(columns.is_valid() && !columns->get_default_state_() && !columns->get_state(), "the channel-columns checkbox is off by default");

    const std::string fixtures = tests + "/fixtures/formats/";
    const std::vector<std::string> wavs = {"wav-s16.wav", "wav-s24.wav", "wav-s32.wav", "wav-u8.wav",
                                           "wav-f32.wav", "wav-f64.wav", "wav-ext-5.1-s16-48k.wav"};
    std::vector<std::string> wav_paths;
    for (const auto& w : wavs) wav_paths.push_back(fixtures + w);
    const std::string host_line = std::string(kCoreVersion) + " / MacinMeter v" + mm_version;

    // ---- 1. the log equals the CLI's, apart from its first line and CRLF ----
    {
        std::cout << "\n== Measure dynamic range: the WAV fixtures\n";
        const Run run = run_command(menu, menu.measure, handles_of(wav_paths));
        const std::string log = log_of(run);
        check(!log.empty(), "the log is printed to the console");
        check_eq(first_line(log), host_line, "the log's first line names the host's version and ours");
        std::string lf;
        check(from_crlf(log, lf), "every line of the log ends with CRLF");
        const std::string cli_log = run_cli(cli, cli_files(wav_paths));
        check_eq(drop_first_line(lf), drop_first_line(cli_log), "the log equals the CLI's byte for byte after line 1");
        check(run.tags.empty(), "\"Measure dynamic range\" writes no tags");
        check(run.popups.size() == 1 && run.popups[0].second == log && run.popups[0].first == "Dynamic Range",
              "the results window (a popup on Linux) shows the same log");
        check_eq(run.console.size(), static_cast<size_t>(1), "nothing else is printed");
        check_eq(run.title, std::string("Dynamic Range"), "the progress dialog's title");
        check(run.progress_calls >= 2, "the job reports its progress");
    }

    // ---- 2. the tags are the Official DR values ----
    {
        std::cout << "\n== Measure dynamic range and write tags\n";
        const Run run = run_command(menu, menu.measure_and_tag, handles_of(wav_paths));
        const int album = album_dr_of(run_cli(cli, cli_files(wav_paths)));
        check(album > 0, "the CLI's log has the album's Official DR");
        check_eq(run.tags.size(), wav_paths.size(), "one tag update per track");
        for (const TagUpdate& u : run.tags) {
            const std::string rel = u.path.substr(u.path.find("formats/"));
            const auto want = expected.find(rel);
            check(want != expected.end(), rel + " has a reference value");
            if (want == expected.end()) continue;
            check_eq(tag_value(u, "dynamic range"), want->second, rel + ": DYNAMIC RANGE = the reference's Official DR");
            check_eq(tag_value(u, "album dynamic range"), album, rel + ": ALBUM DYNAMIC RANGE = the album's Official DR");
            check(u.meta.count("artist") == 1 && u.meta.count("title") == 1, rel + ": the other tags are kept");
        }
    }

    // ---- 3. a file the decoder fails on is listed as failed, the others are measured ----
    {
        std::cout << "\n== A file the decoder cannot read\n";
        const std::string bad = work + "/not-audio.wav";
        std::ofstream(bad, std::ios::binary) << "RIFF\x10\0\0\0WAVEjunkjunkjunk";
        const std::vector<std::string> files = {wav_paths[0], bad, wav_paths[1]};
        const Run run = run_command(menu, menu.measure, handles_of(files));
        std::string lf;
        from_crlf(log_of(run), lf);
        const std::vector<std::string> got = split_lines(drop_first_line(lf));
        const std::vector<std::string> want = split_lines(drop_first_line(run_cli(cli, cli_files(files))));
        check_eq(got.size(), want.size(), "as many lines as the CLI's log");
        const std::string failed = "Failed: " + bad + ": ";
        size_t failed_lines = 0;
        for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
            if (want[i].rfind(failed, 0) == 0) {
                // The reason is the decoder's own words: foobar2000's exception_io_data.
                ++failed_lines;
                const std::string reason = exception_io_data::g_what();
                check(got[i].rfind(failed, 0) == 0 && got[i].size() >= reason.size() &&
                          got[i].compare(got[i].size() - reason.size(), reason.size(), reason) == 0,
                      "the failed file's line: " + got[i]);
            } else {
                check_eq(got[i], want[i], "log line " + std::to_string(i + 2));
            }
        }
        check_eq(failed_lines, static_cast<size_t>(1), "the failed file is listed once");
        check(std::find(run.console.begin(), run.console.end(), "MacinMeter: 1 of 3 tracks could not be measured") !=
                  run.console.end(),
              "the console says 1 of 3 tracks failed");
    }

    // ---- 4. a mid-track format change fails that track ----
    {
        std::cout << "\n== A format change in the middle of a track\n";
        const std::string chained = work + "/chained.wav";
        write_wav(chained, {{0.5, 4.0}});
        InputQuirks quirks;
        quirks.format_change_at = 88200;  // 2 s in, the sample rate doubles
        set_input_quirks(chained, quirks);
        const Run run = run_command(menu, menu.measure_and_tag, handles_of({wav_paths[0], chained}));
        clear_input_quirks();
        std::string lf;
        from_crlf(log_of(run), lf);
        const std::string want = "Failed: " + chained + ": the format changed at frame 88200";
        check(lf.find(want) != std::string::npos, "the log says: " + want);
        check_eq(run.tags.size(), static_cast<size_t>(1), "only the measured track gets tags");
        if (run.tags.size() == 1) check_eq(run.tags[0].path, "file://" + wav_paths[0], "the measured track is tagged");
    }

    // ---- 5. subsong ranges: each handle measures its own range only ----
    {
        std::cout << "\n== Two subsongs of one file\n";
        // Every window's peak is the spike (32767/32768); a sine of amplitude A reads RMS A
        // (ALGORITHM's factor 2), so DR = 20 log10(1 / A): part A (A = 0.25) 12.04 -> DR12,
        // part B (0.5) 6.02 -> DR6.
        const std::string whole = work + "/two-parts.wav", a = work + "/part-a.wav", b = work + "/part-b.wav";
        write_wav(whole, {{0.25, 9.0}, {0.5, 9.0}});
        write_wav(a, {{0.25, 9.0}}, {{"INAM", "Part A"}, {"IPRT", "1"}});
        write_wav(b, {{0.5, 9.0}}, {{"INAM", "Part B"}, {"IPRT", "2"}});
        InputQuirks quirks;
        quirks.ranges[1] = {0, 9 * 44100};
        quirks.ranges[2] = {9 * 44100, 18 * 44100};
        quirks.titles[1] = "Part A";
        quirks.titles[2] = "Part B";
        set_input_quirks(whole, quirks);
        metadb_handle_list list;
        list.add_item(make_handle(whole, 1));
        list.add_item(make_handle(whole, 2));
        const Run run = run_command(menu, menu.measure_and_tag, list);
        clear_input_quirks();
        check_eq(run.tags.size(), static_cast<size_t>(2), "both subsongs are tagged");
        const std::string cli_a = run_cli(cli, cli_files({a})), cli_b = run_cli(cli, cli_files({b}));
        for (const TagUpdate& u : run.tags) {
            const bool first = u.subsong == 1;
            check_eq(tag_value(u, "dynamic range"), first ? 12 : 6,
                     "subsong " + std::to_string(u.subsong) + ": DR by hand");
            check_eq(tag_value(u, "dynamic range"), album_dr_of(first ? cli_a : cli_b),
                     "subsong " + std::to_string(u.subsong) + ": DR = the CLI's for that range alone");
        }
        std::string lf;
        from_crlf(log_of(run), lf);
        check(lf.find("DR12") != std::string::npos && lf.find("DR6 ") != std::string::npos,
              "the log has a row for each range");
        check_eq(drop_first_line(lf), drop_first_line(run_cli(cli, cli_files({a, b}))),
                 "the log equals the CLI's for the two ranges as files of their own");
        check(lf.find("0:09 01-Part A") != std::string::npos && lf.find("0:09 02-Part B") != std::string::npos &&
                  lf.find("0:18") == std::string::npos,
              "each row lasts its range's 9 s, none the file's 18 s");
    }

    // ---- 6. Abort from the progress dialog ----
    {
        std::cout << "\n== Abort\n";
        std::vector<std::string> longs;
        for (int i = 0; i < 4; ++i) {
            longs.push_back(work + "/long-" + std::to_string(i) + ".wav");
            write_wav(longs.back(), {{0.3, i == 0 ? 3.0 : 40.0}});
            InputQuirks quirks;
            quirks.parallel_reads_slow = true;  // one track at a time: the count is predictable
            set_input_quirks(longs.back(), quirks);
        }
        // Abort as soon as the dialog shows a finished track.
        set_abort_trigger([](size_t progress) { return progress > 0; });
        Run run = run_command(menu, menu.measure_and_tag, handles_of(longs));
        check(run.aborted, "on_done hears that the job was aborted");
        check(run.tags.empty(), "an aborted job writes no tags");
        check(run.popups.empty() && log_of(run).empty(), "an aborted job shows no log");
        bool line_ok = false;
        for (const auto& line : run.console) {
            unsigned done = 99, total = 0;
            if (sscanf(line.c_str(), "MacinMeter: cancelled after %u of %u tracks", &done, &total) == 2)
                line_ok = total == 4 && done >= 1 && done < 4 &&
                          line == "MacinMeter: cancelled after " + std::to_string(done) + " of 4 tracks";
        }
        check(line_ok, "the console says \"MacinMeter: cancelled after N of 4 tracks\" with 1 <= N < 4");
        for (const auto& line : run.console) std::cout << "  console: " << line << "\n";

        // Abort before any track: pressed at the first progress report.
        set_abort_trigger([](size_t) { return true; });
        run = run_command(menu, menu.measure, handles_of(longs));
        check(run.aborted, "aborted at once");
        check(run.console.size() == 1 && run.console[0] == "MacinMeter: cancelled after 0 of 4 tracks",
              "the console says \"MacinMeter: cancelled after 0 of 4 tracks\"");
        set_abort_trigger(nullptr);
        clear_input_quirks();
    }

    // ---- 7. the per-channel-columns option ----
    {
        std::cout << "\n== Per-channel columns for stereo (Advanced Preferences)\n";
        if (columns.is_valid()) {
            columns->set_state(true);
            check(columns->get_state(), "the checkbox can be switched on");
            const std::vector<std::string> stereo = {wav_paths[0], wav_paths[1]};
            const Run run = run_command(menu, menu.measure, handles_of(stereo));
            columns->set_state(false);
            std::string lf;
            from_crlf(log_of(run), lf);
            const std::string cli_log = run_cli(cli, "--channel-columns " + cli_files(stereo));
            check(!cli_log.empty(), "the CLI's --channel-columns log");
            check_eq(drop_first_line(lf), drop_first_line(cli_log),
                     "with the option on, the log equals the CLI's --channel-columns log");
            std::string off;
            from_crlf(log_of(run_command(menu, menu.measure, handles_of(stereo))), off);
            check(lf != off && drop_first_line(off) == drop_first_line(run_cli(cli, cli_files(stereo))),
                  "switched off again, the log is the CLI's without channel columns");
        }
    }

    // ---- 8. one track: DR Meter's section layout too ----
    {
        std::cout << "\n== One track\n";
        const Run run = run_command(menu, menu.measure, handles_of({wav_paths[0]}));
        std::string lf;
        check(from_crlf(log_of(run), lf), "every line of the one-track log ends with CRLF");
        check(lf.find("Official DR value:") != std::string::npos, "the one-track log is a section (Official DR value)");
        check_eq(drop_first_line(lf), drop_first_line(run_cli(cli, cli_files({wav_paths[0]}))),
                 "the one-track log equals the CLI's after line 1");
    }

    client->services_init(false);
    std::cout << "\n" << (g_failures == 0 ? "all host checks passed" : std::to_string(g_failures) + " host checks FAILED")
              << "\n";
    // The component stays loaded (foobar2000 unloads components only at exit).
    std::fflush(stdout);
    _exit(g_failures == 0 ? 0 : 1);
}
