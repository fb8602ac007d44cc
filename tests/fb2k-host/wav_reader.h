// wav_reader.h - a small RIFF/WAVE reader for the test host's decoder (no SDK, no library).
//
// Reads PCM (8-bit unsigned, 16/24/32-bit signed), IEEE float (32/64-bit) and
// WAVE_FORMAT_EXTENSIBLE with either subformat, and hands out frames as doubles at full scale
// 1.0: integer v / 2^(bits-1) (8-bit: (v - 128) / 128), floats as they are. Every value is
// exact in a double, so the samples equal those any other exact decoder gives.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fb2k_host {

struct WavFormat {
    uint32_t sample_rate = 0;
    uint32_t channels = 0;
    uint32_t bits = 0;          // container bits per sample
    bool is_float = false;
    uint32_t channel_mask = 0;  // dwChannelMask of WAVE_FORMAT_EXTENSIBLE; 0 when absent
    uint64_t frames = 0;
};

class WavReader {
public:
    // Throws std::runtime_error naming the file and the reason when it is not a WAV we read.
    explicit WavReader(const std::string& path) : path_(path) {
        file_ = std::fopen(path.c_str(), "rb");
        if (file_ == nullptr) fail("cannot open the file");
        uint8_t riff[12];
        if (std::fread(riff, 1, 12, file_) != 12 || std::memcmp(riff, "RIFF", 4) != 0 ||
            std::memcmp(riff + 8, "WAVE", 4) != 0)
            fail("not a RIFF/WAVE file");
        bool have_fmt = false;
        for (;;) {
            uint8_t head[8];
            if (std::fread(head, 1, 8, file_) != 8) fail("no data chunk");
            const uint32_t size = le32(head + 4);
            if (std::memcmp(head, "fmt ", 4) == 0) {
                std::vector<uint8_t> fmt(size);
                if (size < 16 || std::fread(fmt.data(), 1, size, file_) != size) fail("truncated fmt chunk");
                if (size & 1) std::fseek(file_, 1, SEEK_CUR);
                parse_fmt(fmt);
                have_fmt = true;
            } else if (std::memcmp(head, "data", 4) == 0) {
                if (!have_fmt) fail("data chunk before fmt chunk");
                frame_bytes_ = format_.channels * (format_.bits / 8);
                format_.frames = size / frame_bytes_;
                data_offset_ = std::ftell(file_);
                return;
            } else if (std::memcmp(head, "LIST", 4) == 0 && size >= 4) {
                std::vector<uint8_t> list(size);
                if (std::fread(list.data(), 1, size, file_) != size) fail("truncated LIST chunk");
                if (size & 1) std::fseek(file_, 1, SEEK_CUR);
                if (std::memcmp(list.data(), "INFO", 4) == 0) parse_info(list);
            } else {
                std::fseek(file_, static_cast<long>(size + (size & 1)), SEEK_CUR);
            }
        }
    }
    ~WavReader() {
        if (file_ != nullptr) std::fclose(file_);
    }
    WavReader(const WavReader&) = delete;
    WavReader& operator=(const WavReader&) = delete;

    const WavFormat& format() const { return format_; }
    // The RIFF INFO fields (IART, INAM, IPRD, IPRT, ...) as the file holds them, NULs cut.
    const std::vector<std::pair<std::string, std::string>>& info_tags() const { return info_; }

    // Positions the reader at frame `frame` (<= frames).
    void seek_frame(uint64_t frame) {
        if (frame > format_.frames) fail("seek beyond the end");
        if (std::fseek(file_, static_cast<long>(data_offset_ + frame * frame_bytes_), SEEK_SET) != 0) fail("seek failed");
        position_ = frame;
    }

    // Up to `max_frames` frames as interleaved doubles into `out`; returns the frames read
    // (0 at the end of the data). Throws when the file ends before its data chunk says.
    size_t read(std::vector<double>& out, size_t max_frames) {
        const uint64_t left = format_.frames - position_;
        const size_t frames = static_cast<size_t>(left < max_frames ? left : max_frames);
        raw_.resize(frames * frame_bytes_);
        if (frames > 0 && std::fread(raw_.data(), 1, raw_.size(), file_) != raw_.size()) fail("the data chunk is truncated");
        out.resize(frames * format_.channels);
        const size_t bytes = format_.bits / 8;
        for (size_t i = 0; i < out.size(); ++i) out[i] = sample(raw_.data() + i * bytes);
        position_ += frames;
        return frames;
    }

private:
    static uint32_t le16(const uint8_t* p) { return p[0] | (p[1] << 8); }
    static uint32_t le32(const uint8_t* p) {
        return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
    }

    [[noreturn]] void fail(const char* why) const { throw std::runtime_error(path_ + ": " + why); }

    void parse_fmt(const std::vector<uint8_t>& fmt) {
        uint32_t tag = le16(fmt.data());
        format_.channels = le16(fmt.data() + 2);
        format_.sample_rate = le32(fmt.data() + 4);
        format_.bits = le16(fmt.data() + 14);
        if (tag == 0xFFFE) {  // WAVE_FORMAT_EXTENSIBLE: the subformat GUID starts with the tag
            if (fmt.size() < 40) fail("truncated WAVE_FORMAT_EXTENSIBLE");
            format_.channel_mask = le32(fmt.data() + 20);
            tag = le16(fmt.data() + 24);
        }
        if (format_.channels == 0 || format_.sample_rate == 0) fail("0 channels or 0 Hz");
        if (tag == 1 && (format_.bits == 8 || format_.bits == 16 || format_.bits == 24 || format_.bits == 32)) {
            format_.is_float = false;
        } else if (tag == 3 && (format_.bits == 32 || format_.bits == 64)) {
            format_.is_float = true;
        } else {
            fail("unsupported sample format");
        }
    }

    void parse_info(const std::vector<uint8_t>& list) {
        size_t at = 4;
        while (at + 8 <= list.size()) {
            const uint32_t size = le32(list.data() + at + 4);
            if (at + 8 + size > list.size()) break;
            std::string value(reinterpret_cast<const char*>(list.data() + at + 8), size);
            value = value.substr(0, value.find('\0'));
            info_.emplace_back(std::string(reinterpret_cast<const char*>(list.data() + at), 4), value);
            at += 8 + size + (size & 1);
        }
    }

    double sample(const uint8_t* p) const {
        if (format_.is_float) {
            if (format_.bits == 32) {
                float f;
                std::memcpy(&f, p, 4);
                return f;
            }
            double d;
            std::memcpy(&d, p, 8);
            return d;
        }
        switch (format_.bits) {
        case 8:
            return (static_cast<int>(p[0]) - 128) / 128.0;
        case 16:
            return static_cast<int16_t>(le16(p)) / 32768.0;
        case 24: {
            int32_t v = static_cast<int32_t>(p[0] | (p[1] << 8) | (p[2] << 16));
            if (v & 0x800000) v -= 0x1000000;
            return v / 8388608.0;
        }
        default:
            return static_cast<int32_t>(le32(p)) / 2147483648.0;
        }
    }

    std::string path_;
    std::FILE* file_ = nullptr;
    WavFormat format_;
    uint32_t frame_bytes_ = 0;
    long data_offset_ = 0;
    uint64_t position_ = 0;
    std::vector<uint8_t> raw_;
    std::vector<std::pair<std::string, std::string>> info_;
};

}  // namespace fb2k_host
