// core_services.cpp - the core services of the test host (see core_services.h).
#include "core_services.h"

#include <SDK/coreversion.h>
#include <SDK/configStore.h>
#include <SDK/main_thread_callback.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "wav_reader.h"

namespace fb2k_host {

const char* const kCoreVersion = "foobar2000 v2.99.7 (fb2k-host)";

// What the host's input reads about a file: the info of one subsong (or throws).
void read_info(const std::string& native, uint32_t subsong, file_info& info, t_filestats& stats);

// ---- main thread ----------------------------------------------------------------------
namespace {
std::thread::id g_main_thread;
std::mutex g_queue_lock;
std::condition_variable g_queue_cv;
std::deque<std::function<void()>> g_queue;

Recorded g_recorded;
std::mutex g_trigger_lock;
std::function<bool(size_t)> g_abort_trigger;

std::mutex g_quirks_lock;
std::map<std::string, InputQuirks> g_quirks;

InputQuirks quirks_for(const std::string& native_path) {
    std::lock_guard<std::mutex> guard(g_quirks_lock);
    const auto it = g_quirks.find(native_path);
    return it == g_quirks.end() ? InputQuirks{} : it->second;
}

std::string native_of(const char* path) {
    pfc::string8 native;
    if (!foobar2000_io::extract_native_path(path, native)) throw exception_io_not_found();
    return native.c_str();
}
}  // namespace

void set_main_thread() { g_main_thread = std::this_thread::get_id(); }
bool on_main_thread() { return std::this_thread::get_id() == g_main_thread; }

void post_to_main(std::function<void()> work) {
    {
        std::lock_guard<std::mutex> guard(g_queue_lock);
        g_queue.push_back(std::move(work));
    }
    g_queue_cv.notify_all();
}

bool pump_main_until(const std::function<bool()>& done, double timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (!done()) {
        std::function<void()> work;
        {
            std::unique_lock<std::mutex> guard(g_queue_lock);
            if (!g_queue_cv.wait_until(guard, deadline, [] { return !g_queue.empty(); })) return done();
            work = std::move(g_queue.front());
            g_queue.pop_front();
        }
        work();
    }
    return true;
}

Recorded& recorded() { return g_recorded; }

void set_abort_trigger(std::function<bool(size_t)> trigger) {
    std::lock_guard<std::mutex> guard(g_trigger_lock);
    g_abort_trigger = std::move(trigger);
}

void set_input_quirks(const std::string& native_path, const InputQuirks& quirks) {
    std::lock_guard<std::mutex> guard(g_quirks_lock);
    g_quirks[native_path] = quirks;
}
void clear_input_quirks() {
    std::lock_guard<std::mutex> guard(g_quirks_lock);
    g_quirks.clear();
}

// ---- service registry (foobar2000_api) ------------------------------------------------
namespace {
struct ServiceClass {
    GUID guid;
    std::vector<service_factory_base*> factories;
};

class HostApi : public foobar2000_api {
public:
    void add_list(service_factory_base* list) {
        std::lock_guard<std::mutex> guard(lock_);
        for (service_factory_base* f = list; f != nullptr; f = f->__internal__next) {
            ServiceClass& c = classes_[f->get_class_guid()];
            c.guid = f->get_class_guid();
            c.factories.push_back(f);
        }
    }

    service_class_ref service_enum_find_class(const GUID& guid) override {
        std::lock_guard<std::mutex> guard(lock_);
        ServiceClass& c = classes_[guid];  // an empty class for a GUID nobody registered
        c.guid = guid;
        return &c;
    }
    bool service_enum_create(service_ptr_t<service_base>& out, service_class_ref cls, t_size index) override {
        const auto* c = static_cast<const ServiceClass*>(cls);
        if (c == nullptr || index >= c->factories.size()) return false;
        c->factories[index]->instance_create(out);
        return true;
    }
    t_size service_enum_get_count(service_class_ref cls) override {
        const auto* c = static_cast<const ServiceClass*>(cls);
        return c == nullptr ? 0 : c->factories.size();
    }
    fb2k::hwnd_t get_main_window() override { return nullptr; }
    bool assert_main_thread() override { return on_main_thread(); }
    bool is_main_thread() override { return on_main_thread(); }
    bool is_shutting_down() override { return false; }
    const char* get_profile_path() override { return "file:///nonexistent-fb2k-host-profile"; }
    bool is_initializing() override { return false; }
    bool is_portable_mode_enabled() override { return false; }
    bool is_quiet_mode_enabled() override { return false; }

private:
    struct GuidLess {
        bool operator()(const GUID& a, const GUID& b) const { return memcmp(&a, &b, sizeof(GUID)) < 0; }
    };
    std::mutex lock_;
    std::map<GUID, ServiceClass, GuidLess> classes_;  // node-based: the pointers stay valid
};

HostApi g_api;
}  // namespace

foobar2000_api* host_api() { return &g_api; }
void add_component_services(service_factory_base* list) { g_api.add_list(list); }

// ---- console ---------------------------------------------------------------------------
namespace {
class HostConsole : public console_receiver {
public:
    void print(const char* message, t_size length) override {
        std::lock_guard<std::mutex> guard(g_recorded.lock);
        g_recorded.console.emplace_back(message, length == SIZE_MAX ? strlen(message) : strnlen(message, length));
    }
};
FB2K_SERVICE_FACTORY(HostConsole);

class HostPopup : public popup_message {
public:
    void show_ex(const char* msg, size_t msg_length, const char* title, size_t title_length, t_icon) override {
        std::lock_guard<std::mutex> guard(g_recorded.lock);
        g_recorded.popups.emplace_back(std::string(title, strnlen(title, title_length)),
                                       std::string(msg, strnlen(msg, msg_length)));
    }
};
FB2K_SERVICE_FACTORY(HostPopup);

class HostCoreVersion : public core_version_info {
public:
    const char* get_version_string() override { return kCoreVersion; }
};
FB2K_SERVICE_FACTORY(HostCoreVersion);

class HostMainThreadCallbacks : public main_thread_callback_manager {
public:
    void add_callback(service_ptr_t<main_thread_callback> callback) override {
        post_to_main([callback] { callback->callback_run(); });
    }
};
FB2K_SERVICE_FACTORY(HostMainThreadCallbacks);

// ---- configuration (advconfig's storage) -----------------------------------------------
// Integers, floats and strings in memory; blobs and domain listings are not used by the
// component and throw pfc::exception_not_implemented.
class HostConfigStore : public fb2k::configStore {
public:
    fb2k::objRef acquireTransactionScope() override { return nullptr; }
    void commitBlocking() override {}
    int64_t getConfigInt(const char* name, int64_t def) override {
        std::lock_guard<std::mutex> guard(lock_);
        const auto it = ints_.find(name);
        return it == ints_.end() ? def : it->second;
    }
    void setConfigInt(const char* name, int64_t val) override {
        std::lock_guard<std::mutex> guard(lock_);
        ints_[name] = val;
    }
    void deleteConfigInt(const char* name) override {
        std::lock_guard<std::mutex> guard(lock_);
        ints_.erase(name);
    }
    fb2k::stringRef getConfigString(const char* name, fb2k::stringRef def) override {
        std::lock_guard<std::mutex> guard(lock_);
        const auto it = strings_.find(name);
        return it == strings_.end() ? def : fb2k::makeString(it->second.c_str());
    }
    void setConfigString(const char* name, const char* value) override {
        std::lock_guard<std::mutex> guard(lock_);
        strings_[name] = value;
    }
    void deleteConfigString(const char* name) override {
        std::lock_guard<std::mutex> guard(lock_);
        strings_.erase(name);
    }
    fb2k::memBlockRef getConfigBlob(const char*, fb2k::memBlockRef) override { throw pfc::exception_not_implemented(); }
    void setConfigBlob(const char*, const void*, size_t) override { throw pfc::exception_not_implemented(); }
    void setConfigBlob(const char*, fb2k::memBlockRef) override { throw pfc::exception_not_implemented(); }
    void deleteConfigBlob(const char*) override { throw pfc::exception_not_implemented(); }
    double getConfigFloat(const char* name, double def) override {
        std::lock_guard<std::mutex> guard(lock_);
        const auto it = floats_.find(name);
        return it == floats_.end() ? def : it->second;
    }
    void setConfigFloat(const char* name, double val) override {
        std::lock_guard<std::mutex> guard(lock_);
        floats_[name] = val;
    }
    void deleteConfigFloat(const char* name) override {
        std::lock_guard<std::mutex> guard(lock_);
        floats_.erase(name);
    }
    void addNotify(const char*, fb2k::configStoreNotify*) override {}
    void removeNotify(const char*, fb2k::configStoreNotify*) override {}
    fb2k::arrayRef listDomainValues(const char*, bool) override { throw pfc::exception_not_implemented(); }
    void callNotify(const char*) override {}

private:
    std::mutex lock_;
    std::map<std::string, int64_t> ints_;
    std::map<std::string, double> floats_;
    std::map<std::string, std::string> strings_;
};
FB2K_SERVICE_FACTORY(HostConfigStore);

// ---- threaded_process: the progress dialog --------------------------------------------
class HostStatus : public threaded_process_status {
public:
    explicit HostStatus(abort_callback_impl& abort) : abort_(abort) {}
    void set_progress(t_size state) override {
        std::function<bool(size_t)> trigger;
        {
            std::lock_guard<std::mutex> guard(g_trigger_lock);
            trigger = g_abort_trigger;
        }
        {
            std::lock_guard<std::mutex> guard(g_recorded.lock);
            ++g_recorded.progress_calls;
        }
        if (trigger && trigger(state)) abort_.abort();  // the user presses Abort
    }

private:
    abort_callback_impl& abort_;
};

struct Job {
    service_ptr_t<threaded_process_callback> callback;
    abort_callback_impl abort;
    HostStatus status{abort};
    std::atomic<bool> finished{false};
};

// run() on a worker thread; on_init before and on_done after it on the main thread, with
// was_aborted = whether Abort was pressed.
std::shared_ptr<Job> start_job(service_ptr_t<threaded_process_callback> callback, const char* title, size_t title_len) {
    auto job = std::make_shared<Job>();
    job->callback = callback;
    {
        std::lock_guard<std::mutex> guard(g_recorded.lock);
        ++g_recorded.jobs_started;
        g_recorded.job_titles.emplace_back(title, strnlen(title, title_len));
    }
    callback->on_init(nullptr);
    std::thread([job] {
        try {
            job->callback->run(job->status, job->abort);
        } catch (const std::exception& e) {
            // threaded_process.h: run() may throw; the dialog ends as if aborted.
            std::lock_guard<std::mutex> guard(g_recorded.lock);
            g_recorded.console.push_back(std::string("fb2k-host: threaded_process callback threw: ") + e.what());
        }
        post_to_main([job] {
            const bool aborted = job->abort.is_aborting();
            job->callback->on_done(nullptr, aborted);
            job->callback.release();
            std::lock_guard<std::mutex> guard(g_recorded.lock);
            ++g_recorded.jobs_done;
            g_recorded.job_aborted.push_back(aborted);
            job->finished = true;
        });
    }).detach();
    return job;
}

class HostThreadedProcess : public threaded_process {
public:
    bool run_modal(service_ptr_t<threaded_process_callback> callback, unsigned, fb2k::hwnd_t, const char* title,
                   t_size title_len) override {
        auto job = start_job(callback, title, title_len);
        pump_main_until([job] { return job->finished.load(); }, 600);
        return !job->abort.is_aborting();
    }
    bool run_modeless(service_ptr_t<threaded_process_callback> callback, unsigned, fb2k::hwnd_t, const char* title,
                      t_size title_len) override {
        start_job(callback, title, title_len);
        return true;
    }
};
FB2K_SERVICE_FACTORY(HostThreadedProcess);

// ---- metadb handles --------------------------------------------------------------------
class HostInfo : public metadb_info_container {
public:
    HostInfo(const file_info& info, const t_filestats& stats) : stats_(stats) { info_.copy(info); }
    file_info const& info() override { return info_; }
    t_filestats const& stats() override { return stats_; }
    bool isInfoPartial() override { return false; }

private:
    file_info_impl info_;
    t_filestats stats_;
};

class HostHandle : public metadb_handle {
public:
    HostHandle(const char* path, uint32_t subsong) : location_(path, subsong) {}

    void set_info(const file_info& info, const t_filestats& stats) {
        auto next = fb2k::service_new<HostInfo>(info, stats);
        std::lock_guard<std::mutex> guard(lock_);
        info_ = next;
    }

    const playable_location& get_location() const override { return location_; }
    bool format_title(titleformat_hook*, pfc::string_base&, const service_ptr_t<titleformat_object>&,
                      titleformat_text_filter*) override {
        throw pfc::exception_not_implemented();  // no title formatting in the host
    }
    void metadb_lock() override {}
    void metadb_unlock() override {}
    t_filestats get_filestats() const override { return get_info_ref()->stats(); }
    bool is_info_loaded() const override { return true; }
    bool get_info(file_info& out) const override {
        out.copy(get_info_ref()->info());
        return true;
    }
    bool get_info_locked(const file_info*&) const override { throw pfc::exception_not_implemented(); }
    bool is_info_loaded_async() const override { return true; }
    bool get_info_async(file_info& out) const override { return get_info(out); }
    bool get_info_async_locked(const file_info*&) const override { throw pfc::exception_not_implemented(); }
    void format_title_from_external_info(const file_info&, titleformat_hook*, pfc::string_base&,
                                         const service_ptr_t<titleformat_object>&, titleformat_text_filter*) override {
        throw pfc::exception_not_implemented();
    }
    bool format_title_nonlocking(titleformat_hook*, pfc::string_base&, const service_ptr_t<titleformat_object>&,
                                 titleformat_text_filter*) override {
        throw pfc::exception_not_implemented();
    }
    void format_title_from_external_info_nonlocking(const file_info&, titleformat_hook*, pfc::string_base&,
                                                    const service_ptr_t<titleformat_object>&,
                                                    titleformat_text_filter*) override {
        throw pfc::exception_not_implemented();
    }
    bool get_browse_info(file_info&, t_filetimestamp&) const override { return false; }
    bool get_browse_info_locked(const file_info*&, t_filetimestamp&) const override { return false; }
    bool get_info_ref(metadb_info_container::ptr& out) const override {
        out = get_info_ref();
        return true;
    }
    bool get_async_info_ref(metadb_info_container::ptr& out) const override { return get_info_ref(out); }
    void get_browse_info_ref(metadb_info_container::ptr& out, metadb_info_container::ptr& browse) const override {
        out = get_info_ref();
        browse.release();
    }
    metadb_info_container::ptr get_info_ref() const override {
        std::lock_guard<std::mutex> guard(lock_);
        return info_;
    }
    metadb_info_container::ptr get_async_info_ref() const override { return get_info_ref(); }

private:
    const playable_location_impl location_;
    mutable std::mutex lock_;
    metadb_info_container::ptr info_;
};
}  // namespace

metadb_handle_ptr make_handle(const std::string& native_path, uint32_t subsong) {
    const std::string path = "file://" + native_path;
    auto handle = fb2k::service_new<HostHandle>(path.c_str(), subsong);
    file_info_impl info;
    t_filestats stats;
    try {
        read_info(native_path, subsong, info, stats);
    } catch (const std::exception&) {
        // An unreadable file: foobar2000 keeps a handle with blank info.
        stats = filestats_invalid;
    }
    handle->set_info(info, stats);
    return handle;
}

// ---- metadb_io: tag updates ----------------------------------------------------------------
namespace {
// Meta field names are case-insensitive in foobar2000 (file_info.h): recorded lowercased.
std::string lowercase(const char* name) {
    std::string out(name);
    for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    return out;
}

// update_info_async runs the filter over each track's current info on the main thread (as
// foobar2000's tag writer does after reading the files), records what would be written,
// stores it as the handle's new info, then calls the completion notify.
class HostMetadbIo : public metadb_io_v2 {
public:
    void update_info_async(metadb_handle_list_cref list, service_ptr_t<file_info_filter> filter, fb2k::hwnd_t,
                           t_uint32, completion_notify_ptr notify) override {
        metadb_handle_list tracks(list);
        post_to_main([tracks, filter, notify] {
            for (size_t i = 0; i < tracks.get_count(); ++i) {
                const metadb_handle_ptr& track = tracks[i];
                metadb_info_container::ptr before = track->get_info_ref();
                file_info_impl info;
                info.copy(before->info());
                if (!filter->apply_filter(track, before->stats(), info)) continue;
                TagUpdate update;
                update.path = track->get_path();
                update.subsong = track->get_subsong_index();
                for (size_t f = 0; f < info.meta_get_count(); ++f)
                    update.meta[lowercase(info.meta_enum_name(f))] = info.meta_enum_value(f, 0);
                for (size_t f = 0; f < before->info().meta_get_count(); ++f) {
                    const char* name = before->info().meta_enum_name(f);
                    if (info.meta_find(name) == SIZE_MAX) update.removed.push_back(lowercase(name));
                }
                static_cast<HostHandle*>(track.get_ptr())->set_info(info, before->stats());
                std::lock_guard<std::mutex> guard(g_recorded.lock);
                g_recorded.tag_updates.push_back(std::move(update));
            }
            if (notify.is_valid()) notify->on_completion(update_info_success);
            std::lock_guard<std::mutex> guard(g_recorded.lock);
            ++g_recorded.tag_ops_done;
        });
    }

    // Not used by the component.
    bool is_busy() override { return false; }
    bool is_updating_disabled() override { return false; }
    bool is_file_updating_blocked() override { return false; }
    void highlight_running_process() override {}
    t_load_info_state load_info_multi(metadb_handle_list_cref, t_load_info_type, fb2k::hwnd_t, bool) override {
        throw pfc::exception_not_implemented();
    }
    t_update_info_state update_info_multi(metadb_handle_list_cref, const pfc::list_base_const_t<file_info*>&,
                                          fb2k::hwnd_t, bool) override {
        throw pfc::exception_not_implemented();
    }
    t_update_info_state rewrite_info_multi(metadb_handle_list_cref, fb2k::hwnd_t, bool) override {
        throw pfc::exception_not_implemented();
    }
    t_update_info_state remove_info_multi(metadb_handle_list_cref, fb2k::hwnd_t, bool) override {
        throw pfc::exception_not_implemented();
    }
    void hint_multi(metadb_handle_list_cref, const pfc::list_base_const_t<const file_info*>&,
                    const pfc::list_base_const_t<t_filestats>&, const bit_array&) override {
        throw pfc::exception_not_implemented();
    }
    void hint_multi_async(metadb_handle_list_cref, const pfc::list_base_const_t<const file_info*>&,
                          const pfc::list_base_const_t<t_filestats>&, const bit_array&) override {
        throw pfc::exception_not_implemented();
    }
    void hint_reader(service_ptr_t<input_info_reader>, const char*, abort_callback&) override {
        throw pfc::exception_not_implemented();
    }
    void path_to_handles_simple(const char*, metadb_handle_list_ref) override { throw pfc::exception_not_implemented(); }
    void dispatch_refresh(metadb_handle_list_cref) override {}
    void load_info_async(metadb_handle_list_cref, t_load_info_type, fb2k::hwnd_t, t_uint32, completion_notify_ptr) override {
        throw pfc::exception_not_implemented();
    }
    void rewrite_info_async(metadb_handle_list_cref, fb2k::hwnd_t, t_uint32, completion_notify_ptr) override {
        throw pfc::exception_not_implemented();
    }
    void remove_info_async(metadb_handle_list_cref, fb2k::hwnd_t, t_uint32, completion_notify_ptr) override {
        throw pfc::exception_not_implemented();
    }
    metadb_hint_list::ptr create_hint_list() override { throw pfc::exception_not_implemented(); }
};
FB2K_SERVICE_FACTORY(HostMetadbIo);

// ---- the input: WAV files ---------------------------------------------------------------
// The frame range a subsong covers.
std::pair<uint64_t, uint64_t> range_of(const InputQuirks& quirks, uint32_t subsong, uint64_t frames) {
    const auto it = quirks.ranges.find(subsong);
    if (it != quirks.ranges.end()) {
        if (it->second.first > it->second.second || it->second.second > frames) throw exception_io_bad_subsong_index();
        return it->second;
    }
    if (subsong != 0) throw exception_io_bad_subsong_index();
    return {0, frames};
}

// RIFF INFO ids -> foobar2000 meta field names.
const char* meta_name(const std::string& id) {
    if (id == "IART") return "artist";
    if (id == "INAM") return "title";
    if (id == "IPRD") return "album";
    if (id == "IPRT" || id == "ITRK") return "tracknumber";
    if (id == "ICRD") return "date";
    if (id == "IGNR") return "genre";
    return nullptr;
}

}  // namespace

void read_info(const std::string& native, uint32_t subsong, file_info& info, t_filestats& stats) {
    WavReader wav(native);
    const WavFormat& f = wav.format();
    const InputQuirks quirks = quirks_for(native);
    const auto range = range_of(quirks, subsong, f.frames);
    info.reset();
    info.set_length(static_cast<double>(range.second - range.first) / f.sample_rate);
    info.info_set_int("samplerate", f.sample_rate);
    info.info_set_int("channels", f.channels);
    info.info_set_int("bitspersample", f.bits);
    // foobar2000's WAV input names float data apart (the real DR Meter logs of the float
    // conformance files show it, localised: "PCM (浮点)").
    info.info_set("codec", f.is_float ? "PCM (floating-point)" : "PCM");
    info.info_set("encoding", "lossless");
    // PCM's bitrate: rate * bits * channels, in kbps (what foobar2000 shows for WAV).
    info.info_set_bitrate((static_cast<t_int64>(f.sample_rate) * f.bits * f.channels + 500) / 1000);
    for (const auto& tag : wav.info_tags()) {
        const char* name = meta_name(tag.first);
        if (name != nullptr && !tag.second.empty()) info.meta_add(name, tag.second.c_str());
    }
    const auto title = quirks.titles.find(subsong);
    if (title != quirks.titles.end()) {
        info.meta_set("title", title->second.c_str());
        info.meta_set("tracknumber", std::to_string(subsong).c_str());
    }
    FILE* file = fopen(native.c_str(), "rb");
    stats = filestats_invalid;
    if (file != nullptr) {
        fseek(file, 0, SEEK_END);
        stats.m_size = static_cast<t_filesize>(ftell(file));
        fclose(file);
    }
}

namespace {
class HostWavDecoder : public input_decoder {
public:
    explicit HostWavDecoder(const std::string& native) : native_(native), wav_(native), quirks_(quirks_for(native)) {}

    t_uint32 get_subsong_count() override { return quirks_.ranges.empty() ? 1 : static_cast<t_uint32>(quirks_.ranges.size()); }
    t_uint32 get_subsong(t_uint32 index) override {
        if (quirks_.ranges.empty()) return 0;
        auto it = quirks_.ranges.begin();
        std::advance(it, index);
        return it->first;
    }
    void get_info(t_uint32 subsong, file_info& info, abort_callback&) override {
        t_filestats stats;
        read_info(native_, subsong, info, stats);
    }
    t_filestats get_file_stats(abort_callback&) override {
        file_info_impl info;
        t_filestats stats;
        read_info(native_, 0, info, stats);
        return stats;
    }
    void initialize(t_uint32 subsong, unsigned, abort_callback& abort) override {
        abort.check();
        const auto range = range_of(quirks_, subsong, wav_.format().frames);
        position_ = range.first;
        end_ = range.second;
        wav_.seek_frame(position_);
    }
    // Chunks of up to 4096 frames; from quirks_.format_change_at on, the sample rate doubles.
    bool run(audio_chunk& chunk, abort_callback& abort) override {
        abort.check();
        if (position_ >= end_) return false;
        uint64_t want = std::min<uint64_t>(4096, end_ - position_);
        if (position_ < quirks_.format_change_at) want = std::min<uint64_t>(want, quirks_.format_change_at - position_);
        const size_t got = wav_.read(samples_, static_cast<size_t>(want));
        if (got == 0) throw exception_io_data_truncation();
        const WavFormat& f = wav_.format();
        const unsigned rate = position_ >= quirks_.format_change_at ? f.sample_rate * 2 : f.sample_rate;
        const unsigned config = f.channel_mask != 0 ? f.channel_mask : audio_chunk::g_guess_channel_config(f.channels);
        chunk.set_data(samples_.data(), got, f.channels, rate, config);
        position_ += got;
        return true;
    }
    void seek(double, abort_callback&) override { throw exception_io_object_not_seekable(); }
    bool can_seek() override { return false; }
    bool get_dynamic_info(file_info&, double&) override { return false; }
    bool get_dynamic_info_track(file_info&, double&) override { return false; }
    void on_idle(abort_callback&) override {}

private:
    const std::string native_;
    WavReader wav_;
    const InputQuirks quirks_;
    uint64_t position_ = 0, end_ = 0;
    std::vector<double> samples_;
};

// input_manager opens a decoder for a path: here, the WAV input for file:// paths. A file it
// cannot read fails as foobar2000's inputs do: exception_io_data.
class HostInputManager : public input_manager_v3 {
public:
    service_ptr open(const GUID& what, file::ptr, const char* path, bool, abort_callback& abort, GUID*) override {
        abort.check();
        if (what != input_decoder::class_guid && what != input_info_reader::class_guid)
            throw exception_io_unsupported_format();
        const std::string native = native_of(path);
        try {
            return fb2k::service_new<HostWavDecoder>(native);
        } catch (const std::runtime_error&) {
            throw exception_io_data();  // "Unsupported format or corrupted file"
        }
    }
    service_ptr open_v2(const GUID& what, file::ptr hint, const char* path, bool redirect, event_logger::ptr,
                        abort_callback& abort, GUID* used) override {
        return open(what, hint, path, redirect, abort, used);
    }
    service_ptr open_v3(const GUID& what, file::ptr hint, const char* path, uint32_t, event_logger::ptr,
                        abort_callback& abort, GUID* used) override {
        return open(what, hint, path, false, abort, used);
    }
    void get_enabled_inputs(pfc::list_base_t<input_entry::ptr>&) override {}
    uint32_t flags_for_path(const char* path, uint32_t mask) override {
        pfc::string8 native;
        if (!foobar2000_io::extract_native_path(path, native)) return 0;
        return quirks_for(native.c_str()).parallel_reads_slow ? (input_entry::flag_parallel_reads_slow & mask) : 0;
    }
    uint32_t flags_for_content_type(const char*, uint32_t) override { return 0; }
};
FB2K_SERVICE_FACTORY(HostInputManager);
}  // namespace

}  // namespace fb2k_host
