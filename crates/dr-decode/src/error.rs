//! Why a track could not be measured, and the warnings a measured track carries.
//!
//! Every error names the track (its path, or `<memory>` for in-memory input) and says in
//! plain words what is wrong, with times as a listener reads them (`2:01`, `1:23.456`).

use std::fmt;
use std::path::PathBuf;

use symphonia::core::errors::Error as SymphoniaError;

use crate::track::Codec;

/// What went wrong, for programs (tests, the CLI's exit status, the C ABI's error codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The file could not be opened or read (missing, permission denied, I/O error).
    Open,
    /// Not a format this build decodes: another codec or container, or not audio at all.
    Unsupported,
    /// The header declares parameters no real stream has (0 channels, sample rate 0, ...).
    InvalidParameters,
    /// The header or container structure is damaged beyond reading.
    Malformed,
    /// The stream ends before the length its header declares.
    Truncated,
    /// A frame of audio is damaged (bad CRC, undecodable data, a gap in the timeline).
    Corrupt,
    /// The sample rate or channel count changes in the middle of the stream.
    StreamChanged,
    /// The caller asked to stop.
    Cancelled,
    /// The analyser refused the decoded audio (should not happen for decodable input).
    Analysis,
    /// A decoder failed internally (a bug met on malformed data); caught, never a crash.
    Internal,
}

impl ErrorKind {
    /// The kind's name for programs (the JSON `failures[].kind`): snake_case.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Open => "open",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::InvalidParameters => "invalid_parameters",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Truncated => "truncated",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::StreamChanged => "stream_changed",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Analysis => "analysis",
            ErrorKind::Internal => "internal",
        }
    }
}

/// Why one track could not be measured. Other tracks are unaffected.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{source_name}: cannot open: {reason}", source_name = .path.display())]
    Open { path: PathBuf, reason: String },

    #[error("{source_name}: unsupported format: {what}", source_name = .path.display())]
    Unsupported { path: PathBuf, what: String },

    #[error("{source_name}: invalid stream parameters: {reason}", source_name = .path.display())]
    InvalidParameters { path: PathBuf, reason: String },

    #[error("{source_name}: malformed {format} file: {reason}", source_name = .path.display())]
    Malformed {
        path: PathBuf,
        format: String,
        reason: String,
    },

    #[error(
        "{source_name}: truncated: decoded {lengths}",
        source_name = .path.display(),
        lengths = truncation_lengths(*.decoded_frames, *.cut, *.sample_rate)
    )]
    Truncated {
        path: PathBuf,
        decoded_frames: u64,
        /// How the file shows it is cut.
        cut: Cut,
        sample_rate: u32,
    },

    #[error(
        "{source_name}: corrupt {codec} frame at {at}: {detail}",
        source_name = .path.display(),
        at = format_position(*.at_seconds)
    )]
    Corrupt {
        path: PathBuf,
        codec: String,
        at_seconds: f64,
        detail: String,
    },

    #[error(
        "{source_name}: stream changes at {at}: {detail}",
        source_name = .path.display(),
        at = format_position(*.at_seconds)
    )]
    StreamChanged {
        path: PathBuf,
        at_seconds: f64,
        detail: String,
    },

    #[error("{source_name}: cancelled", source_name = .path.display())]
    Cancelled { path: PathBuf },

    #[error("{source_name}: analysis failed: {source}", source_name = .path.display())]
    Analysis { path: PathBuf, source: dr_core::Error },

    #[error("{source_name}: internal decoder failure: {reason}", source_name = .path.display())]
    Internal { path: PathBuf, reason: String },
}

impl DecodeError {
    /// The kind of failure, stable for programs to branch on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DecodeError::Open { .. } => ErrorKind::Open,
            DecodeError::Unsupported { .. } => ErrorKind::Unsupported,
            DecodeError::InvalidParameters { .. } => ErrorKind::InvalidParameters,
            DecodeError::Malformed { .. } => ErrorKind::Malformed,
            DecodeError::Truncated { .. } => ErrorKind::Truncated,
            DecodeError::Corrupt { .. } => ErrorKind::Corrupt,
            DecodeError::StreamChanged { .. } => ErrorKind::StreamChanged,
            DecodeError::Cancelled { .. } => ErrorKind::Cancelled,
            DecodeError::Analysis { .. } => ErrorKind::Analysis,
            DecodeError::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// The track the error is about (`<memory>` for in-memory input).
    pub fn path(&self) -> &std::path::Path {
        match self {
            DecodeError::Open { path, .. }
            | DecodeError::Unsupported { path, .. }
            | DecodeError::InvalidParameters { path, .. }
            | DecodeError::Malformed { path, .. }
            | DecodeError::Truncated { path, .. }
            | DecodeError::Corrupt { path, .. }
            | DecodeError::StreamChanged { path, .. }
            | DecodeError::Cancelled { path }
            | DecodeError::Analysis { path, .. }
            | DecodeError::Internal { path, .. } => path,
        }
    }

    /// The reason alone, without the path prefix (for logs that print the path themselves,
    /// like `Failed: <path>: <reason>`).
    pub fn reason(&self) -> String {
        let full = self.to_string();
        let prefix = format!("{}: ", self.path().display());
        match full.strip_prefix(&prefix) {
            Some(reason) => reason.to_owned(),
            None => full,
        }
    }
}

/// How a truncated file shows that audio is missing at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The header declares this many frames, more than the file holds.
    Declared(u64),
    /// The last frame is incomplete (the header states no length, or one that was reached).
    MidFrame,
    /// The Ogg stream ends without the page that marks its end.
    NoEndOfStream,
}

/// Something a listener should know about a track that was nevertheless measured: its DR
/// is not that of the whole, intact file.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeWarning {
    /// Where in the track it happened.
    pub at_seconds: f64,
    /// What happened, in plain words.
    pub message: String,
}

impl fmt::Display for DecodeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", format_position(self.at_seconds), self.message)
    }
}

/// What an error says about a track, with the numbers to place it in time.
#[derive(Clone, Debug)]
pub(crate) struct TrackContext {
    pub(crate) path: PathBuf,
    pub(crate) codec: Codec,
    pub(crate) sample_rate: u32,
}

impl TrackContext {
    pub(crate) fn seconds(&self, frames: u64) -> f64 {
        frames as f64 / f64::from(self.sample_rate.max(1))
    }

    pub(crate) fn corrupt(&self, at_frame: u64, detail: impl Into<String>) -> DecodeError {
        DecodeError::Corrupt {
            path: self.path.clone(),
            codec: self.codec.name().to_owned(),
            at_seconds: self.seconds(at_frame),
            detail: detail.into(),
        }
    }

    pub(crate) fn truncated(&self, decoded: u64, declared: u64) -> DecodeError {
        self.cut_short(decoded, Cut::Declared(declared))
    }

    pub(crate) fn cut_short(&self, decoded: u64, cut: Cut) -> DecodeError {
        DecodeError::Truncated {
            path: self.path.clone(),
            decoded_frames: decoded,
            cut,
            sample_rate: self.sample_rate,
        }
    }

    pub(crate) fn changed(&self, at_frame: u64, detail: impl Into<String>) -> DecodeError {
        DecodeError::StreamChanged {
            path: self.path.clone(),
            at_seconds: self.seconds(at_frame),
            detail: detail.into(),
        }
    }

    pub(crate) fn analysis(&self, source: dr_core::Error) -> DecodeError {
        DecodeError::Analysis {
            path: self.path.clone(),
            source,
        }
    }

    pub(crate) fn cancelled(&self) -> DecodeError {
        DecodeError::Cancelled {
            path: self.path.clone(),
        }
    }

    pub(crate) fn internal(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::Internal {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    /// A symphonia decode failure at `at_frame`, as a track error.
    pub(crate) fn decode_failure(&self, at_frame: u64, error: SymphoniaError) -> DecodeError {
        match error {
            SymphoniaError::ResetRequired => self.changed(at_frame, "the decoder must restart (new stream parameters)"),
            SymphoniaError::Unsupported(what) => DecodeError::Unsupported {
                path: self.path.clone(),
                what: format!("{} feature this decoder lacks ({what})", self.codec),
            },
            other => self.corrupt(at_frame, other.to_string()),
        }
    }
}

/// The warning for lossy audio whose file ends inside a frame.
pub(crate) const MID_FRAME_WARNING: &str = "the file ends in the middle of a frame: it may be cut short";

/// An I/O error as a person reads it: the system's words without Rust's "(os error 2)".
pub(crate) fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// "2:01 of 3:45", or in frames when the times read the same ("3:12 of 3:12" says nothing).
/// When nothing says how long the track should be, what is known: how the file ends.
fn truncation_lengths(decoded: u64, cut: Cut, sample_rate: u32) -> String {
    let seconds = |frames: u64| frames as f64 / f64::from(sample_rate.max(1));
    let decoded_time = format_duration(seconds(decoded));
    match cut {
        Cut::Declared(expected) if expected > decoded => {
            let expected_time = format_duration(seconds(expected));
            if decoded_time == expected_time {
                format!("{decoded} of {expected} frames")
            } else {
                format!("{decoded_time} of {expected_time}")
            }
        }
        Cut::Declared(_) | Cut::MidFrame => {
            format!("{decoded_time} ({decoded} frames), then the file ends in the middle of a frame")
        }
        Cut::NoEndOfStream => {
            format!("{decoded_time} ({decoded} frames), then the file ends without the Ogg page that ends the stream")
        }
    }
}

/// `m:ss` (or `h:mm:ss`), seconds rounded to nearest, as the logs print a duration.
pub fn format_duration(seconds: f64) -> String {
    // Rounded to nearest, as the logs round a track's duration (6.6 s is 0:07 in both).
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.round() as u64
    } else {
        0
    };
    let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{secs:02}")
    } else {
        format!("{minutes}:{secs:02}")
    }
}

/// `m:ss.mmm` (or `h:mm:ss.mmm`): a position precise enough to find a bad frame.
pub fn format_position(seconds: f64) -> String {
    let millis_total = if seconds.is_finite() && seconds > 0.0 {
        (seconds * 1000.0).floor() as u64
    } else {
        0
    };
    let millis = millis_total % 1000;
    format!("{}.{millis:03}", format_duration((millis_total / 1000) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_player() {
        assert_eq!(format_duration(121.9), "2:02");
        assert_eq!(format_duration(121.4), "2:01");
        assert_eq!(format_duration(225.0), "3:45");
        assert_eq!(format_duration(3723.0), "1:02:03");
        assert_eq!(format_duration(f64::NAN), "0:00");
        assert_eq!(format_position(83.456), "1:23.456");
        assert_eq!(format_position(0.0), "0:00.000");
    }

    #[test]
    fn io_errors_read_without_the_os_error_number() {
        let missing = std::io::Error::from_raw_os_error(2);
        assert!(missing.to_string().ends_with("(os error 2)"));
        assert_eq!(io_reason(&missing), "No such file or directory");
        assert_eq!(io_reason(&std::io::Error::other("plain")), "plain");
    }

    #[test]
    fn reason_drops_the_path() {
        let error = DecodeError::Truncated {
            path: PathBuf::from("/music/a.flac"),
            decoded_frames: 121 * 44_100,
            cut: Cut::Declared(225 * 44_100),
            sample_rate: 44_100,
        };
        assert_eq!(error.to_string(), "/music/a.flac: truncated: decoded 2:01 of 3:45");
        assert_eq!(error.reason(), "truncated: decoded 2:01 of 3:45");
        assert_eq!(error.kind(), ErrorKind::Truncated);
        assert_eq!(truncation_lengths(99, Cut::Declared(100), 44_100), "99 of 100 frames");
        assert_eq!(
            truncation_lengths(44_100 * 3 + 5, Cut::Declared(44_100 * 3 + 5), 44_100),
            "0:03 (132305 frames), then the file ends in the middle of a frame"
        );
        assert_eq!(
            truncation_lengths(44_100 * 61, Cut::NoEndOfStream, 44_100),
            "1:01 (2690100 frames), then the file ends without the Ogg page that ends the stream"
        );
    }
}
