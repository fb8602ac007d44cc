// C++17 test of libmacinmeter's C ABI (include/macinmeter.h), built and run by tests/abi.rs:
//   g++ -std=c++17 -Wall -Wextra -Werror abi_test.cpp -lmacinmeter
//   ./abi_test <scratch dir> [--expected <CLI values file>] [--valgrind] [--only <test>]
//
// Expected values come from the rules of docs/ALGORITHM.md (DR Meter 1.0.8), worked by hand in the
// test (DC, second peak, window counts, album means) or by the small independent
// implementation of those rules below (`reference`), never from the library's own output;
// and, for the shipped WAV excerpts, from `macinmeter --format json` (the CLI, which decodes
// the files itself), whose values tests/abi.rs passes in the --expected file.
#include "macinmeter.h"

#include "decode_adapter.h"  // cpp-shim/src: the component's chunks -> read-callback adapter

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

static_assert(MM_ABI_VERSION == 2, "this test describes ABI version 2");

// ---------------------------------------------------------------------------------------------
// A tiny test harness.

static int g_failures = 0;
static int g_checks = 0;
static bool g_valgrind = false;

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        ++g_checks;                                                                                  \
        if (!(cond)) {                                                                               \
            ++g_failures;                                                                            \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);            \
        }                                                                                            \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                        \
    do {                                                                                             \
        ++g_checks;                                                                                  \
        const double a_ = (a), b_ = (b);                                                             \
        if (!(std::fabs(a_ - b_) <= (tol))) {                                                        \
            ++g_failures;                                                                            \
            std::fprintf(stderr, "%s:%d: %s = %.17g, expected %s = %.17g (tolerance %g)\n", __FILE__, \
                         __LINE__, #a, a_, #b, b_, (double)(tol));                                   \
        }                                                                                            \
    } while (0)

// A call that must succeed.
#define CHECK_OK(call)                                                                               \
    do {                                                                                             \
        ++g_checks;                                                                                  \
        const mm_status s_ = (call);                                                                 \
        if (s_ != MM_OK) {                                                                           \
            ++g_failures;                                                                            \
            std::fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #call,           \
                         mm_status_name(s_), mm_last_error());                                       \
        }                                                                                            \
    } while (0)

// Sets this thread's last error to a known message that no checked call produces, so that
// CHECK_STATUS can tell that the call under test wrote a message of its own.
static std::string arm_last_error() {
    mm_analyzer_options o = mm_analyzer_options_default();
    o.excluded_channel = -7;
    mm_analyzer* a = nullptr;
    (void)mm_analyzer_new(44100, 3, &o, &a);  // fails: channel -7
    return mm_last_error();
}

// A call that must fail with `expected` and leave a new, non-empty message.
#define CHECK_STATUS(call, expected)                                                                 \
    do {                                                                                             \
        ++g_checks;                                                                                  \
        const std::string armed_ = arm_last_error();                                                 \
        const mm_status s_ = (call);                                                                 \
        const char* m_ = mm_last_error();                                                            \
        if (s_ != (expected) || m_ == nullptr || m_[0] == '\0' || armed_ == m_) {                    \
            ++g_failures;                                                                            \
            std::fprintf(stderr, "%s:%d: %s returned %s (\"%s\"), expected %s with a message\n",      \
                         __FILE__, __LINE__, #call, mm_status_name(s_), m_ ? m_ : "(null)",          \
                         mm_status_name(expected));                                                  \
        }                                                                                            \
    } while (0)

// ---------------------------------------------------------------------------------------------
// The measurement rules (ALGORITHM.md), implemented independently of the library.

// §1: window length: trunc(rate * 3.0040816326530613) in double (44.1 kHz -> 132480 frames,
// 48 kHz -> 144195, 8 kHz -> 24032).
static uint64_t window_frames(uint32_t rate) { return (uint64_t)(rate * 3.0040816326530613); }

// §2: a positive amplitude's key in centi-dB, lround(2000 log10(x)).
static long centi_db(double x) { return std::lround(2000 * std::log10(x)); }

// §3: the power a window of histogram bin b stands for.
static double bin_power(int b) { return std::pow(10.0, (b * 0.01 - 100.0) / 10.0); }

struct RefChannel {
    double dr, dr_peak, loud_rms, peak, rms;  // unnarrowed; peak is the primary peak
    uint64_t windows;
    bool silent;
};

struct RefTrack {
    std::vector<RefChannel> channels;
    uint64_t frames, windows;
    float dr, peak;  // published
    int32_t official_dr;
    double rms;
    bool all_silent;
};

// §1-§8 over a whole interleaved track, sums in long double.
static RefTrack reference(const std::vector<double>& x, unsigned channels, uint32_t rate, int excluded = -1,
                          bool loudness = false) {
    RefTrack t{};
    const uint64_t frames = x.size() / channels;
    const uint64_t w = window_frames(rate);
    t.frames = frames;
    for (unsigned c = 0; c < channels; ++c) {
        std::vector<uint64_t> hist(10001, 0);
        double primary = 0, secondary = 0;
        long primary_key = -100000, secondary_key = -100000;
        long double rms2_sum = 0;
        uint64_t windows = 0;
        for (uint64_t start = 0; start < frames; start += w) {  // §1: every non-empty tail is a window
            const uint64_t n = std::min(w, frames - start);
            long double sum = 0;
            double wpeak = 0;
            for (uint64_t f = start; f < start + n; ++f) {
                const double v = x[f * channels + c];
                sum += (long double)v * v;
                wpeak = std::max(wpeak, std::fabs(v));
            }
            ++windows;
            const double rms2 = (double)(2.0L * sum / n);
            rms2_sum += rms2;
            if (wpeak > 0) {  // §2: strict comparisons, the earlier window wins a tie
                const long k = centi_db(wpeak);
                if (k > primary_key) {
                    secondary = primary, secondary_key = primary_key;
                    primary = wpeak, primary_key = k;
                } else if (k > secondary_key) {
                    secondary = wpeak, secondary_key = k;
                }
            }
            const double rms = std::sqrt(rms2);
            if (rms != 0) hist[std::clamp(centi_db(rms), -10000L, 0L) + 10000] += 1;
        }
        // §3: whole bins from the top until the target is reached.
        const uint64_t target = std::max<uint64_t>(1, windows / 5);
        uint64_t taken = 0;
        double power = 0;
        for (int b = 10000; b >= 0 && taken < target; --b) {
            if (hist[b] == 0) continue;
            taken += hist[b];
            power += hist[b] * bin_power(b);
        }
        RefChannel r{};
        r.loud_rms = taken ? std::sqrt(power / taken) : 0;
        // §4
        const double sel = secondary > 0 ? secondary : primary;
        if (sel > 0 && taken > 0 && r.loud_rms != 0) {
            r.dr = -20 * std::log10(r.loud_rms / sel);
            r.dr_peak = sel;
            if (r.dr < 0) {
                r.dr = std::max(-20 * std::log10(r.loud_rms / primary), 0.0);
                r.dr_peak = primary;
            }
        }
        r.silent = !(primary > 0) || taken == 0;
        r.peak = primary;
        r.rms = windows ? (double)std::sqrt(rms2_sum / windows) : 0;  // §5
        r.windows = windows;
        t.windows = windows;
        t.channels.push_back(r);
    }
    // §6: the mean over the counted channels (silent ones as 0), or weighted by channel RMS.
    double sum = 0, weight = 0;
    int counted = 0;
    for (unsigned c = 0; c < channels; ++c) {
        if ((int)c == excluded) continue;
        const RefChannel& r = t.channels[c];
        sum += loudness && channels > 2 ? r.rms * r.dr : r.dr;
        weight += r.rms;
        ++counted;
    }
    const double mean = loudness && channels > 2 ? (weight > 0 ? sum / weight : 0) : (counted ? sum / counted : 0);
    t.dr = (float)mean;
    t.official_dr = (int32_t)std::trunc((double)t.dr + 0.5);
    // §8: the row's Peak and RMS.
    double squares = 0;
    t.all_silent = true;
    for (const RefChannel& r : t.channels) {
        t.peak = std::max(t.peak, (float)r.peak);
        const float rc = (float)r.rms;
        squares += (double)(rc * rc);
        t.all_silent = t.all_silent && r.silent;
    }
    t.rms = std::sqrt(squares / channels);
    return t;
}

// §8: a published dB value: float(20 log10(x)), -inf for 0.
static float published_db(double linear) {
    return linear > 0 ? (float)(20 * std::log10(linear)) : -INFINITY;
}

// printf's "%.2f", as the logs print numbers.
static std::string fixed2(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

// Two published dB values agree: both -inf, or within 2e-5 dB (this file's log10 is the C
// library's, the library's a pure-Rust one: they may differ in the last bit).
static bool same_db(float a, float b) { return std::isinf(a) || std::isinf(b) ? a == b : std::fabs(a - b) <= 2e-5f; }

// ---------------------------------------------------------------------------------------------
// Helpers over the library.

struct ResultPtr {
    mm_result* p = nullptr;
    ResultPtr() = default;
    explicit ResultPtr(mm_result* r) : p(r) {}
    ResultPtr(const ResultPtr&) = delete;
    ResultPtr& operator=(const ResultPtr&) = delete;
    ResultPtr(ResultPtr&& o) noexcept : p(o.p) { o.p = nullptr; }
    ResultPtr& operator=(ResultPtr&& o) noexcept {
        std::swap(p, o.p);
        return *this;
    }
    ~ResultPtr() { mm_result_free(p); }
};

static mm_track_summary summary_of(const mm_result* r) {
    mm_track_summary s{};
    CHECK_OK(mm_result_summary(r, &s));
    return s;
}

static mm_channel_result channel_of(const mm_result* r, uint32_t c) {
    mm_channel_result ch{};
    CHECK_OK(mm_result_channel(r, c, &ch));
    return ch;
}

enum class Feed { F64, F32, I16 };

static std::mt19937 g_rng(20261121);

// A random chunk size in frames: mostly small and odd, sometimes 0, 1 or large.
static size_t random_chunk(size_t remaining) {
    const uint32_t pick = g_rng() % 100;
    size_t n;
    if (pick < 3) n = 0;
    else if (pick < 8) n = 1;
    else if (pick < 90) n = 1 + g_rng() % 6000;
    else n = 1 + g_rng() % 70000;
    return std::min(n, remaining);
}

// Analyses an interleaved track given as doubles (for F64/F32) or int16 (for I16) in random
// chunks through mm_analyzer_push_*.
static ResultPtr analyse(Feed feed, const std::vector<double>& xd, const std::vector<int16_t>& xi, unsigned channels,
                         uint32_t rate, int excluded = -1) {
    mm_analyzer_options options = mm_analyzer_options_default();
    options.excluded_channel = excluded;
    mm_analyzer* a = nullptr;
    CHECK_OK(mm_analyzer_new(rate, channels, &options, &a));
    if (!a) return ResultPtr();
    const size_t frames = (feed == Feed::I16 ? xi.size() : xd.size()) / channels;
    std::vector<float> scratch;
    size_t pos = 0;
    while (pos < frames) {
        const size_t n = random_chunk(frames - pos);
        switch (feed) {
            case Feed::F64: CHECK_OK(mm_analyzer_push_f64(a, xd.data() + pos * channels, n)); break;
            case Feed::I16: CHECK_OK(mm_analyzer_push_i16(a, xi.data() + pos * channels, n)); break;
            case Feed::F32:
                scratch.assign(xd.begin() + pos * channels, xd.begin() + (pos + n) * channels);
                CHECK_OK(mm_analyzer_push_f32(a, scratch.data(), n));
                break;
        }
        pos += n;
    }
    mm_result* r = nullptr;
    CHECK_OK(mm_analyzer_finish(a, &r));
    mm_analyzer_free(a);
    return ResultPtr(r);
}

// Compares a result with the reference: DR values to `tol_db`, linear values relatively,
// peaks and counts exactly.
static void check_against(const mm_result* r, const RefTrack& ref, double tol_db, const char* what) {
    const int before = g_failures;
    if (!r) {
        CHECK(!"no result");
        return;
    }
    const mm_track_summary s = summary_of(r);
    CHECK(s.channels == ref.channels.size());
    CHECK(s.frames == ref.frames);
    CHECK(s.windows == ref.windows);
    CHECK(s.all_silent == ref.all_silent);
    CHECK_NEAR(s.dr, ref.dr, tol_db);
    CHECK(s.official_dr == (int32_t)std::trunc((double)s.dr + 0.5));
    CHECK(s.official_dr == ref.official_dr);
    CHECK(s.peak == ref.peak);
    CHECK(same_db(s.peak_db, published_db(ref.peak)));
    CHECK_NEAR(s.rms, ref.rms, 1e-12 * std::max(1.0, ref.rms));
    CHECK(same_db(s.rms_db, published_db(ref.rms)));
    for (uint32_t c = 0; c < s.channels && c < ref.channels.size(); ++c) {
        const mm_channel_result ch = channel_of(r, c);
        const RefChannel& e = ref.channels[c];
        CHECK_NEAR(ch.dr_unrounded, e.dr, tol_db);
        CHECK(ch.dr == (float)ch.dr_unrounded);
        CHECK_NEAR(ch.dr_peak, e.dr_peak, 0);
        CHECK_NEAR(ch.loud_rms, e.loud_rms, 1e-12 * std::max(1.0, e.loud_rms));
        CHECK(ch.peak == (float)e.peak);
        CHECK(same_db(ch.peak_db, published_db(ch.peak)));
        CHECK(same_db(ch.rms_db, published_db(ch.rms)));
        CHECK_NEAR(ch.rms_unrounded, e.rms, 1e-12 * std::max(1.0, e.rms));
        CHECK(ch.rms == (float)ch.rms_unrounded);
        CHECK(ch.windows == e.windows);
        CHECK(ch.silent == e.silent);
    }
    if (g_failures != before) std::fprintf(stderr, "  (while checking %s)\n", what);
}

// ---------------------------------------------------------------------------------------------
// A tiny WAV writer (PCM 16-bit) and reader (PCM and float, plain and extensible).

static void put_u32(std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back((char)((v >> (8 * i)) & 0xff));
}
static void put_u16(std::string& s, uint16_t v) {
    s.push_back((char)(v & 0xff));
    s.push_back((char)(v >> 8));
}

static bool write_wav16(const std::string& path, const std::vector<int16_t>& pcm, unsigned channels, uint32_t rate) {
    std::string b = "RIFF";
    const uint32_t data_bytes = (uint32_t)(pcm.size() * 2);
    put_u32(b, 36 + data_bytes);
    b += "WAVEfmt ";
    put_u32(b, 16);
    put_u16(b, 1);  // PCM
    put_u16(b, (uint16_t)channels);
    put_u32(b, rate);
    put_u32(b, rate * channels * 2);
    put_u16(b, (uint16_t)(channels * 2));
    put_u16(b, 16);
    b += "LIST";  // a chunk the reader must skip
    put_u32(b, 5);
    b += "abcde";
    b.push_back('\0');  // pad byte of the odd-sized chunk
    b += "data";
    put_u32(b, data_bytes);
    for (int16_t v : pcm) put_u16(b, (uint16_t)v);
    std::ofstream f(path, std::ios::binary);
    f.write(b.data(), (std::streamsize)b.size());
    return (bool)f;
}

enum class WavType { U8, S16, S24, S32, F32, F64 };

struct Wav {
    unsigned channels = 0;
    uint32_t rate = 0;
    unsigned bits = 0;          // per sample as stored (8, 16, 24, 32, 64)
    WavType type = WavType::S16;
    uint32_t channel_mask = 0;  // WAVE_FORMAT_EXTENSIBLE's speaker mask, else 0
    std::vector<int16_t> pcm;   // S16
    std::vector<int32_t> ints;  // U8 as v - 128, S24 sign-extended, S32: `bits` significant bits
    std::vector<float> f32;     // F32
    std::vector<double> f64;    // F64

    bool is_float() const { return type == WavType::F32 || type == WavType::F64; }
    size_t samples() const { return pcm.size() + ints.size() + f32.size() + f64.size(); }
    size_t frames() const { return channels ? samples() / channels : 0; }
    // Every sample at full scale 1.0. Exact for every type: an integer of at most 32 bits
    // divided by a power of two, or a float, is a double without rounding.
    std::vector<double> as_double() const {
        std::vector<double> d;
        d.reserve(samples());
        for (int16_t v : pcm) d.push_back(v / 32768.0);
        const double scale = std::ldexp(1.0, -(int)(bits - 1));
        for (int32_t v : ints) d.push_back(v * scale);
        for (float v : f32) d.push_back(v);
        for (double v : f64) d.push_back(v);
        return d;
    }
};

static uint32_t get_u32(const unsigned char* p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t get_u16(const unsigned char* p) { return (uint16_t)(p[0] | p[1] << 8); }

// Reads a little-endian RIFF WAVE file: PCM (format tag 1: unsigned 8-bit, signed 16, 24 and
// 32-bit) or IEEE float (tag 3: 32 and 64-bit), either also as WAVE_FORMAT_EXTENSIBLE (tag
// 0xFFFE, whose sub-format GUID holds the tag in its first two bytes). Chunks it does not
// know (LIST, fact, ...) are skipped. False for anything else, including an extensible file
// whose valid bits are fewer than its container's.
static bool read_wav(const std::string& path, Wav& out) {
    out = Wav();
    std::ifstream f(path, std::ios::binary);
    std::vector<unsigned char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (b.size() < 12 || std::memcmp(b.data(), "RIFF", 4) != 0 || std::memcmp(b.data() + 8, "WAVE", 4) != 0)
        return false;
    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT after their first two bytes (the format tag).
    static const unsigned char kGuidTail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    size_t pos = 12;
    bool have_fmt = false;
    while (pos + 8 <= b.size()) {
        const uint32_t size = get_u32(&b[pos + 4]);
        const size_t body = pos + 8;
        if (body + size > b.size()) return false;
        if (std::memcmp(&b[pos], "fmt ", 4) == 0 && size >= 16) {
            uint16_t tag = get_u16(&b[body]);
            out.channels = get_u16(&b[body + 2]);
            out.rate = get_u32(&b[body + 4]);
            const uint16_t block_align = get_u16(&b[body + 12]);
            out.bits = get_u16(&b[body + 14]);
            if (tag == 0xFFFE) {
                if (size < 40 || get_u16(&b[body + 16]) < 22) return false;
                if (get_u16(&b[body + 18]) != out.bits) return false;  // valid bits < container
                out.channel_mask = get_u32(&b[body + 20]);
                if (std::memcmp(&b[body + 26], kGuidTail, sizeof kGuidTail) != 0) return false;
                tag = get_u16(&b[body + 24]);
            }
            if (tag == 1 && out.bits == 8) out.type = WavType::U8;
            else if (tag == 1 && out.bits == 16) out.type = WavType::S16;
            else if (tag == 1 && out.bits == 24) out.type = WavType::S24;
            else if (tag == 1 && out.bits == 32) out.type = WavType::S32;
            else if (tag == 3 && out.bits == 32) out.type = WavType::F32;
            else if (tag == 3 && out.bits == 64) out.type = WavType::F64;
            else return false;
            have_fmt = out.channels > 0 && out.rate > 0 && block_align == out.channels * out.bits / 8;
        } else if (std::memcmp(&b[pos], "data", 4) == 0 && have_fmt) {
            const size_t width = out.bits / 8;
            const size_t n = size / (width * out.channels) * out.channels;  // whole frames
            const unsigned char* p = &b[body];
            for (size_t i = 0; i < n; ++i, p += width) {
                switch (out.type) {
                    case WavType::U8: out.ints.push_back((int32_t)p[0] - 128); break;
                    case WavType::S16: out.pcm.push_back((int16_t)get_u16(p)); break;
                    case WavType::S24: {
                        const uint32_t u = p[0] | p[1] << 8 | (uint32_t)p[2] << 16;
                        out.ints.push_back((int32_t)(u ^ 0x800000u) - 0x800000);  // sign-extend
                        break;
                    }
                    case WavType::S32: out.ints.push_back((int32_t)get_u32(p)); break;
                    case WavType::F32: {
                        const uint32_t u = get_u32(p);
                        float v;
                        std::memcpy(&v, &u, 4);
                        out.f32.push_back(v);
                        break;
                    }
                    case WavType::F64: {
                        const uint64_t u = get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
                        double v;
                        std::memcpy(&v, &u, 8);
                        out.f64.push_back(v);
                        break;
                    }
                }
            }
            return true;
        }
        pos = body + size + (size & 1);
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// Test signals.

static std::vector<double> to_double(const std::vector<int16_t>& x) {
    std::vector<double> d(x.size());
    for (size_t i = 0; i < x.size(); ++i) d[i] = x[i] / 32768.0;
    return d;
}

// "Music-like" 16-bit stereo: two sines under a slow envelope plus noise; channels differ.
static std::vector<int16_t> music16(uint64_t frames, uint32_t rate, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> noise(-300, 300);
    std::vector<int16_t> x(frames * 2);
    const double pi = 3.14159265358979323846;
    for (uint64_t f = 0; f < frames; ++f) {
        const double t = (double)f / rate;
        const double env = 0.25 + 0.7 * std::fabs(std::sin(2 * pi * 0.07 * t));
        const double l = env * (0.6 * std::sin(2 * pi * 220 * t) + 0.3 * std::sin(2 * pi * 1375 * t));
        const double r = env * (0.5 * std::sin(2 * pi * 330 * t + 1) + 0.25 * std::sin(2 * pi * 2750 * t));
        x[2 * f] = (int16_t)std::lround(std::clamp(l * 32767.0 + noise(rng), -32768.0, 32767.0));
        x[2 * f + 1] = (int16_t)std::lround(std::clamp(r * 32767.0 + noise(rng), -32768.0, 32767.0));
    }
    return x;
}

// ---------------------------------------------------------------------------------------------
// Tests of the analyser.

static void test_version() {
    const char* v = mm_version();
    CHECK(v != nullptr && std::strcmp(v, MM_EXPECTED_VERSION) == 0);
    CHECK(mm_abi_version() == MM_ABI_VERSION);
    CHECK(std::strcmp(mm_status_name(MM_OK), "MM_OK") == 0);
    CHECK(std::strcmp(mm_status_name(MM_CANCELLED), "MM_CANCELLED") == 0);
    CHECK(std::strcmp(mm_status_name(MM_FORMAT_CHANGED), "MM_FORMAT_CHANGED") == 0);
    CHECK(std::strcmp(mm_status_name(12345), "unknown status") == 0);
}

// DC of amplitude 0.5, 30 s at 44.1 kHz.
static void test_dc() {
    const uint32_t rate = 44100;
    const uint64_t frames = 30ull * rate;
    const std::vector<double> xd(frames * 2, 0.5);
    const std::vector<int16_t> xi(frames * 2, 16384);  // 0.5 * 32768
    // By hand: 1323000 frames = 9 windows of 132480 + a tail of 130680 -> 10 windows. Every
    // window's RMS is sqrt(2 * 0.25) = 0.70711: key lround(2000 log10 0.70711) = -301, bin 9699.
    // target = 10 / 5 = 2, but the whole bin is taken: 10 windows, loud RMS 10^(-3.01 / 20).
    // Peak 0.5 (key -602, windows 0 and 1 hold the two slots). DR = -20 log10(0.70711 / 0.5)
    // < 0, so the primary peak (0.5 again) and the clamp: DR 0. RMS column sqrt(0.5).
    const uint64_t windows = 9 + 1;
    CHECK(frames - 9 * 132480 == 130680);
    CHECK(centi_db(std::sqrt(0.5)) == -301 && centi_db(0.5) == -602);
    const double loud_rms = std::pow(10.0, -3.01 / 20);
    const Feed feeds[3] = {Feed::F64, Feed::F32, Feed::I16};
    for (int i = 0; i < 3; ++i) {
        ResultPtr r = analyse(feeds[i], xd, xi, 2, rate);
        if (!r.p) continue;
        const mm_track_summary s = summary_of(r.p);
        CHECK(s.sample_rate == rate && s.channels == 2 && s.frames == frames && s.windows == windows);
        CHECK_NEAR(s.duration_seconds, 30.0, 1e-12);
        CHECK(s.rounded_seconds == 30);
        CHECK(s.dr == 0.0f && s.official_dr == 0 && !s.all_silent);
        CHECK(s.excluded_channel == -1);
        CHECK(s.peak == 0.5f);
        CHECK(same_db(s.peak_db, (float)(20 * std::log10(0.5))));
        // §8: sqrt((f32(rc * rc) + f32(rc * rc)) / 2) with rc = f32(sqrt(0.5)).
        const float rc = (float)std::sqrt(0.5);
        CHECK(s.rms == std::sqrt((double)(rc * rc)));
        CHECK(same_db(s.rms_db, (float)(20 * std::log10(s.rms))));
        CHECK(s.nonfinite_samples == 0);
        for (uint32_t c = 0; c < 2; ++c) {
            const mm_channel_result ch = channel_of(r.p, c);
            CHECK(ch.dr == 0.0f && ch.dr_unrounded == 0.0);
            CHECK_NEAR(ch.loud_rms, loud_rms, 1e-15);
            CHECK(ch.dr_peak == 0.5 && ch.peak == 0.5f);
            CHECK_NEAR(ch.rms_unrounded, std::sqrt(0.5), 1e-15);
            CHECK(ch.rms == rc);
            CHECK(ch.windows == windows);
            CHECK(!ch.silent && !ch.excluded);
        }
        check_against(r.p, reference(xd, 2, rate), 1e-9, "dc");
    }
}

// ALGORITHM.md §10: 10 windows of low noise, a spike of 0.9 in window 3 and of 0.6 in window 7.
static void test_second_peak() {
    const uint32_t rate = 44100;
    const uint64_t w = 132480;
    const uint64_t frames = 10 * w;
    std::vector<int16_t> xi(frames);
    const int16_t low = 328;  // a square wave of +-328/32768 (about -40 dBFS)
    for (uint64_t f = 0; f < frames; ++f) xi[f] = (f / 50) % 2 ? low : (int16_t)-low;
    const int16_t spike1 = 29491, spike2 = 19661;  // 0.9 and 0.6 of full scale, as 16-bit values
    xi[3 * w + 1000] = spike1;
    xi[7 * w + 5000] = spike2;
    const std::vector<double> xd = to_double(xi);
    // By hand: window peaks rank by key: window 0 (low) primary, window 1 (same key) secondary,
    // window 3 (0.9) primary, pushing window 0 to secondary, window 7 (0.6) secondary. The DR
    // uses 0.6. target = max(1, 10 / 5) = 2: windows 3 and 7 are the two loudest, each alone
    // in its bin, key lround(2000 log10(rms)) with rms = sqrt(2 ((w-1) 328^2 + spike^2) / w).
    const double p1 = spike1 / 32768.0, p2 = spike2 / 32768.0;
    auto bin_of = [&](double spike) {
        const double sum = ((double)(w - 1) * low * low + spike * spike) / (32768.0 * 32768.0);
        return (int)centi_db(std::sqrt(2 * sum / w)) + 10000;
    };
    const int b3 = bin_of(spike1), b7 = bin_of(spike2), b_low = bin_of(low);
    CHECK(b3 > b7 && b7 > b_low);  // two bins above the others', one window each
    const double loud_rms = std::sqrt((bin_power(b3) + bin_power(b7)) / 2);
    const double dr = -20 * std::log10(loud_rms / p2);
    const RefTrack ref = reference(xd, 1, rate);
    CHECK_NEAR(ref.channels[0].dr, dr, 1e-12);  // the reference agrees with the hand arithmetic
    for (Feed feed : {Feed::F64, Feed::F32, Feed::I16}) {
        ResultPtr r = analyse(feed, xd, xi, 1, rate);
        if (!r.p) continue;
        const mm_channel_result ch = channel_of(r.p, 0);
        CHECK(ch.peak == (float)p1);
        CHECK(ch.dr_peak == p2);
        CHECK_NEAR(ch.loud_rms, loud_rms, 1e-15);
        CHECK_NEAR(ch.dr_unrounded, dr, 1e-9);
        CHECK(summary_of(r.p).windows == 10);
        check_against(r.p, ref, 1e-9, "second peak");
    }
}

// ALGORITHM.md §10: 2W frames -> 2 windows; 2W+1 -> 3 (a 1-frame tail is a window); 2W+2 -> 3.
static void test_window_counts() {
    const uint64_t w = 144195;  // 48 kHz
    CHECK(window_frames(48000) == w && window_frames(44100) == 132480 && window_frames(8000) == 24032);
    const uint64_t lengths[3] = {2 * w, 2 * w + 1, 2 * w + 2};
    const uint64_t expected[3] = {2, 3, 3};
    for (int i = 0; i < 3; ++i) {
        std::vector<double> x(lengths[i] * 3);
        for (size_t j = 0; j < x.size(); ++j) x[j] = ((int)((j / 3) % 7) - 3) / 8.0 * (1 + j % 3) / 3.0;
        ResultPtr r = analyse(Feed::F64, x, {}, 3, 48000);
        if (!r.p) continue;
        const mm_track_summary s = summary_of(r.p);
        CHECK(s.windows == expected[i]);
        CHECK(s.frames == lengths[i]);
        check_against(r.p, reference(x, 3, 48000), 1e-9, "window counts");
    }
    // A 1-frame track of 0.5 (§10): Peak -6.02 dBFS, RMS sqrt(2 * 0.25 / 1): -3.01 dBFS, DR0.
    const std::vector<double> one(1, 0.5);
    ResultPtr r = analyse(Feed::F64, one, {}, 1, 8000);
    if (r.p) {
        const mm_track_summary s = summary_of(r.p);
        CHECK(s.windows == 1 && s.frames == 1 && s.rounded_seconds == 0);
        CHECK(s.official_dr == 0 && s.dr == 0.0f && !s.all_silent);
        CHECK(fixed2(s.peak_db) == "-6.02" && fixed2(s.rms_db) == "-3.01");
    }
}

// A 16-bit WAV written and read back, fed as int16, double and float: the same published values
// (§9) and the reference's values.
static void test_wav(const std::string& dir) {
    const uint32_t rate = 44100;
    const std::vector<int16_t> pcm = music16((g_valgrind ? 7ull : 20ull) * rate + 12345, rate, 7);
    const std::string path = dir + "/music16.wav";
    CHECK(write_wav16(path, pcm, 2, rate));
    Wav wav;
    CHECK(read_wav(path, wav));
    CHECK(wav.channels == 2 && wav.rate == rate && wav.bits == 16 && wav.type == WavType::S16 && wav.pcm == pcm);
    const std::vector<double> xd = to_double(wav.pcm);
    const RefTrack ref = reference(xd, wav.channels, wav.rate);
    ResultPtr ri = analyse(Feed::I16, xd, wav.pcm, wav.channels, wav.rate);
    ResultPtr rd = analyse(Feed::F64, xd, wav.pcm, wav.channels, wav.rate);
    ResultPtr rf = analyse(Feed::F32, xd, wav.pcm, wav.channels, wav.rate);
    if (!ri.p || !rd.p || !rf.p) return;
    check_against(ri.p, ref, 1e-9, "wav as int16");
    check_against(rd.p, ref, 1e-9, "wav as double");
    check_against(rf.p, ref, 1e-9, "wav as float");
    const mm_track_summary si = summary_of(ri.p), sd = summary_of(rd.p), sf = summary_of(rf.p);
    CHECK(si.dr == sd.dr && si.dr == sf.dr && si.peak_db == sd.peak_db && si.rms_db == sf.rms_db);
    for (uint32_t c = 0; c < 2; ++c) CHECK(channel_of(ri.p, c).dr == channel_of(rd.p, c).dr);
    CHECK(ref.dr > 3 && ref.dr < 20);  // the signal is not degenerate
}

// Silence is DR0; a silent channel counts as 0; an excluded channel is measured but left out of
// the mean; loudness weighting applies above 2 channels only.
static void test_silence_and_exclusion() {
    {
        const std::vector<double> zeros(44100 * 4 * 2, 0.0);
        ResultPtr r = analyse(Feed::F64, zeros, {}, 2, 44100);
        if (r.p) {
            const mm_track_summary s = summary_of(r.p);
            CHECK(s.all_silent && s.dr == 0.0f && s.official_dr == 0 && s.windows == 2);
            CHECK(s.peak == 0.0f && std::isinf(s.peak_db) && s.peak_db < 0);
            CHECK(s.rms == 0.0 && std::isinf(s.rms_db) && s.rms_db < 0);
            for (uint32_t c = 0; c < 2; ++c) {
                const mm_channel_result ch = channel_of(r.p, c);
                CHECK(ch.silent && ch.dr == 0.0f && std::isinf(ch.peak_db) && std::isinf(ch.rms_db));
                CHECK(ch.loud_rms == 0.0 && ch.dr_peak == 0.0 && ch.windows == 2);
            }
        }
    }
    // Three channels whose DRs differ (the second-peak signal at three levels), 6 windows.
    const uint64_t w = 132480, frames = 6 * w;
    std::vector<double> x(frames * 3);
    const double level[3] = {0.01, 0.05, 0.2};
    for (uint64_t f = 0; f < frames; ++f)
        for (int c = 0; c < 3; ++c) x[f * 3 + c] = (f / 50) % 2 ? level[c] : -level[c];
    for (int c = 0; c < 3; ++c) {
        x[(1 * w + 100) * 3 + c] = 0.9;
        x[(4 * w + 200) * 3 + c] = 0.8;
    }
    {
        // A stereo track whose second channel is silent: DR = (DR of the first + 0) / 2.
        std::vector<double> st(frames * 2, 0.0);
        for (uint64_t f = 0; f < frames; ++f) st[f * 2] = x[f * 3];
        ResultPtr r = analyse(Feed::F64, st, {}, 2, 44100);
        if (r.p) {
            const mm_channel_result c0 = channel_of(r.p, 0), c1 = channel_of(r.p, 1);
            CHECK(!c0.silent && c1.silent && c1.dr_unrounded == 0.0 && c0.dr > 10);
            CHECK(summary_of(r.p).dr == (float)(c0.dr_unrounded / 2));
            check_against(r.p, reference(st, 2, 44100), 1e-9, "silent channel");
        }
    }
    {
        ResultPtr r = analyse(Feed::F64, x, {}, 3, 44100, 2);
        if (r.p) {
            const mm_track_summary s = summary_of(r.p);
            const mm_channel_result c0 = channel_of(r.p, 0), c1 = channel_of(r.p, 1), c2 = channel_of(r.p, 2);
            CHECK(s.excluded_channel == 2 && c2.excluded && !c0.excluded);
            CHECK(s.dr == (float)((c0.dr_unrounded + c1.dr_unrounded) / 2));
            CHECK(c2.dr_unrounded != c0.dr_unrounded && c2.dr_unrounded > 0);
            check_against(r.p, reference(x, 3, 44100, 2), 1e-9, "exclusion");
        }
    }
    {
        // §6's loudness option: f32(sum rms_c dr_c / sum rms_c), with the unnarrowed values.
        mm_analyzer_options o = mm_analyzer_options_default();
        o.channel_weighting = MM_CHANNEL_WEIGHTING_LOUDNESS;
        mm_analyzer* a = nullptr;
        CHECK_OK(mm_analyzer_new(44100, 3, &o, &a));
        CHECK_OK(mm_analyzer_push_f64(a, x.data(), frames));
        mm_result* r = nullptr;
        CHECK_OK(mm_analyzer_finish(a, &r));
        mm_analyzer_free(a);
        if (r) {
            double num = 0, den = 0;
            for (uint32_t c = 0; c < 3; ++c) {
                const mm_channel_result ch = channel_of(r, c);
                num += ch.rms_unrounded * ch.dr_unrounded;
                den += ch.rms_unrounded;
            }
            const float weighted = (float)(num / den);
            CHECK(summary_of(r).dr == weighted);
            ResultPtr equal = analyse(Feed::F64, x, {}, 3, 44100);
            if (equal.p) CHECK(summary_of(equal.p).dr != weighted);  // the option changes the DR
            check_against(r, reference(x, 3, 44100, -1, true), 1e-9, "loudness weighting");
            mm_result_free(r);
        }
        // Stereo is averaged plainly whatever the option says.
        std::vector<double> st(frames * 2);
        for (uint64_t f = 0; f < frames; ++f) st[f * 2] = x[f * 3], st[f * 2 + 1] = x[f * 3 + 2];
        CHECK_OK(mm_analyzer_new(44100, 2, &o, &a));
        CHECK_OK(mm_analyzer_push_f64(a, st.data(), frames));
        r = nullptr;
        CHECK_OK(mm_analyzer_finish(a, &r));
        mm_analyzer_free(a);
        if (r) {
            CHECK(summary_of(r).dr == (float)((channel_of(r, 0).dr_unrounded + channel_of(r, 1).dr_unrounded) / 2));
            mm_result_free(r);
        }
    }
    {
        // NaN and infinities are skipped and counted.
        std::vector<double> x2(44100 * 2, 0.5);
        x2[10] = NAN;
        x2[11] = INFINITY;
        mm_analyzer* a = nullptr;
        CHECK_OK(mm_analyzer_new(44100, 2, nullptr, &a));
        CHECK_OK(mm_analyzer_push_f64(a, x2.data(), 44100));
        mm_result* r = nullptr;
        CHECK_OK(mm_analyzer_finish(a, &r));
        CHECK(r && summary_of(r).nonfinite_samples == 2);
        mm_result_free(r);
        mm_analyzer_free(a);
    }
}

// ---------------------------------------------------------------------------------------------
// Misuse of the analyser API: each gives the documented status and a message.

static void test_misuse() {
    mm_analyzer* a = reinterpret_cast<mm_analyzer*>(0x1);  // out-parameters are reset on failure
    CHECK_STATUS(mm_analyzer_new(44100, 0, nullptr, &a), MM_INVALID_ARGUMENT);
    CHECK(a == nullptr);
    CHECK_STATUS(mm_analyzer_new(44100, 1000, nullptr, &a), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_analyzer_new(44100, 33, nullptr, &a), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_analyzer_new(0, 2, nullptr, &a), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_analyzer_new(44100, 2, nullptr, nullptr), MM_NULL_POINTER);
    mm_analyzer_options bad = mm_analyzer_options_default();
    bad.excluded_channel = 2;
    CHECK_STATUS(mm_analyzer_new(44100, 2, &bad, &a), MM_INVALID_ARGUMENT);
    bad.excluded_channel = -5;
    CHECK_STATUS(mm_analyzer_new(44100, 2, &bad, &a), MM_INVALID_ARGUMENT);
    bad = mm_analyzer_options_default();
    bad.channel_weighting = 2;
    CHECK_STATUS(mm_analyzer_new(44100, 2, &bad, &a), MM_INVALID_ARGUMENT);
    bad.channel_weighting = -1;
    CHECK_STATUS(mm_analyzer_new(44100, 2, &bad, &a), MM_INVALID_ARGUMENT);
    CHECK(a == nullptr);
    CHECK_OK(mm_analyzer_new(44100, 32, nullptr, &a));
    mm_analyzer_free(a);

    const double d[4] = {0.1, 0.2, 0.3, 0.4};
    const float f[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    const int16_t s16[4] = {1, 2, 3, 4};
    const int32_t s32[4] = {1, 2, 3, 4};
    // NULL handles
    CHECK_STATUS(mm_analyzer_push_f64(nullptr, d, 2), MM_NULL_POINTER);
    CHECK_STATUS(mm_analyzer_push_f32(nullptr, f, 2), MM_NULL_POINTER);
    CHECK_STATUS(mm_analyzer_push_i16(nullptr, s16, 2), MM_NULL_POINTER);
    CHECK_STATUS(mm_analyzer_push_i32(nullptr, s32, 2, 24), MM_NULL_POINTER);
    mm_result* r = reinterpret_cast<mm_result*>(0x1);
    CHECK_STATUS(mm_analyzer_finish(nullptr, &r), MM_NULL_POINTER);
    CHECK(r == nullptr);
    mm_track_summary sum;
    mm_channel_result ch;
    CHECK_STATUS(mm_result_summary(nullptr, &sum), MM_NULL_POINTER);
    CHECK_STATUS(mm_result_channel(nullptr, 0, &ch), MM_NULL_POINTER);
    mm_analyzer_free(nullptr);
    mm_result_free(nullptr);
    mm_string_free(nullptr);

    CHECK_OK(mm_analyzer_new(44100, 2, nullptr, &a));
    // NULL buffers: fine with 0 frames, refused with more.
    CHECK_OK(mm_analyzer_push_f64(a, nullptr, 0));
    CHECK_STATUS(mm_analyzer_push_f64(a, nullptr, 2), MM_NULL_POINTER);
    CHECK_STATUS(mm_analyzer_push_f32(a, nullptr, 1), MM_NULL_POINTER);
    // frames * channels overflows (checked before anything is read)
    CHECK_STATUS(mm_analyzer_push_f64(a, d, SIZE_MAX / 2 + 1), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_analyzer_push_f64(a, d, SIZE_MAX / 16), MM_INVALID_ARGUMENT);  // byte size overflows
    // a misaligned buffer
    alignas(8) unsigned char raw[64] = {};
    CHECK_STATUS(mm_analyzer_push_f64(a, reinterpret_cast<const double*>(raw + 1), 1), MM_INVALID_ARGUMENT);
    // float then integer in one track
    CHECK_OK(mm_analyzer_push_f64(a, d, 2));
    CHECK_OK(mm_analyzer_push_f32(a, f, 2));  // float and double mix
    CHECK_STATUS(mm_analyzer_push_i16(a, s16, 2), MM_INVALID_STATE);
    CHECK_OK(mm_analyzer_push_f64(a, d, 2));  // the analyser is still usable
    CHECK_STATUS(mm_analyzer_finish(a, nullptr), MM_NULL_POINTER);
    CHECK_OK(mm_analyzer_finish(a, &r));
    CHECK(r != nullptr);
    // after finish
    CHECK_STATUS(mm_analyzer_push_f64(a, d, 2), MM_INVALID_STATE);
    CHECK_STATUS(mm_analyzer_push_i16(a, s16, 2), MM_INVALID_STATE);
    mm_result* r2 = reinterpret_cast<mm_result*>(0x1);
    CHECK_STATUS(mm_analyzer_finish(a, &r2), MM_INVALID_STATE);
    CHECK(r2 == nullptr);
    mm_analyzer_free(a);
    // result accessors
    CHECK_STATUS(mm_result_summary(r, nullptr), MM_NULL_POINTER);
    CHECK_STATUS(mm_result_channel(r, 2, &ch), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_result_channel(r, UINT32_MAX, &ch), MM_INVALID_ARGUMENT);
    CHECK_OK(mm_result_channel(r, 1, &ch));
    CHECK(summary_of(r).frames == 6);
    mm_result_free(r);

    // integer bit depths
    CHECK_OK(mm_analyzer_new(44100, 2, nullptr, &a));
    CHECK_STATUS(mm_analyzer_push_i32(a, s32, 2, 0), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_analyzer_push_i32(a, s32, 2, 33), MM_INVALID_ARGUMENT);
    CHECK_OK(mm_analyzer_push_i32(a, s32, 2, 24));
    CHECK_STATUS(mm_analyzer_push_i32(a, s32, 2, 16), MM_INVALID_STATE);  // a second bit depth
    CHECK_STATUS(mm_analyzer_push_f32(a, f, 2), MM_INVALID_STATE);
    mm_analyzer_free(a);  // never finished: freeing is enough

    // The last error is per thread: a failure on another thread does not touch this one's.
    const std::string mine = arm_last_error();
    std::thread([] {
        CHECK(mm_last_error()[0] == '\0');  // a fresh thread has no message yet
        CHECK_STATUS(mm_analyzer_push_f64(nullptr, nullptr, 0), MM_NULL_POINTER);
    }).join();
    CHECK(mine == mm_last_error());
}

// A result is immutable and may be read from several threads at once; an analyser may move
// between threads.
static void test_threads() {
    std::vector<double> x(44100 * 7 * 2);
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(i * 0.001) * (0.2 + (i % 1000) / 2000.0);
    mm_analyzer* a = nullptr;
    CHECK_OK(mm_analyzer_new(44100, 2, nullptr, &a));
    std::thread([&] { CHECK_OK(mm_analyzer_push_f64(a, x.data(), x.size() / 4)); }).join();
    CHECK_OK(mm_analyzer_push_f64(a, x.data() + x.size() / 2, x.size() / 4));
    mm_result* r = nullptr;
    CHECK_OK(mm_analyzer_finish(a, &r));
    mm_analyzer_free(a);
    const mm_track_summary s = summary_of(r);
    std::vector<std::thread> readers;
    std::atomic<int> same{0};
    for (int t = 0; t < 4; ++t)
        readers.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                mm_track_summary mine{};
                if (mm_result_summary(r, &mine) == MM_OK && mine.dr == s.dr && mine.rms == s.rms) ++same;
            }
        });
    for (auto& t : readers) t.join();
    CHECK(same == 800);
    check_against(r, reference(x, 2, 44100), 1e-9, "threads");
    mm_result_free(r);
}

// ---------------------------------------------------------------------------------------------
// Logs. The expected text is built here from LOG_FORMAT.md's rules and the hand-computed values.

struct Text {
    char* p = nullptr;
    size_t len = 0;
    ~Text() { mm_string_free(p); }
    // The text; `len` when the call reported it, else up to the NUL.
    std::string str() const { return p ? (len ? std::string(p, len) : std::string(p)) : std::string(); }
};

static bool has_line(const std::string& text, const std::string& line) {
    size_t at = 0;
    while ((at = text.find(line, at)) != std::string::npos) {
        const bool starts = at == 0 || text[at - 1] == '\n';
        const bool ends = at + line.size() == text.size() || text[at + line.size()] == '\n';
        if (starts && ends) return true;
        ++at;
    }
    return false;
}

// The space-separated words of `line`.
static std::vector<std::string> split_words(const std::string& line) {
    std::vector<std::string> words;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') ++i;
        size_t j = i;
        while (j < line.size() && line[j] != ' ') ++j;
        if (j > i) words.push_back(line.substr(i, j - i));
        i = j;
    }
    return words;
}

static std::string without_whitespace(const std::string& s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '\n' && c != '\t') out.push_back(c);
    return out;
}


// Text logs come with CRLF line ends: every '\n' follows a '\r'. The text with LF line ends.
static std::string from_crlf(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        if (text[i] == '\r' || (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))) return "(not CRLF)";
        out.push_back(text[i]);
    }
    return out;
}

// printf into a std::string.
template <typename... Args>
static std::string format(const char* fmt, Args... args) {
    char b[512];
    std::snprintf(b, sizeof b, fmt, args...);
    return b;
}

// LOG_FORMAT.md: a published dB value as the log prints it ("-inf"; "0.00" strictly between
// -0.01 and 0.01).
static std::string db_text(float db) {
    if (std::isinf(db)) return "-inf";
    return std::fabs(db) < 0.01f ? "0.00" : fixed2(db);
}

// LOG_FORMAT.md's row "%-5s%10s dBFS%9s dBFS%10s %s" (without channel cells).
static std::string row(int dr, float peak_db, float rms_db, const char* duration, const std::string& name) {
    return format("%-5s%10s dBFS%9s dBFS%10s %s", ("DR" + std::to_string(dr)).c_str(), db_text(peak_db).c_str(),
                  db_text(rms_db).c_str(), duration, name.c_str());
}

static void test_logs() {
    const std::string rule(80, '-'), double_rule(80, '=');
    // A tagged stereo track: FL DC 0.5, FR silent, 30 s at 44.1 kHz, fed as 16-bit.
    const uint64_t frames = 30ull * 44100;
    std::vector<int16_t> stereo(frames * 2, 0);
    for (uint64_t f = 0; f < frames; ++f) stereo[2 * f] = 16384;
    ResultPtr r1 = analyse(Feed::I16, {}, stereo, 2, 44100);
    // DR Meter 1.0.8's degenerate conformance files (8 kHz mono float): one frame of 0.5, two
    // frames of 0.5, and 2 W = 48064 frames of silence.
    ResultPtr r201 = analyse(Feed::F64, std::vector<double>(1, 0.5), {}, 1, 8000);
    ResultPtr r202 = analyse(Feed::F64, std::vector<double>(2, 0.5), {}, 1, 8000);
    ResultPtr r203 = analyse(Feed::F64, std::vector<double>(2 * 24032, 0.0), {}, 1, 8000);
    if (!r1.p || !r201.p || !r202.p || !r203.p) return;
    mm_log_builder* b = nullptr;
    CHECK_OK(mm_log_builder_new(&b));
    mm_track_meta m{};
    m.path = "/music/Artist/Album/01 - Title.wav";
    m.artist = "Artist";
    m.album = "Album";
    m.title = "Title";
    m.track_number = "1/12";
    m.codec = "PCM";
    m.bits_per_sample = 16;
    m.channel_mask = 0x3;
    m.bitrate_kbps = 1411.2;
    CHECK_OK(mm_log_builder_add_track(b, r1.p, &m));
    CHECK_OK(mm_log_builder_add_failure(b, "/music/Artist/Album/broken.flac", "bad header", "corrupt"));
    const char* names[3] = {"201_one_frame_nonzero", "202_two_frame_constant", "203_silent_mono"};
    const mm_result* degenerate[3] = {r201.p, r202.p, r203.p};
    std::vector<std::string> paths;
    for (int i = 0; i < 3; ++i) {
        paths.push_back(std::string("/conformance/02-degenerate/") + names[i] + ".wav");
        mm_track_meta d{};
        d.path = paths.back().c_str();
        d.codec = "PCM (floating-point)";
        d.bits_per_sample = 32;
        d.bitrate_kbps = 8000 * 32 / 1000.0;
        CHECK_OK(mm_log_builder_add_track(b, degenerate[i], &d));
    }
    CHECK_OK(mm_log_builder_set_host(b, "foobar2000 v2.25.10"));
    CHECK_OK(mm_log_builder_set_channel_columns(b, true));

    // By hand. Stereo: FL's windows all have RMS sqrt(0.5) above its peak 0.5: DR 0 (clamped);
    // FR silent: DR 0. Row Peak 0.5: -6.02 dBFS; row RMS sqrt((f32(rc^2) + 0) / 2) with
    // rc = f32(sqrt(0.5)). The degenerate files: one window each, RMS sqrt(2 * 0.25) = -3.01
    // dBFS, peak -6.02 dBFS, DR0; the silent one -inf, 6.008 s -> 0:06.
    const float rc = (float)std::sqrt(0.5);
    const float peak_db = published_db(0.5), fl_rms_db = published_db(rc);
    const float row_rms_db = published_db(std::sqrt((double)(rc * rc) / 2));
    CHECK(fixed2(peak_db) == "-6.02" && fixed2(fl_rms_db) == "-3.01" && fixed2(row_rms_db) == "-6.02");
    // With channel columns: the name is %-35s, then "%10.2f dB" DR cells and "%8s dBFS" RMS
    // cells, each 13 wide, their headers %13s.
    const std::string header = format("%-5s%10s%14s%15s %-35s%13s%13s%13s%13s", "DR", "Peak", "RMS", "Duration",
                                      "Track", "DR (FL)", "DR (FR)", "RMS (FL)", "RMS (FR)");
    const std::string stereo_row = row(0, peak_db, row_rms_db, "0:30", format("%-35s", "01-Title")) +
                                   format("%10.2f dB%10.2f dB%8s dBFS%8s dBFS", 0.0, 0.0,
                                          db_text(fl_rms_db).c_str(), "-inf");
    const std::vector<std::string> expected_lines = {
        std::string("foobar2000 v2.25.10 / MacinMeter v") + MM_EXPECTED_VERSION,
        "log date: 2026-11-21 14:03:07",
        "",
        rule,
        "Analyzed: Artist / Album",
        rule,
        "",
        header,
        rule,
        stereo_row,
        rule,
        "",
        "Number of tracks:  1",
        "Official DR value: DR0",
        "",
        "Samplerate:        44100 Hz",
        "Channels:          2",
        "Bits per sample:   16",
        "Bitrate:           1411 kbps",
        "Codec:             PCM",
        double_rule,
        "Failed: /music/Artist/Album/broken.flac: bad header",
        "",
        rule,
        "Analyzed: ? / ?",
        rule,
        "",
        format("%-5s%10s%14s%15s %s", "DR", "Peak", "RMS", "Duration", "Track"),  // mono: no columns
        rule,
        row(0, peak_db, fl_rms_db, "0:00", "?-201_one_frame_nonzero"),
        row(0, peak_db, fl_rms_db, "0:00", "?-202_two_frame_constant"),
        row(0, -INFINITY, -INFINITY, "0:06", "?-203_silent_mono"),
        rule,
        "",
        "Number of tracks:  3",
        "Official DR value: DR0",
        "",
        "Samplerate:        8000 Hz",
        "Channels:          1",
        "Bits per sample:   32",
        "Bitrate:           256 kbps",
        "Codec:             PCM (floating-point)",
        double_rule,
    };
    std::string expected;
    for (const std::string& line : expected_lines) expected += line + "\n";
    Text album;
    CHECK_OK(mm_log_render(b, MM_LOG_ALBUM, "2026-11-21 14:03:07", &album.p, &album.len));
    CHECK(album.len == std::strlen(album.p));
    const std::string a = from_crlf(album.str());
    CHECK(a == expected);
    if (a != expected) std::fprintf(stderr, "album log:\n%s\nexpected:\n%s\n", a.c_str(), expected.c_str());

    // Without the host: the CLI's first line. Without columns for stereo: the plain header.
    CHECK_OK(mm_log_builder_set_host(b, nullptr));
    CHECK_OK(mm_log_builder_set_channel_columns(b, false));
    Text plain;
    CHECK_OK(mm_log_render(b, MM_LOG_ALBUM, "2026-11-21 14:03:07", &plain.p, nullptr));
    const std::string p = from_crlf(plain.str());
    CHECK(p.rfind(std::string("MacinMeter v") + MM_EXPECTED_VERSION + "\nlog date: 2026-11-21 14:03:07\n\n", 0) == 0);
    CHECK(has_line(p, row(0, peak_db, row_rms_db, "0:30", "01-Title")));
    CHECK(p.find("DR (FL)") == std::string::npos);

    // The single-track log of each track.
    Text track;
    CHECK_OK(mm_log_render(b, MM_LOG_TRACK, "2026-11-21 14:03:07", &track.p, nullptr));
    const std::string t = from_crlf(track.str());
    CHECK(has_line(t, "Statistics for: Artist - Title"));
    CHECK(has_line(t, "Number of samples: 1323000"));
    CHECK(has_line(t, "Duration: 0:30"));
    CHECK(has_line(t, "Official DR Value: DR0"));
    CHECK(has_line(t, "Precise DR Value: 0.00 dB"));
    CHECK(has_line(t, "Statistics for: 201_one_frame_nonzero.wav"));

    // JSON (LF line ends; whitespace is the renderer's choice, so it is checked without it).
    Text json;
    CHECK_OK(mm_log_render(b, MM_LOG_JSON, "2026-11-21 14:03:07", &json.p, &json.len));
    CHECK(json.str().find('\r') == std::string::npos);
    const std::string j = without_whitespace(json.str());
    CHECK(j.find("\"schema\":2") != std::string::npos);
    CHECK(j.find("\"log_date\":\"2026-11-2114:03:07\"") != std::string::npos);  // without its space
    CHECK(j.find("\"official_dr\":0") != std::string::npos);
    CHECK(j.find("\"label\":\"FL\"") != std::string::npos && j.find("\"label\":\"FC\"") != std::string::npos);
    CHECK(j.find("\"reason\":\"badheader\",\"kind\":\"corrupt\"") != std::string::npos);
    CHECK(j.find("\"frames\":1323000") != std::string::npos);
    CHECK(j.find("\"interrupted\":false") != std::string::npos);

    // NULL date: the local time, in the log's format.
    Text now;
    CHECK_OK(mm_log_render(b, MM_LOG_ALBUM, nullptr, &now.p, nullptr));
    const std::string n = from_crlf(now.str());
    const size_t at = n.find("\nlog date: ");
    CHECK(at != std::string::npos && n.size() > at + 30 && n[at + 30] == '\n' && n[at + 15] == '-' && n[at + 21] == ' ');

    // Interrupted runs say so.
    CHECK_OK(mm_log_builder_set_interrupted(b, true));
    Text j2;
    CHECK_OK(mm_log_render(b, MM_LOG_JSON, nullptr, &j2.p, nullptr));
    CHECK(without_whitespace(j2.str()).find("\"interrupted\":true") != std::string::npos);

    // Failure kinds of batch statuses.
    CHECK(std::strcmp(mm_failure_kind(MM_DECODE_ERROR), "corrupt") == 0);
    CHECK(std::strcmp(mm_failure_kind(MM_FORMAT_CHANGED), "stream_changed") == 0);
    CHECK(std::strcmp(mm_failure_kind(MM_CANCELLED), "cancelled") == 0);
    CHECK(std::strcmp(mm_failure_kind(MM_INVALID_ARGUMENT), "invalid_parameters") == 0);
    CHECK(std::strcmp(mm_failure_kind(MM_INTERNAL_ERROR), "internal") == 0);
    CHECK(std::strcmp(mm_failure_kind(-3), "internal") == 0);

    // Misuse.
    Text bad;
    CHECK_STATUS(mm_log_render(b, 7, nullptr, &bad.p, nullptr), MM_INVALID_ARGUMENT);
    CHECK(bad.p == nullptr);
    CHECK_STATUS(mm_log_render(b, MM_LOG_ALBUM, "yesterday", &bad.p, nullptr), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_log_render(b, MM_LOG_ALBUM, "2026-13-01 00:00:00", &bad.p, nullptr), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_log_render(b, MM_LOG_ALBUM, nullptr, nullptr, nullptr), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_render(nullptr, MM_LOG_ALBUM, nullptr, &bad.p, nullptr), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_add_track(b, nullptr, &m), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_add_track(b, r1.p, nullptr), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_add_track(nullptr, r1.p, &m), MM_NULL_POINTER);
    mm_track_meta no_path = m;
    no_path.path = nullptr;
    CHECK_STATUS(mm_log_builder_add_track(b, r1.p, &no_path), MM_NULL_POINTER);
    mm_track_meta not_utf8 = m;
    not_utf8.artist = "Bj\xf6rk";  // Latin-1, not UTF-8
    CHECK_STATUS(mm_log_builder_add_track(b, r1.p, &not_utf8), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_log_builder_add_failure(b, nullptr, "x", "open"), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_add_failure(b, "x", nullptr, "open"), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_add_failure(b, "x", "y", nullptr), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_add_failure(b, "x", "y", "unreadable"), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_log_builder_set_interrupted(nullptr, true), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_set_host(nullptr, "foobar2000"), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_set_host(b, "Bj\xf6rk"), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_log_builder_set_channel_columns(nullptr, true), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_set_album_weighting(nullptr, MM_ALBUM_WEIGHTING_LENGTH), MM_NULL_POINTER);
    CHECK_STATUS(mm_log_builder_set_album_weighting(b, 2), MM_INVALID_ARGUMENT);
    mm_log_builder_free(b);
    mm_log_builder_free(nullptr);
    CHECK_STATUS(mm_log_builder_new(nullptr), MM_NULL_POINTER);

    // The result is copied: the builder outlives it.
    CHECK_OK(mm_log_builder_new(&b));
    {
        ResultPtr temp = analyse(Feed::F64, std::vector<double>(2, 0.5), {}, 1, 8000);
        mm_track_meta d{};
        d.path = "/x/y.wav";
        CHECK_OK(mm_log_builder_add_track(b, temp.p, &d));
    }
    Text after;
    CHECK_OK(mm_log_render(b, MM_LOG_TRACK, "2026-01-02 03:04:05", &after.p, nullptr));
    CHECK(has_line(from_crlf(after.str()), "log date: 2026-01-02 03:04:05"));
    mm_log_builder_free(b);
}

// A mono 16-bit track of two 3-second windows at 44.1 kHz: a square wave of +-low with a
// spike of s1 in window 0 and one of s2 < s1 in window 1. By hand (ALGORITHM.md §2-§4): the
// peaks rank s1 then s2, so the DR uses s2; the loudest 20 % of 2 windows is target 1: the top
// bin, window 0's (key of sqrt(2 ((W-1) low^2 + s1^2) / W)), whole (window 1 too if it shares it).
struct SpikyTrack {
    std::vector<int16_t> x;
    double dr;
};
static SpikyTrack spiky_track(int16_t low, int16_t s1, int16_t s2) {
    const uint64_t w = 132480;
    SpikyTrack t;
    t.x.resize(2 * w);
    for (uint64_t f = 0; f < t.x.size(); ++f) t.x[f] = (f / 50) % 2 ? low : (int16_t)-low;
    t.x[1000] = s1;
    t.x[w + 5000] = s2;
    auto bin = [&](double spike) {
        const double sum = ((double)(w - 1) * low * low + spike * spike) / (32768.0 * 32768.0);
        return (int)centi_db(std::sqrt(2 * sum / w)) + 10000;
    };
    const int b0 = bin(s1), b1 = bin(s2);
    const double loud_rms = b0 > b1 ? std::sqrt(bin_power(b0)) : std::sqrt(2 * bin_power(b0) / 2);
    t.dr = -20 * std::log10(loud_rms / (s2 / 32768.0));
    return t;
}

// mm_log_builder_album_dr: the album DR of each track's section, as the album log groups them.
static void test_album_dr() {
    const SpikyTrack a1 = spiky_track(3000, 30000, 25000), a2 = spiky_track(6000, 30000, 25000);
    const SpikyTrack b1 = spiky_track(9000, 30000, 25000), b2 = spiky_track(4500, 30000, 25000);
    const SpikyTrack loose = spiky_track(2000, 20000, 16000), a3 = spiky_track(1500, 30000, 25000);
    const std::vector<int16_t> silence(2 * 44100, 0);
    // Roughly: loud RMS sqrt(2) low / 32768, so DR = 20 log10((s2 / 32768) / (1.414 low / 32768)).
    CHECK_NEAR(a1.dr, 20 * std::log10(25000 / (std::sqrt(2.0) * 3000)), 0.01);
    CHECK_NEAR(b1.dr, 20 * std::log10(25000 / (std::sqrt(2.0) * 9000)), 0.01);

    struct Added {
        const char* path;
        const char* album;  // artist "Artist" when tagged; NULL: untagged, grouped by folder
        const std::vector<int16_t>* x;
    };
    // Added interleaved: sections follow the first appearance of each album; a silent track is
    // DR0 and counts in its album's mean; a failure is not a track.
    const Added added[7] = {
        {"/music/A/01.wav", "First", &a1.x},     // 0
        {"/music/B/01.wav", "Second", &b1.x},    // 1
        {"/music/loose/x.wav", nullptr, &loose.x},  // 2
        {"/music/A/02.wav", "First", &a2.x},     // 3
        {"/music/B/02.wav", "Second", &silence},  // 4
        {"/music/B/03.wav", "Second", &b2.x},    // 5
        {"/music/quiet/q.wav", nullptr, &silence},  // 6: a folder section of silence: DR0
    };
    mm_log_builder* b = nullptr;
    CHECK_OK(mm_log_builder_new(&b));
    int32_t official = 0;
    float dr = 0;
    CHECK_STATUS(mm_log_builder_album_dr(b, 0, &official, &dr), MM_INVALID_ARGUMENT);  // no tracks yet
    CHECK(official == 0 && std::isnan(dr));
    std::vector<float> track_dr;  // the library's own published DR of each track
    std::vector<double> seconds;
    for (size_t i = 0; i < 7; ++i) {
        const Added& t = added[i];
        ResultPtr r = analyse(Feed::I16, {}, *t.x, 1, 44100);
        if (!r.p) return;
        track_dr.push_back(summary_of(r.p).dr);
        seconds.push_back(summary_of(r.p).duration_seconds);
        mm_track_meta m{};
        m.path = t.path;
        m.artist = t.album ? "Artist" : nullptr;
        m.album = t.album;
        CHECK_OK(mm_log_builder_add_track(b, r.p, &m));
        if (i == 2) CHECK_OK(mm_log_builder_add_failure(b, "/music/A/bad.flac", "bad header", "malformed"));
    }
    CHECK(track_dr[4] == 0.0f && track_dr[6] == 0.0f);

    // One call per track: §7's mean by hand (1e-5 dB), and exactly f32 of the mean of the
    // tracks' published DRs.
    struct Expected {
        double by_hand;
        float exact;
    };
    const Expected album_a{(a1.dr + a2.dr) / 2, (float)(((double)track_dr[0] + track_dr[3]) / 2)};
    const Expected album_b{(b1.dr + 0 + b2.dr) / 3, (float)(((double)track_dr[1] + track_dr[4] + track_dr[5]) / 3)};
    const Expected folder{loose.dr, track_dr[2]};
    const Expected quiet{0, 0.0f};
    const Expected* expected[7] = {&album_a, &album_b, &folder, &album_a, &album_b, &album_b, &quiet};
    CHECK(std::trunc(album_a.by_hand + 0.5) == 12 && std::trunc(album_b.by_hand + 0.5) == 6);
    for (size_t i = 0; i < 7; ++i) {
        official = -1;
        dr = -1;
        CHECK_OK(mm_log_builder_album_dr(b, i, &official, &dr));
        CHECK_NEAR(dr, expected[i]->by_hand, 1e-5);
        CHECK(dr == expected[i]->exact);
        CHECK(official == (int32_t)std::trunc(expected[i]->by_hand + 0.5));
    }

    // The album log shows the same values.
    Text album;
    CHECK_OK(mm_log_render(b, MM_LOG_ALBUM, "2026-11-21 14:03:07", &album.p, &album.len));
    const std::string text = from_crlf(album.str());
    const size_t first = text.find("Analyzed: Artist / First"), second = text.find("Analyzed: Artist / Second");
    CHECK(first != std::string::npos && second != std::string::npos && first < second);
    CHECK(text.find("Official DR value: DR12", first) < second);
    CHECK(text.find("Official DR value: DR6", second) != std::string::npos);
    CHECK(text.find("Failed: /music/A/bad.flac: bad header", first) < second);

    // Weighted by length (§7's option): f32(sum dr * duration / sum duration). Album B's silent
    // track lasts 2 s, the others 264960 / 44100 s each.
    CHECK_OK(mm_log_builder_set_album_weighting(b, MM_ALBUM_WEIGHTING_LENGTH));
    const double d = 264960 / 44100.0;
    const double b_by_length = (b1.dr * d + 0 * 2 + b2.dr * d) / (2 * d + 2);
    CHECK_NEAR(seconds[1], d, 1e-12);
    CHECK_NEAR(seconds[4], 2.0, 1e-12);
    const float b_exact = (float)(((double)track_dr[1] * seconds[1] + (double)track_dr[4] * seconds[4] +
                                   (double)track_dr[5] * seconds[5]) /
                                  (seconds[1] + seconds[4] + seconds[5]));
    CHECK_OK(mm_log_builder_album_dr(b, 5, &official, &dr));
    CHECK_NEAR(dr, b_by_length, 1e-5);
    CHECK(dr == b_exact && dr != album_b.exact);
    CHECK(official == (int32_t)std::trunc(b_by_length + 0.5));
    CHECK_OK(mm_log_builder_album_dr(b, 0, &official, &dr));  // equal lengths: the plain mean
    CHECK_NEAR(dr, album_a.by_hand, 1e-5);
    Text weighted;
    CHECK_OK(mm_log_render(b, MM_LOG_ALBUM, "2026-11-21 14:03:07", &weighted.p, nullptr));
    CHECK(from_crlf(weighted.str()).find("Official DR value: DR" + std::to_string(official)) != std::string::npos);
    CHECK_OK(mm_log_builder_set_album_weighting(b, MM_ALBUM_WEIGHTING_EQUAL));

    // A track added later joins its album: the next call sees it.
    {
        ResultPtr r = analyse(Feed::I16, {}, a3.x, 1, 44100);
        if (r.p) {
            const float d3 = summary_of(r.p).dr;
            mm_track_meta m{};
            m.path = "/music/A/03.wav";
            m.artist = "Artist";
            m.album = "First";
            CHECK_OK(mm_log_builder_add_track(b, r.p, &m));
            const double mean3 = (a1.dr + a2.dr + a3.dr) / 3;
            CHECK(std::trunc(mean3 + 0.5) == 15);
            for (size_t i : {(size_t)0, (size_t)3, (size_t)7}) {
                CHECK_OK(mm_log_builder_album_dr(b, i, &official, &dr));
                CHECK_NEAR(dr, mean3, 1e-5);
                CHECK(dr == (float)(((double)track_dr[0] + track_dr[3] + d3) / 3));
                CHECK(official == 15);
            }
            CHECK_OK(mm_log_builder_album_dr(b, 1, &official, &dr));  // album B is unchanged
            CHECK(dr == album_b.exact && official == 6);
        }
    }

    // Misuse: out-parameters are reset even when the call fails.
    official = 7;
    dr = 0;
    CHECK_STATUS(mm_log_builder_album_dr(b, 8, &official, &dr), MM_INVALID_ARGUMENT);
    CHECK(official == 0 && std::isnan(dr));
    CHECK_STATUS(mm_log_builder_album_dr(b, SIZE_MAX, &official, &dr), MM_INVALID_ARGUMENT);
    CHECK_STATUS(mm_log_builder_album_dr(nullptr, 0, &official, &dr), MM_NULL_POINTER);
    dr = 0;
    CHECK_STATUS(mm_log_builder_album_dr(b, 0, nullptr, &dr), MM_NULL_POINTER);
    CHECK(std::isnan(dr));
    official = 7;
    CHECK_STATUS(mm_log_builder_album_dr(b, 0, &official, nullptr), MM_NULL_POINTER);
    CHECK(official == 0);
    mm_log_builder_free(b);
}

// ---------------------------------------------------------------------------------------------
// The batch API, driven the way a foobar2000 shim drives it.

// What the shim's per-track decoder looks like: input_helper::run() hands out audio_chunks of
// varying size (here generated), and read() copies them into the library's buffer.
struct Fb2kTrack {
    uint32_t rate = 44100;
    unsigned channels = 2;
    uint64_t frames = 0;
    uint32_t seed = 0;
    bool fail_open = false;
    int64_t fail_at_frame = -1;      // decode error once this many frames were delivered
    int64_t change_at_frame = -1;    // the sample rate becomes 48000 here
    bool as_float = false;           // audio_sample = float (32-bit builds)
    double sample(uint64_t f, unsigned c) const {
        // a deterministic, non-trivial signal: two sines and a hash-noise floor
        const double t = (double)f / rate;
        uint32_t h = (uint32_t)(f * 2654435761u) ^ (seed * 40503u + c * 7919u);
        h ^= h >> 13;
        h *= 0x5bd1e995u;
        h ^= h >> 15;
        const double noise = ((h & 0xffff) / 65535.0 - 0.5) * 0.02;
        const double env = 0.2 + 0.6 * std::fabs(std::sin(0.3 * t + seed));
        return env * std::sin(2 * 3.14159265358979 * (200.0 + 50 * c + seed) * t) + noise;
    }
    std::vector<double> all() const {
        std::vector<double> x(frames * channels);
        for (uint64_t f = 0; f < frames; ++f)
            for (unsigned c = 0; c < channels; ++c) x[f * channels + c] = as_float ? (float)sample(f, c) : sample(f, c);
        return x;
    }
};

struct Fb2kSource {
    const Fb2kTrack* track = nullptr;
    std::mt19937 rng;
    uint64_t decoded = 0;          // frames the decoder produced so far
    std::vector<double> chunk;     // the current audio_chunk
    uint32_t chunk_rate = 0;
    size_t chunk_frames = 0, chunk_pos = 0;
    std::atomic<int> busy{0};      // a read running on this source
    std::atomic<bool> overlap{false};
    // input_helper::run(): the next chunk, false at the end.
    bool run() {
        if (decoded >= track->frames) return false;
        const size_t n = std::min<uint64_t>(1 + rng() % 12000, track->frames - decoded);
        chunk.resize(n * track->channels);
        for (size_t f = 0; f < n; ++f)
            for (unsigned c = 0; c < track->channels; ++c) chunk[f * track->channels + c] = track->sample(decoded + f, c);
        chunk_rate = (track->change_at_frame >= 0 && (int64_t)decoded >= track->change_at_frame) ? 48000 : track->rate;
        decoded += n;
        chunk_frames = n;
        chunk_pos = 0;
        return true;
    }
};

struct Fb2kBatch {
    std::vector<Fb2kTrack> tracks;
    std::atomic<int> opened{0}, closed{0}, reads{0}, concurrent_now{0}, concurrent_max{0};
    std::atomic<bool> overlap{false};
    std::mutex m;
    std::map<std::thread::id, int> threads;
};

extern "C" int32_t fb2k_open(void* user, size_t index, void** source, mm_source_format* format, char* error,
                             size_t error_capacity) {
    auto* b = static_cast<Fb2kBatch*>(user);
    if (index >= b->tracks.size()) return MM_INVALID_ARGUMENT;
    const Fb2kTrack& t = b->tracks[index];
    if (t.fail_open) {
        std::snprintf(error, error_capacity, "track %zu: file not found", index);
        return MM_DECODE_ERROR;
    }
    auto* s = new Fb2kSource();
    s->track = &t;
    s->rng.seed((uint32_t)index * 77 + 1);
    *source = s;
    format->sample_rate = t.rate;
    format->channels = t.channels;
    format->sample_type = t.as_float ? MM_SAMPLE_F32 : MM_SAMPLE_F64;
    format->excluded_channel = -1;
    ++b->opened;
    const int now = ++b->concurrent_now;
    int max = b->concurrent_max;
    while (now > max && !b->concurrent_max.compare_exchange_weak(max, now)) {
    }
    std::lock_guard<std::mutex> lock(b->m);
    b->threads[std::this_thread::get_id()] += 1;
    return MM_OK;
}

static Fb2kBatch* g_batch = nullptr;  // for close's counters (close gets only the source)

extern "C" int64_t fb2k_read(void* source, void* buffer, size_t capacity, mm_source_format* format, char* error,
                             size_t error_capacity) {
    auto* s = static_cast<Fb2kSource*>(source);
    if (s->busy.fetch_add(1) != 0) s->overlap = true;
    ++g_batch->reads;
    const Fb2kTrack& t = *s->track;
    size_t written = 0;
    int64_t result = 0;
    while (written < capacity) {
        if (s->chunk_pos == s->chunk_frames) {
            if (t.fail_at_frame >= 0 && (int64_t)s->decoded >= t.fail_at_frame) {
                std::snprintf(error, error_capacity, "corrupt frame at sample %" PRIu64, s->decoded);
                result = -1;
                break;
            }
            if (!s->run()) break;
        }
        if (s->chunk_rate != format->sample_rate) {
            // the chunk's format differs: deliver what we have first; report the change alone
            if (written == 0) format->sample_rate = s->chunk_rate;
            break;
        }
        const size_t n = std::min(capacity - written, s->chunk_frames - s->chunk_pos);
        const double* from = s->chunk.data() + s->chunk_pos * t.channels;
        if (t.as_float) {
            float* to = static_cast<float*>(buffer) + written * t.channels;
            for (size_t i = 0; i < n * t.channels; ++i) to[i] = (float)from[i];
        } else {
            std::memcpy(static_cast<double*>(buffer) + written * t.channels, from, n * t.channels * sizeof(double));
        }
        written += n;
        s->chunk_pos += n;
    }
    s->busy.fetch_sub(1);
    return result < 0 ? result : (int64_t)written;
}

extern "C" void fb2k_close(void* source) {
    auto* s = static_cast<Fb2kSource*>(source);
    if (s->overlap) g_batch->overlap = true;
    --g_batch->concurrent_now;
    ++g_batch->closed;
    delete s;
}

struct ProgressLog {
    std::thread::id caller;
    bool wrong_thread = false;
    int calls = 0, finished_reports = 0, ticks = 0;
    size_t last_finished = 0;
    bool monotonic = true;
    int abort_after = -1;  // return non-zero once this many tracks have finished
    std::vector<int> finished_status;
};

extern "C" int32_t on_progress(void* user, const mm_batch_progress* p) {
    auto* log = static_cast<ProgressLog*>(user);
    ++log->calls;
    if (std::this_thread::get_id() != log->caller) log->wrong_thread = true;
    if (p->tracks_finished < log->last_finished) log->monotonic = false;
    log->last_finished = p->tracks_finished;
    if (p->finished_track == SIZE_MAX) {
        ++log->ticks;
    } else {
        ++log->finished_reports;
        if (p->finished_track < log->finished_status.size()) log->finished_status[p->finished_track] = p->finished_status;
    }
    return (log->abort_after >= 0 && (int)p->tracks_finished >= log->abort_after) ? 1 : 0;
}

static mm_decoder fb2k_decoder(Fb2kBatch& b) {
    g_batch = &b;
    mm_decoder d{};
    d.user = &b;
    d.open = fb2k_open;
    d.read = fb2k_read;
    d.close = fb2k_close;
    return d;
}

// Ten tracks, two of which fail (one at open, one in the middle), results in input order.
static void test_batch_fb2k() {
    Fb2kBatch b;
    for (int i = 0; i < 10; ++i) {
        Fb2kTrack t;
        t.seed = (uint32_t)i;
        // each track has its own length (shorter under valgrind, which is ~50 times slower)
        t.frames = (uint64_t)(g_valgrind ? 1 + i / 3 : 3 + i) * 44100 + 17 * i;
        t.channels = i == 5 ? 6 : 2;
        t.rate = i == 8 ? 96000 : 44100;
        t.as_float = i == 4;
        t.fail_open = i == 3;
        if (i == 7) t.fail_at_frame = 100000;
        b.tracks.push_back(t);
    }
    const mm_decoder d = fb2k_decoder(b);
    ProgressLog log;
    log.caller = std::this_thread::get_id();
    log.finished_status.assign(10, -1);
    mm_batch_options o = mm_batch_options_default();
    o.threads = 3;
    o.buffer_frames = 4096;
    o.progress = on_progress;
    o.progress_user = &log;
    std::vector<mm_track_outcome> out(10);
    CHECK_OK(mm_batch_analyze(&d, 10, &o, out.data()));
    CHECK(b.opened == 9 && b.closed == 9);   // every successful open is closed once
    CHECK(!b.overlap);                        // never two reads at once on one source
    CHECK(b.concurrent_max <= 3 && b.concurrent_max >= 1);
    CHECK(!log.wrong_thread && log.monotonic);
    CHECK(log.finished_reports == 10 && log.last_finished == 10);
    for (int i = 0; i < 10; ++i) {
        const Fb2kTrack& t = b.tracks[i];
        CHECK(log.finished_status[i] == out[i].status);
        if (i == 3) {
            CHECK(out[i].status == MM_DECODE_ERROR && out[i].result == nullptr);
            CHECK(out[i].error && std::strstr(out[i].error, "track 3: file not found"));
            continue;
        }
        if (i == 7) {
            CHECK(out[i].status == MM_DECODE_ERROR && out[i].result == nullptr);
            CHECK(out[i].error && std::strstr(out[i].error, "corrupt frame at sample"));
            continue;
        }
        CHECK(out[i].status == MM_OK && out[i].result != nullptr && out[i].error == nullptr);
        if (!out[i].result) continue;
        const std::vector<double> x = t.all();
        check_against(out[i].result, reference(x, t.channels, t.rate), 1e-9, "batch track");
        // The same audio through the analyser API gives the same bits, whatever the chunking.
        ResultPtr direct = analyse(t.as_float ? Feed::F32 : Feed::F64, x, {}, t.channels, t.rate);
        if (!direct.p) continue;
        const mm_track_summary a = summary_of(out[i].result), s = summary_of(direct.p);
        CHECK(a.frames == t.frames && a.sample_rate == t.rate && a.channels == t.channels);
        CHECK(a.dr == s.dr && a.rms == s.rms && a.peak == s.peak);
        for (uint32_t c = 0; c < t.channels; ++c) CHECK(channel_of(out[i].result, c).dr == channel_of(direct.p, c).dr);
    }
    // Taking a result out of an outcome: the outcome no longer owns it.
    mm_result* kept = out[0].result;
    out[0].result = nullptr;
    mm_track_outcomes_free(out.data(), out.size());
    mm_track_outcomes_free(out.data(), out.size());  // harmless twice
    CHECK(out[7].error == nullptr && out[1].result == nullptr);
    CHECK(summary_of(kept).frames == b.tracks[0].frames);
    mm_result_free(kept);
}

// The sample rate changes in the middle of a track: that track fails, the others do not.
static void test_batch_format_change() {
    Fb2kBatch b;
    for (int i = 0; i < 3; ++i) {
        Fb2kTrack t;
        t.seed = 100 + i;
        t.frames = 5 * 44100;
        if (i == 1) t.change_at_frame = 50000;
        b.tracks.push_back(t);
    }
    const mm_decoder d = fb2k_decoder(b);
    mm_track_outcome out[3];
    CHECK_OK(mm_batch_analyze(&d, 3, nullptr, out));
    CHECK(out[0].status == MM_OK && out[2].status == MM_OK);
    CHECK(out[1].status == MM_FORMAT_CHANGED && out[1].result == nullptr);
    CHECK(out[1].error && std::strstr(out[1].error, "44100 Hz") && std::strstr(out[1].error, "48000 Hz"));
    CHECK(b.opened == 3 && b.closed == 3);
    mm_track_outcomes_free(out, 3);
}

// A cancel token raised from another thread stops a batch of long tracks promptly.
static void test_batch_cancel_token() {
    Fb2kBatch b;
    for (int i = 0; i < 6; ++i) {
        Fb2kTrack t;
        t.seed = 200 + i;
        t.frames = 3600ull * 44100;  // an hour each: cannot finish in time
        b.tracks.push_back(t);
    }
    const mm_decoder d = fb2k_decoder(b);
    mm_cancel_token* token = nullptr;
    CHECK_OK(mm_cancel_token_new(&token));
    mm_batch_options o = mm_batch_options_default();
    o.threads = 2;
    o.cancel = token;
    mm_track_outcome out[6];
    std::atomic<int64_t> cancelled_at{0};
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(g_valgrind ? 1500 : 300));
        cancelled_at = std::chrono::steady_clock::now().time_since_epoch().count();
        CHECK_OK(mm_cancel_token_cancel(token));
    });
    CHECK_STATUS(mm_batch_analyze(&d, 6, &o, out), MM_CANCELLED);
    const int64_t returned = std::chrono::steady_clock::now().time_since_epoch().count();
    canceller.join();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::duration(returned - cancelled_at)).count();
    std::printf("cancel token: the batch returned %.1f ms after the cancel\n", ms);
    // A hang guard, not a timing check (bench/cancel-latency.sh measures the latency): a
    // batch that ignored the token would run its six hours of audio.
    CHECK(ms < 60000.0);
    CHECK(b.reads > 0);
    CHECK(b.opened == b.closed);
    for (auto& o1 : out) CHECK(o1.status == MM_CANCELLED && o1.result == nullptr);
    mm_track_outcomes_free(out, 6);
    // A raised token stays raised: the next batch is cancelled before it opens anything.
    const int opened = b.opened;
    CHECK_STATUS(mm_batch_analyze(&d, 6, &o, out), MM_CANCELLED);
    CHECK(b.opened == opened);
    mm_track_outcomes_free(out, 6);
    CHECK_STATUS(mm_cancel_token_cancel(nullptr), MM_NULL_POINTER);
    mm_cancel_token_free(token);
    mm_cancel_token_free(nullptr);
}

// The progress callback aborts (as the shim does when foobar2000's abort_callback fires).
static void test_batch_progress_abort() {
    Fb2kBatch b;
    for (int i = 0; i < 6; ++i) {
        Fb2kTrack t;
        t.seed = 300 + i;
        t.frames = (i < 2 ? 2 : 600) * 44100ull;  // two short tracks first, then long ones
        b.tracks.push_back(t);
    }
    const mm_decoder d = fb2k_decoder(b);
    ProgressLog log;
    log.caller = std::this_thread::get_id();
    log.finished_status.assign(6, -1);
    log.abort_after = 2;
    mm_batch_options o = mm_batch_options_default();
    o.threads = 2;
    o.progress = on_progress;
    o.progress_user = &log;
    mm_track_outcome out[6];
    CHECK_STATUS(mm_batch_analyze(&d, 6, &o, out), MM_CANCELLED);
    CHECK(out[0].status == MM_OK && out[1].status == MM_OK);
    int cancelled = 0;
    for (int i = 2; i < 6; ++i) cancelled += out[i].status == MM_CANCELLED;
    CHECK(cancelled == 4);
    CHECK(out[0].result && summary_of(out[0].result).frames == b.tracks[0].frames);
    check_against(out[1].result, reference(b.tracks[1].all(), 2, 44100), 1e-9, "before the abort");
    CHECK(b.opened == b.closed);
    CHECK(!log.wrong_thread);
    mm_track_outcomes_free(out, 6);
}

// Callbacks that misbehave, and bad batch arguments.
extern "C" int32_t open_bad_format(void*, size_t index, void** source, mm_source_format* format, char*, size_t) {
    *source = nullptr;
    format->sample_rate = 44100;
    format->channels = index == 0 ? 0 : 2;
    format->sample_type = index == 1 ? 7 : MM_SAMPLE_F64;
    format->excluded_channel = -1;
    if (index == 2) return MM_CANCELLED;  // the shim saw its abort flag while opening
    if (index == 3) return 1;             // a failure without a message
    return MM_OK;
}
extern "C" int64_t read_too_much(void*, void*, size_t capacity, mm_source_format*, char*, size_t) {
    return (int64_t)capacity + 1;
}
extern "C" int64_t read_fails_silently(void*, void*, size_t, mm_source_format*, char*, size_t) { return -7; }
static std::atomic<int> g_closed_bad{0};
extern "C" void close_count(void*) { ++g_closed_bad; }

static void test_batch_misuse() {
    mm_decoder d{};
    d.open = open_bad_format;
    d.read = read_too_much;
    d.close = close_count;
    mm_track_outcome out[5];
    CHECK_OK(mm_batch_analyze(&d, 5, nullptr, out));
    CHECK(out[0].status == MM_INVALID_ARGUMENT && out[0].error && std::strstr(out[0].error, "channels"));
    CHECK(out[1].status == MM_INVALID_ARGUMENT && out[1].error && std::strstr(out[1].error, "sample type"));
    CHECK(out[2].status == MM_CANCELLED && out[2].error && out[2].error[0]);
    CHECK(out[3].status == MM_DECODE_ERROR && out[3].error && out[3].error[0]);
    CHECK(out[4].status == MM_INVALID_ARGUMENT && out[4].error && std::strstr(out[4].error, "buffer"));
    CHECK(g_closed_bad == 3);  // the sources whose open succeeded (0, 1, 4)
    mm_track_outcomes_free(out, 5);

    d.read = read_fails_silently;
    g_closed_bad = 0;
    CHECK_OK(mm_batch_analyze(&d, 5, nullptr, out));
    CHECK(out[4].status == MM_DECODE_ERROR && out[4].error && out[4].error[0]);
    mm_track_outcomes_free(out, 5);

    CHECK_STATUS(mm_batch_analyze(nullptr, 5, nullptr, out), MM_NULL_POINTER);
    CHECK(out[0].status == MM_CANCELLED && out[0].result == nullptr && out[0].error == nullptr);
    CHECK_STATUS(mm_batch_analyze(&d, 5, nullptr, nullptr), MM_NULL_POINTER);
    CHECK_STATUS(mm_batch_analyze(&d, SIZE_MAX / 4, nullptr, out), MM_INVALID_ARGUMENT);
    mm_decoder no_read = d;
    no_read.read = nullptr;
    CHECK_STATUS(mm_batch_analyze(&no_read, 5, nullptr, out), MM_NULL_POINTER);
    mm_batch_options o = mm_batch_options_default();
    o.threads = 100000;
    CHECK_STATUS(mm_batch_analyze(&d, 5, &o, out), MM_INVALID_ARGUMENT);
    o = mm_batch_options_default();
    o.buffer_frames = 1u << 20;
    CHECK_STATUS(mm_batch_analyze(&d, 5, &o, out), MM_INVALID_ARGUMENT);
    o = mm_batch_options_default();
    CHECK(o.channel_weighting == MM_CHANNEL_WEIGHTING_EQUAL);
    o.channel_weighting = 9;
    CHECK_STATUS(mm_batch_analyze(&d, 5, &o, out), MM_INVALID_ARGUMENT);
    CHECK_OK(mm_batch_analyze(&d, 0, nullptr, nullptr));  // nothing to do
    mm_track_outcomes_free(nullptr, 0);
    CHECK_STATUS(mm_cancel_token_new(nullptr), MM_NULL_POINTER);
}

// ---------------------------------------------------------------------------------------------
// The shipped WAV excerpts (tests/fixtures/formats) through the C ABI, against the numbers
// `macinmeter --format json` gives for the same files. tests/abi.rs runs the CLI and writes
// its values, at full precision, to a plain-text file (`--expected <file>`):
//
//   track                                    a new track, in the JSON's order
//   path|artist|album_artist|album <text>    the rest of the line (tags only when present)
//   format <rate> <channels> <bits> <frames> <windows>
//   dr <official> <dr> <peak_db> <rms_db>
//   channel <dr> <peak_db> <rms_db> <loud_rms_db> <dr_peak_db> <windows> <silent 0|1>   (one per channel)
//   section <official> <dr> <track index>...                                          (the JSON's albums)
//
// dB values of silence are -inf. dr, peak_db and rms_db are floats in the JSON: written in
// their shortest float form, which strtof reads back to the CLI's bits; loud_rms_db and
// dr_peak_db are doubles (serde_json float_roundtrip, shortest double form, strtod).

struct CliChannel {
    float dr = NAN, peak_db = NAN, rms_db = NAN;
    double loud_rms_db = NAN, dr_peak_db = NAN;
    uint64_t windows = 0;
    bool silent = false;
};

struct CliTrack {
    std::string path, artist, album_artist, album;
    uint32_t rate = 0;
    unsigned channels = 0, bits = 0;
    uint64_t frames = 0, windows = 0;
    int32_t official_dr = -1;
    float dr = NAN, peak_db = NAN, rms_db = NAN;
    std::vector<CliChannel> channel;
};

struct CliSection {
    int32_t official_dr = -1;
    float dr = NAN;
    std::vector<size_t> tracks;
};

struct CliRun {
    std::vector<CliTrack> tracks;
    std::vector<CliSection> sections;
};

// strtod: correctly rounded, and it reads "nan", "inf" and "-inf" (iostreams do not).
static bool parse_double(const std::string& word, double& out) {
    char* end = nullptr;
    out = std::strtod(word.c_str(), &end);
    return !word.empty() && end == word.c_str() + word.size();
}

static bool parse_float(const std::string& word, float& out) {
    char* end = nullptr;
    out = std::strtof(word.c_str(), &end);
    return !word.empty() && end == word.c_str() + word.size();
}

static bool parse_dr(const std::string& word, int32_t& out) {
    char* end = nullptr;
    out = (int32_t)std::strtol(word.c_str(), &end, 10);
    return !word.empty() && end == word.c_str() + word.size();
}

static bool read_cli_values(const std::string& path, CliRun& run) {
    std::ifstream f(path);
    if (!f) return false;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#') continue;
        const size_t space = line.find(' ');
        const std::string key = line.substr(0, space);
        const std::string rest = space == std::string::npos ? std::string() : line.substr(space + 1);
        const std::vector<std::string> w = split_words(rest);
        if (key == "track") {
            run.tracks.emplace_back();
            continue;
        }
        if (key == "section") {
            CliSection sec;
            if (w.size() < 2 || !parse_dr(w[0], sec.official_dr) || !parse_float(w[1], sec.dr)) return false;
            for (size_t i = 2; i < w.size(); ++i) sec.tracks.push_back((size_t)std::stoul(w[i]));
            run.sections.push_back(sec);
            continue;
        }
        if (run.tracks.empty()) return false;
        CliTrack& t = run.tracks.back();
        if (key == "path") {
            t.path = rest;
        } else if (key == "artist") {
            t.artist = rest;
        } else if (key == "album_artist") {
            t.album_artist = rest;
        } else if (key == "album") {
            t.album = rest;
        } else if (key == "format") {
            if (w.size() != 5) return false;
            t.rate = (uint32_t)std::stoul(w[0]);
            t.channels = (unsigned)std::stoul(w[1]);
            t.bits = (unsigned)std::stoul(w[2]);
            t.frames = std::stoull(w[3]);
            t.windows = std::stoull(w[4]);
        } else if (key == "dr") {
            if (w.size() != 4 || !parse_dr(w[0], t.official_dr) || !parse_float(w[1], t.dr) ||
                !parse_float(w[2], t.peak_db) || !parse_float(w[3], t.rms_db))
                return false;
        } else if (key == "channel") {
            CliChannel c;
            if (w.size() != 7 || !parse_float(w[0], c.dr) || !parse_float(w[1], c.peak_db) ||
                !parse_float(w[2], c.rms_db) || !parse_double(w[3], c.loud_rms_db) ||
                !parse_double(w[4], c.dr_peak_db) || (w[6] != "0" && w[6] != "1"))
                return false;
            c.windows = std::stoull(w[5]);
            c.silent = w[6] == "1";
            t.channel.push_back(c);
        } else {
            return false;
        }
    }
    return !run.tracks.empty();
}

// dBFS in full precision as the JSON's loud_rms_db and dr_peak_db (20 log10(x)); this file's
// log10 is the C library's, dr-core's a pure-Rust one, so they agree to about 1e-15 dB.
static double db(double linear) { return 20 * std::log10(linear); }
static const double kLog10Tol = 1e-12;

static bool same_bits(double a, double b) {
    uint64_t x, y;
    std::memcpy(&x, &a, 8);
    std::memcpy(&y, &b, 8);
    return x == y;
}

// tol 0: the same bits; else within tol (infinities only equal themselves).
static bool close_to(double got, double expected, double tol) {
    if (tol == 0) return same_bits(got, expected);
    if (std::isinf(got) || std::isinf(expected)) return got == expected;
    return std::fabs(got - expected) <= tol;
}

#define CHECK_CLOSE(got, expected, tol, what)                                                        \
    do {                                                                                             \
        ++g_checks;                                                                                  \
        const double g_ = (got), e_ = (expected), t_ = (tol);                                        \
        if (!close_to(g_, e_, t_)) {                                                                 \
            ++g_failures;                                                                            \
            std::fprintf(stderr, "%s:%d: %s: %s = %.17g, the CLI's %.17g (%s %g)\n", __FILE__, __LINE__, \
                         (what).c_str(), #got, g_, e_, t_ == 0 ? "bits must match;" : "tolerance", t_); \
        }                                                                                            \
    } while (0)

// How the samples of a file are pushed.
enum class Push {
    Native,  // the file's own type: int16 / int32 with its bits (u8 as v - 128, 8 bits) / float / double
    F64,     // as double, full scale 1.0 (foobar2000's audio_sample on x64)
    F32,     // as float (audio_sample on 32-bit x86)
};
static const char* push_name(Push p) { return p == Push::Native ? "native" : p == Push::F64 ? "double" : "float"; }

// One shipped file, read and converted once.
struct FileAudio {
    const CliTrack* cli = nullptr;
    Wav wav;
    std::vector<double> xd;
    std::vector<float> xf;
    bool float_exact = true;  // every sample survives the conversion to float
    unsigned int_bits() const { return wav.type == WavType::U8 ? 8 : wav.bits; }
};

// How closely a push of `file` must give the CLI's numbers, and why.
//  * Bit-identical (tol 0) when the library sees the same numbers in the same kind of
//    arithmetic as the CLI: integer PCM pushed as integers (exact u64/u128 sums, whatever the
//    chunking or order), and float PCM pushed as float or double (f32 -> f64 is exact, and
//    the float sums' lanes follow the frame's place in its window, not the chunking, so the
//    CLI's planar buffers and these interleaved chunks add in the same order).
//  * 1e-5 dB on the published (float) values when integer PCM is pushed as exact floats: the
//    same values, but summed in f64 (rounding ~1e-16 relative) instead of exactly, which can
//    move a float's last bit. Peaks are still bit-identical (a max of exactly scaled values).
//  * 1e-5 dB, peaks included, when the float conversion itself rounds (32-bit PCM with more
//    than 24 significant bits: up to 2^-24 relative per sample, 5.2e-7 dB on a peak). None of
//    the shipped files does (wav-s32.wav holds 24-bit audio, wav-f64.wav float values): the
//    rule is for files added later.
struct Expectation {
    double tol_db;
    bool peaks_exact;
};
static Expectation expectation(const FileAudio& f, Push p) {
    const bool lossless = p != Push::F32 || f.float_exact;
    const bool same_arithmetic = p == Push::Native || f.wav.is_float();
    if (!lossless) return {1e-5, false};
    return {same_arithmetic ? 0.0 : 1e-5, true};
}

static void compare_with_cli(const mm_result* r, const CliTrack& t, Expectation e, const std::string& what) {
    if (!r) {
        CHECK(!"no result");
        return;
    }
    const mm_track_summary s = summary_of(r);
    const int before = g_failures;
    CHECK(s.sample_rate == t.rate && s.channels == t.channels);
    CHECK(s.frames == t.frames && s.windows == t.windows);
    CHECK(s.official_dr == t.official_dr);
    const double peak_tol = e.peaks_exact ? 0.0 : e.tol_db;
    CHECK_CLOSE(s.dr, t.dr, e.tol_db, what);
    CHECK_CLOSE(s.peak_db, t.peak_db, peak_tol, what);
    CHECK_CLOSE(s.rms_db, t.rms_db, e.tol_db, what);
    for (uint32_t c = 0; c < s.channels && c < t.channel.size(); ++c) {
        const mm_channel_result ch = channel_of(r, c);
        const CliChannel& x = t.channel[c];
        const std::string at = what + " channel " + std::to_string(c);
        CHECK_CLOSE(ch.dr, x.dr, e.tol_db, at);
        CHECK_CLOSE(ch.peak_db, x.peak_db, peak_tol, at);
        CHECK_CLOSE(ch.rms_db, x.rms_db, e.tol_db, at);
        CHECK_CLOSE(db(ch.loud_rms), x.loud_rms_db, std::max(e.tol_db, kLog10Tol), at);
        CHECK_CLOSE(db(ch.dr_peak), x.dr_peak_db, std::max(peak_tol, kLog10Tol), at);
        CHECK(ch.windows == x.windows && ch.silent == x.silent && !ch.excluded);
    }
    if (g_failures != before) std::fprintf(stderr, "  (while comparing %s with the CLI)\n", what.c_str());
}

// Every value of two results has the same bits.
static void check_identical(const mm_result* a, const mm_result* b, const std::string& what) {
    if (!a || !b) {
        CHECK(!"no result");
        return;
    }
    const int before = g_failures;
    const mm_track_summary x = summary_of(a), y = summary_of(b);
    CHECK(x.frames == y.frames && x.windows == y.windows && x.channels == y.channels);
    CHECK(x.official_dr == y.official_dr && same_bits(x.dr, y.dr) && x.all_silent == y.all_silent);
    CHECK(same_bits(x.peak, y.peak) && same_bits(x.rms, y.rms));
    CHECK(same_bits(x.peak_db, y.peak_db) && same_bits(x.rms_db, y.rms_db));
    for (uint32_t c = 0; c < x.channels && c < y.channels; ++c) {
        const mm_channel_result p = channel_of(a, c), q = channel_of(b, c);
        CHECK(same_bits(p.dr_unrounded, q.dr_unrounded) && same_bits(p.dr, q.dr));
        CHECK(same_bits(p.rms_unrounded, q.rms_unrounded) && same_bits(p.rms, q.rms));
        CHECK(same_bits(p.peak, q.peak) && same_bits(p.dr_peak, q.dr_peak) && same_bits(p.loud_rms, q.loud_rms));
        CHECK(same_bits(p.peak_db, q.peak_db) && same_bits(p.rms_db, q.rms_db));
        CHECK(p.windows == q.windows && p.silent == q.silent);
    }
    if (g_failures != before) std::fprintf(stderr, "  (while checking that %s are identical)\n", what.c_str());
}

// Random chunks through the analyser API.
template <typename T, typename PushFn>
static ResultPtr analyse_chunks(const std::vector<T>& x, unsigned channels, uint32_t rate, PushFn push) {
    mm_analyzer* a = nullptr;
    CHECK_OK(mm_analyzer_new(rate, channels, nullptr, &a));
    if (!a) return ResultPtr();
    const size_t frames = x.size() / channels;
    size_t pos = 0;
    while (pos < frames) {
        const size_t n = random_chunk(frames - pos);
        CHECK_OK(push(a, x.data() + pos * channels, n));
        pos += n;
    }
    mm_result* r = nullptr;
    CHECK_OK(mm_analyzer_finish(a, &r));
    mm_analyzer_free(a);
    return ResultPtr(r);
}

static ResultPtr analyse_file(const FileAudio& f, Push p) {
    const Wav& w = f.wav;
    if (p == Push::F64) return analyse_chunks(f.xd, w.channels, w.rate, mm_analyzer_push_f64);
    if (p == Push::F32) return analyse_chunks(f.xf, w.channels, w.rate, mm_analyzer_push_f32);
    switch (w.type) {
        case WavType::S16: return analyse_chunks(w.pcm, w.channels, w.rate, mm_analyzer_push_i16);
        case WavType::F32: return analyse_chunks(w.f32, w.channels, w.rate, mm_analyzer_push_f32);
        case WavType::F64: return analyse_chunks(w.f64, w.channels, w.rate, mm_analyzer_push_f64);
        default: {
            const uint32_t bits = f.int_bits();
            return analyse_chunks(w.ints, w.channels, w.rate, [bits](mm_analyzer* a, const int32_t* x, size_t n) {
                return mm_analyzer_push_i32(a, x, n, bits);
            });
        }
    }
}

// The batch API driven as the foobar2000 component drives it: a decoder hands out chunks of
// its own (random) sizes and mm_shim::ChunkStream (cpp-shim/src/decode_adapter.h, the shim's
// own adapter) copies them into the library's read buffer.
template <typename Sample>
struct ChunkedFile {
    const Sample* data = nullptr;
    size_t frames = 0;
    mm_shim::StreamFormat format;
    std::mt19937 rng;
    size_t pos = 0;
    bool operator()(mm_shim::ChunkRef<Sample>& out) {
        if (pos >= frames) return false;
        const uint32_t pick = rng() % 100;
        const size_t n = std::min<size_t>(pick < 5 ? 0 : pick < 10 ? 1 : 1 + rng() % 5000, frames - pos);
        out.data = data + pos * format.channels;
        out.frames = n;
        out.format = format;
        pos += n;
        return true;
    }
};

struct BatchFileSource {
    virtual ~BatchFileSource() = default;
    virtual int64_t prime() = 0;
    virtual int64_t read(void* dst, size_t capacity) = 0;
    virtual const std::string& error() const = 0;
};

template <typename Sample>
struct StreamedFile final : BatchFileSource {
    mm_shim::ChunkStream<Sample, ChunkedFile<Sample>> stream;
    explicit StreamedFile(ChunkedFile<Sample> file) : stream(std::move(file)) {}
    int64_t prime() override { return stream.prime(); }
    int64_t read(void* dst, size_t capacity) override { return stream.read(static_cast<Sample*>(dst), capacity); }
    const std::string& error() const override { return stream.error(); }
};

struct FileBatch {
    struct Item {
        const FileAudio* file;
        Push push;
    };
    std::vector<Item> items;
    std::atomic<int> opened{0}, closed{0};
};

template <typename Sample>
static BatchFileSource* stream_of(const std::vector<Sample>& x, const Wav& w, size_t index) {
    ChunkedFile<Sample> file;
    file.data = x.data();
    file.frames = x.size() / w.channels;
    file.format.sample_rate = w.rate;
    file.format.channels = w.channels;
    file.format.channel_mask = w.channel_mask;
    file.rng.seed((uint32_t)index * 7919 + 3);
    return new StreamedFile<Sample>(std::move(file));
}

extern "C" int32_t file_open(void* user, size_t index, void** source, mm_source_format* format, char* error,
                             size_t error_capacity) {
    auto* b = static_cast<FileBatch*>(user);
    *source = nullptr;
    if (index >= b->items.size()) return MM_INVALID_ARGUMENT;
    const FileAudio& f = *b->items[index].file;
    const Wav& w = f.wav;
    int32_t type = MM_SAMPLE_F64;
    BatchFileSource* s = nullptr;
    const Push push = b->items[index].push;
    if (push == Push::F64) {
        s = stream_of(f.xd, w, index);
    } else if (push == Push::F32) {
        s = stream_of(f.xf, w, index);
        type = MM_SAMPLE_F32;
    } else if (w.type == WavType::S16) {
        s = stream_of(w.pcm, w, index);
        type = MM_SAMPLE_I16;
    } else if (w.type == WavType::F32) {
        s = stream_of(w.f32, w, index);
        type = MM_SAMPLE_F32;
    } else if (w.type == WavType::F64) {
        s = stream_of(w.f64, w, index);
    } else {
        s = stream_of(w.ints, w, index);
        type = MM_SAMPLE_I32;
    }
    if (s->prime() != 1) {
        std::snprintf(error, error_capacity, "%s", s->error().c_str());
        delete s;
        return MM_DECODE_ERROR;
    }
    format->sample_rate = w.rate;
    format->channels = w.channels;
    format->sample_type = type;
    format->bits_per_sample = type == MM_SAMPLE_I32 ? f.int_bits() : 0;
    format->excluded_channel = -1;  // as the CLI: every channel counts, LFE included
    *source = s;
    ++b->opened;
    return MM_OK;
}

extern "C" int64_t file_read(void* source, void* buffer, size_t capacity, mm_source_format*, char* error,
                             size_t error_capacity) {
    auto* s = static_cast<BatchFileSource*>(source);
    const int64_t r = s->read(buffer, capacity);
    if (r < 0) std::snprintf(error, error_capacity, "%s", s->error().c_str());
    return r < 0 ? -1 : r;
}

static FileBatch* g_file_batch = nullptr;  // for close's counter

extern "C" void file_close(void* source) {
    delete static_cast<BatchFileSource*>(source);
    ++g_file_batch->closed;
}

static void test_cli_files(const std::string& values_path) {
    CliRun cli;
    if (values_path.empty() || !read_cli_values(values_path, cli)) {
        std::fprintf(stderr, "cannot read the CLI's values from \"%s\" (--expected <file>)\n", values_path.c_str());
        CHECK(!"the CLI's values are readable");
        return;
    }
    CHECK(cli.tracks.size() == 7);
    std::vector<FileAudio> files(cli.tracks.size());
    for (size_t i = 0; i < files.size(); ++i) {
        FileAudio& f = files[i];
        f.cli = &cli.tracks[i];
        const CliTrack& t = *f.cli;
        if (!read_wav(t.path, f.wav)) {
            std::fprintf(stderr, "cannot read %s\n", t.path.c_str());
            CHECK(!"a shipped WAV file is readable");
            return;
        }
        CHECK(f.wav.channels == t.channels && f.wav.rate == t.rate && f.wav.bits == t.bits);
        CHECK(f.wav.frames() == t.frames);
        f.xd = f.wav.as_double();
        f.xf.resize(f.xd.size());
        for (size_t j = 0; j < f.xd.size(); ++j) {
            f.xf[j] = (float)f.xd[j];
            f.float_exact = f.float_exact && (double)f.xf[j] == f.xd[j];
        }
    }
    // The set covers what it should: every WAV sample type, and one extensible 5.1 file (LFE
    // counted, as the CLI and foobar2000 count it).
    std::vector<WavType> types;
    bool has_51 = false;
    for (const FileAudio& f : files) {
        types.push_back(f.wav.type);
        has_51 = has_51 || (f.wav.channels == 6 && f.wav.channel_mask == 0x3f);
        if (!f.float_exact) std::printf("cli_files: %s does not convert to float exactly\n", f.cli->path.c_str());
    }
    for (WavType t : {WavType::U8, WavType::S16, WavType::S24, WavType::S32, WavType::F32, WavType::F64})
        CHECK(std::count(types.begin(), types.end(), t) >= 1);
    CHECK(has_51);

    // The analyser API, random chunks.
    const Push pushes[3] = {Push::Native, Push::F64, Push::F32};
    std::vector<std::array<ResultPtr, 3>> direct(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
        const FileAudio& f = files[i];
        for (int p = 0; p < 3; ++p) {
            direct[i][p] = analyse_file(f, pushes[p]);
            const std::string what = f.cli->path + " pushed as " + push_name(pushes[p]);
            compare_with_cli(direct[i][p].p, *f.cli, expectation(f, pushes[p]), what);
        }
        // Float and double pushes of the same values run the same f64 arithmetic.
        if (f.float_exact) check_identical(direct[i][2].p, direct[i][1].p, f.cli->path + " as float and as double");
    }

    // The batch API with the shim's chunk adapter: every file in every push, at once.
    FileBatch b;
    g_file_batch = &b;
    for (const FileAudio& f : files)
        for (Push p : pushes) b.items.push_back({&f, p});
    mm_decoder d{};
    d.user = &b;
    d.open = file_open;
    d.read = file_read;
    d.close = file_close;
    mm_batch_options o = mm_batch_options_default();
    o.threads = 2;
    o.buffer_frames = 1000;  // several reads per decoder chunk, several chunks per read
    std::vector<mm_track_outcome> out(b.items.size());
    CHECK_OK(mm_batch_analyze(&d, out.size(), &o, out.data()));
    CHECK(b.opened == (int)out.size() && b.closed == (int)out.size());
    for (size_t k = 0; k < out.size(); ++k) {
        const size_t i = k / 3;
        const int p = (int)(k % 3);
        const std::string what = files[i].cli->path + " in a batch as " + push_name(pushes[p]);
        CHECK(out[k].status == MM_OK && out[k].result != nullptr);
        if (out[k].status != MM_OK) std::fprintf(stderr, "%s: %s\n", what.c_str(), out[k].error ? out[k].error : "?");
        if (!out[k].result) continue;
        // The same type through either API: the same bits, whatever the chunking.
        check_identical(out[k].result, direct[i][p].p, what + " and through the analyser");
        compare_with_cli(out[k].result, *files[i].cli, expectation(files[i], pushes[p]), what);
    }
    mm_track_outcomes_free(out.data(), out.size());

    // Album sections: the natively pushed results (the CLI's own bits) with the CLI's tags and
    // paths give the CLI's album DRs, bit for bit (the same track DRs, averaged by the same code).
    mm_log_builder* builder = nullptr;
    CHECK_OK(mm_log_builder_new(&builder));
    for (size_t i = 0; i < files.size(); ++i) {
        const CliTrack& t = *files[i].cli;
        mm_track_meta m{};
        m.path = t.path.c_str();
        m.artist = t.artist.empty() ? nullptr : t.artist.c_str();
        m.album_artist = t.album_artist.empty() ? nullptr : t.album_artist.c_str();
        m.album = t.album.empty() ? nullptr : t.album.c_str();
        m.codec = "PCM";
        m.bits_per_sample = t.bits;
        m.channel_mask = files[i].wav.channel_mask;
        CHECK_OK(mm_log_builder_add_track(builder, direct[i][0].p, &m));
    }
    size_t in_sections = 0;
    for (const CliSection& sec : cli.sections) {
        for (size_t i : sec.tracks) {
            ++in_sections;
            int32_t official = 0;
            float dr = 0;
            CHECK_OK(mm_log_builder_album_dr(builder, i, &official, &dr));
            CHECK(official == sec.official_dr);
            CHECK_CLOSE(dr, sec.dr, 0.0, std::string("album DR of track ") + std::to_string(i));
        }
    }
    CHECK(in_sections == files.size());
    mm_log_builder_free(builder);
}

// ---------------------------------------------------------------------------------------------

int main(int argc, char** argv) {
    std::string expected;  // the CLI's values for the shipped files (test cli_files)
    std::string only;      // run this test alone (bench/cancel-latency.sh)
    bool usage_ok = argc >= 2;
    for (int i = 2; i < argc && usage_ok; ++i) {
        if (std::strcmp(argv[i], "--valgrind") == 0) g_valgrind = true;
        else if (std::strcmp(argv[i], "--expected") == 0 && i + 1 < argc) expected = argv[++i];
        else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
        else usage_ok = false;
    }
    if (!usage_ok) {
        std::fprintf(stderr, "usage: %s <scratch dir> [--expected <CLI values file>] [--valgrind] [--only <test>]\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    struct Test {
        const char* name;
        std::function<void()> run;
    };
    const Test tests[] = {
        {"version", test_version},
        {"dc", test_dc},
        {"second_peak", test_second_peak},
        {"window_counts", test_window_counts},
        {"wav", [&] { test_wav(dir); }},
        {"silence_and_exclusion", test_silence_and_exclusion},
        {"misuse", test_misuse},
        {"threads", test_threads},
        {"logs", test_logs},
        {"album_dr", test_album_dr},
        {"batch_fb2k", test_batch_fb2k},
        {"batch_format_change", test_batch_format_change},
        {"batch_cancel_token", test_batch_cancel_token},
        {"batch_progress_abort", test_batch_progress_abort},
        {"batch_misuse", test_batch_misuse},
        {"cli_files", [&] { test_cli_files(expected); }},
    };
    int passed = 0, failed = 0;
    for (const Test& t : tests) {
        if (!only.empty() && only != t.name) continue;
        const int before = g_failures;
        const auto start = std::chrono::steady_clock::now();
        t.run();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const bool ok = g_failures == before;
        std::printf("test %-24s %s (%.2f s)\n", t.name, ok ? "ok" : "FAILED", s);
        std::fflush(stdout);
        (ok ? passed : failed) += 1;
    }
    std::printf("%d checks; %d passed, %d failed\n", g_checks, passed, failed);
    return failed == 0 ? 0 : 1;
}
