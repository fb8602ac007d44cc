//! Channel labels: which speaker each channel of a track feeds, and the order of the
//! log's per-channel columns (LOG_FORMAT.md, "Channel columns").

use std::cmp::Ordering;
use std::fmt;

use crate::model::TrackMeta;

/// Speaker names in the order of their bits in a WAVEFORMATEXTENSIBLE / foobar2000
/// channel mask (FL = bit 0 ... TBR = bit 17): the order of the log's columns.
pub const SPEAKER_LABELS: [&str; 18] = [
    "FL", "FR", "FC", "LFE", "BL", "BR", "FCL", "FCR", "BC", "SL", "SR", "TC", "TFL", "TFC", "TFR", "TBL", "TBC", "TBR",
];

/// The speaker layout foobar2000 assumes for a channel count when the file names none
/// (the SDK's `audio_chunk::g_guess_channel_config`): mono is FC, stereo FL FR, ...; a
/// count without an entry (0) takes the lowest bits.
const GUESSED_MASKS: [u32; 11] = [0, 0x4, 0x3, 0xB, 0x33, 0x3B, 0x3F, 0x70F, 0x63F, 0, 0x6FF];

fn guessed_mask(channels: usize) -> u32 {
    match GUESSED_MASKS.get(channels) {
        Some(&mask) if mask != 0 => mask,
        _ if channels >= 32 => u32::MAX,
        _ => (1u32 << channels) - 1,
    }
}

/// One channel's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelLabel {
    /// A named speaker position: the bit index in the channel mask.
    Speaker(u8),
    /// A channel with no known position, by its 1-based number in the track.
    Numbered(usize),
}

impl ChannelLabel {
    fn rank(self) -> (u8, usize) {
        match self {
            ChannelLabel::Speaker(bit) => (0, usize::from(bit)),
            ChannelLabel::Numbered(n) => (1, n),
        }
    }
}

impl Ord for ChannelLabel {
    /// Speakers in mask order, then numbered channels by number.
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for ChannelLabel {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for ChannelLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ChannelLabel::Speaker(bit) => f.write_str(SPEAKER_LABELS[usize::from(bit)]),
            ChannelLabel::Numbered(n) => write!(f, "Ch {n}"),
        }
    }
}

/// The speaker bit of a name as decoders and the C ABI give it ("FLC"/"FRC" are the
/// same speakers as "FCL"/"FCR").
fn speaker_bit(name: &str) -> Option<u8> {
    let name = match name.trim() {
        "FLC" => "FCL",
        "FRC" => "FCR",
        other => other,
    };
    SPEAKER_LABELS.iter().position(|&l| l == name).map(|i| i as u8)
}

/// The speaker names of a channel mask's channels, in channel order (set bits from the
/// lowest); `None` when the mask does not hold exactly `channels` speakers.
pub fn names_from_mask(mask: u32, channels: usize) -> Option<Vec<String>> {
    if mask.count_ones() as usize != channels {
        return None;
    }
    Some(
        (0..32u8)
            .filter(|&bit| mask & (1 << bit) != 0)
            .map(|bit| {
                SPEAKER_LABELS
                    .get(usize::from(bit))
                    .map_or_else(|| format!("bit {bit}"), |l| l.to_string())
            })
            .collect(),
    )
}

/// The label of each of a track's channels, in channel order. The layout the file names
/// decides; without one, foobar2000's assumption for the channel count. A channel with
/// no known position, or a position used twice, is numbered.
pub fn track_labels(meta: &TrackMeta) -> Vec<ChannelLabel> {
    let channels = usize::from(meta.channels);
    let guessed;
    let names: Vec<&str> = if meta.channel_names.len() == channels {
        meta.channel_names.iter().map(String::as_str).collect()
    } else {
        guessed = names_from_mask(guessed_mask(channels), channels).unwrap_or_default();
        guessed.iter().map(String::as_str).collect()
    };
    let mut used = 0u32;
    (0..channels)
        .map(|index| match names.get(index).and_then(|n| speaker_bit(n)) {
            Some(bit) if used & (1 << bit) == 0 => {
                used |= 1 << bit;
                ChannelLabel::Speaker(bit)
            }
            _ => ChannelLabel::Numbered(index + 1),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(channels: u16, names: &[&str]) -> TrackMeta {
        TrackMeta {
            channels,
            channel_names: names.iter().map(|s| s.to_string()).collect(),
            ..TrackMeta::default()
        }
    }

    fn text(labels: Vec<ChannelLabel>) -> Vec<String> {
        labels.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn guessed_layouts_follow_the_sdk_table() {
        assert_eq!(text(track_labels(&meta(1, &[]))), ["FC"]);
        assert_eq!(text(track_labels(&meta(2, &[]))), ["FL", "FR"]);
        assert_eq!(text(track_labels(&meta(3, &[]))), ["FL", "FR", "LFE"]);
        assert_eq!(text(track_labels(&meta(6, &[]))), ["FL", "FR", "FC", "LFE", "BL", "BR"]);
        assert_eq!(
            text(track_labels(&meta(8, &[]))),
            ["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"]
        );
        // No entry for 9: the lowest nine bits.
        assert_eq!(
            text(track_labels(&meta(9, &[]))),
            ["FL", "FR", "FC", "LFE", "BL", "BR", "FCL", "FCR", "BC"]
        );
    }

    #[test]
    fn named_layouts_unknown_and_repeated_positions() {
        assert_eq!(text(track_labels(&meta(2, &["FLC", "FRC"]))), ["FCL", "FCR"]);
        assert_eq!(
            text(track_labels(&meta(3, &["FL", "FL", "XYZ"]))),
            ["FL", "Ch 2", "Ch 3"]
        );
        assert_eq!(names_from_mask(0x3, 2).unwrap(), ["FL", "FR"]);
        assert_eq!(names_from_mask(0x3, 3), None);
    }
}
