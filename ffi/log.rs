//! DR logs and JSON: a builder collects tracks (result + metadata) and failures, then
//! renders with dr-report, the renderer the CLI uses, so the text is the same bytes.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use dr_report::{Failure as ReportFailure, LogDate, LogHeader, Report, ReportTrack, ToolInfo, TrackMeta};

use crate::result::{mm_result, MM_DR_NONE};
use crate::status::{check_mut, check_out, check_ref, check_str, guard, guard_value, mm_status, Failure, Outcome};

/// The product name at the head of logs and in the JSON `tool` object (as the CLI).
use dr_report::PRODUCT;

/// What `mm_log_render` produces.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mm_log_kind {
    /// The album log: one section per album (or folder), then the failures
    /// (`macinmeter --log album`).
    MM_LOG_ALBUM = 0,
    /// The detailed single-track log of each track, one after the other
    /// (`macinmeter --log track`; the usual choice for one track). Failures are not shown.
    MM_LOG_TRACK = 1,
    /// The JSON document (`macinmeter --format json`), UTF-8, schema 1.
    MM_LOG_JSON = 2,
}

pub use mm_log_kind::*;

/// What the logs show about a track besides its result. Strings are UTF-8 and
/// NUL-terminated; NULL (or empty, or only spaces) means absent. The library copies them.
/// Zero-initialise it (`mm_track_meta meta = {0};`), then set what you know.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mm_track_meta {
    /// The file as the user names it (required). '/' and '\\' both separate folders;
    /// tracks without album tags are grouped by folder.
    pub path: *const c_char,
    pub artist: *const c_char,
    pub album_artist: *const c_char,
    pub album: *const c_char,
    pub title: *const c_char,
    /// As tagged, e.g. "3" or "3/12".
    pub track_number: *const c_char,
    pub disc_number: *const c_char,
    /// The codec's common name: "FLAC", "MP3", "AAC", "PCM", ...
    pub codec: *const c_char,
    /// Bits per sample of the source; 0 for lossy codecs (no bit depth).
    pub bits_per_sample: u32,
    /// The speaker mask of the channel layout, WAVEFORMATEXTENSIBLE bits as foobar2000's
    /// `audio_chunk::get_channel_config()` gives them (FL 0x1, FR 0x2, FC 0x4, LFE 0x8,
    /// BL 0x10, BR 0x20, ...); 0 when unknown. It names the channels in the single-track
    /// log and the JSON, and marks the LFE channel. Ignored unless it has one bit per channel.
    pub channel_mask: u32,
    /// Average bitrate in kbps (size * 8 / duration; rate * bits * channels / 1000 for PCM);
    /// 0 (or less, or NaN) when unknown.
    pub bitrate_kbps: f64,
}

/// Collects tracks and failures for one log. Opaque; create with `mm_log_builder_new`,
/// free with `mm_log_builder_free`. May move between threads, not be used from two at once.
pub struct mm_log_builder {
    report: Report,
    /// Each track's album section result (by track index), made by the first
    /// `mm_log_builder_album_dr` and dropped when a track is added.
    album_dr: OnceLock<Vec<dr_core::AlbumResult>>,
}

/// Speaker names of the WAVEFORMATEXTENSIBLE mask bits, lowest bit first (as the CLI
/// names a container's layout).
const SPEAKERS: [&str; 18] = [
    "FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC", "BC", "SL", "SR", "TC", "TFL", "TFC", "TFR", "TBL", "TBC", "TBR",
];

/// Channel names in channel order for a mask with exactly one known bit per channel.
fn channel_names(mask: u32, channels: usize) -> Vec<String> {
    let known = SPEAKERS.len() as u32;
    if mask >> known != 0 || mask.count_ones() as usize != channels {
        return Vec::new();
    }
    (0..known)
        .filter(|bit| mask & (1 << bit) != 0)
        .map(|bit| SPEAKERS[bit as usize].to_owned())
        .collect()
}

/// A tag (dr-report itself treats empty and blank tags as absent).
///
/// # Safety
/// As `check_str`.
unsafe fn tag(ptr: *const c_char, what: &str) -> Outcome<Option<String>> {
    // SAFETY: forwarded caller contract.
    Ok(unsafe { check_str(ptr, what) }?.map(str::to_owned))
}

/// The metadata dr-report takes, from the C struct and the result's format.
///
/// # Safety
/// Every string pointer of `meta` is NULL or a NUL-terminated string.
unsafe fn track_meta(meta: &mm_track_meta, result: &dr_core::TrackResult) -> Outcome<TrackMeta> {
    // SAFETY: forwarded caller contract for each string.
    let path = unsafe { check_str(meta.path, "meta.path") }?.ok_or_else(|| Failure::null("meta.path"))?;
    let channels = result.channels.len();
    let channel_names = channel_names(meta.channel_mask, channels);
    let lfe_channel = channel_names.iter().position(|n| n == "LFE");
    // SAFETY (all below): forwarded caller contract for each string.
    Ok(TrackMeta {
        path: path.to_owned(),
        artist: unsafe { tag(meta.artist, "meta.artist") }?,
        album_artist: unsafe { tag(meta.album_artist, "meta.album_artist") }?,
        album: unsafe { tag(meta.album, "meta.album") }?,
        title: unsafe { tag(meta.title, "meta.title") }?,
        track_number: unsafe { tag(meta.track_number, "meta.track_number") }?,
        disc_number: unsafe { tag(meta.disc_number, "meta.disc_number") }?,
        codec: unsafe { check_str(meta.codec, "meta.codec") }?
            .unwrap_or_default()
            .to_owned(),
        sample_rate: result.sample_rate,
        bits_per_sample: (meta.bits_per_sample > 0).then_some(meta.bits_per_sample),
        channels: channels as u16,
        channel_names,
        lfe_channel,
        bitrate_kbps: (meta.bitrate_kbps > 0.0 && meta.bitrate_kbps.is_finite()).then_some(meta.bitrate_kbps),
    })
}

/// "YYYY-MM-DD HH:MM:SS" with numbers in range (dr-report's one parser).
fn parse_date(text: &str) -> Outcome<LogDate> {
    text.parse().map_err(Failure::invalid)
}

/// A NUL-terminated copy for the caller (interior NULs cannot occur in dr-report output;
/// they would become spaces).
fn handed_over(text: String) -> Outcome<(*mut c_char, usize)> {
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(text.len() + 1).map_err(|_| {
        Failure::new(
            crate::status::MM_OUT_OF_MEMORY,
            format!("no memory for a log of {} bytes", text.len()),
        )
    })?;
    bytes.extend(text.bytes().map(|b| if b == 0 { b' ' } else { b }));
    let len = bytes.len();
    let c = CString::new(bytes).map_err(|e| Failure::new(crate::status::MM_INTERNAL_ERROR, e.to_string()))?;
    Ok((c.into_raw(), len))
}

/// Creates an empty log builder. The caller owns it: `mm_log_builder_free`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_new(out: *mut *mut mm_log_builder) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let out = unsafe { check_out(out, std::ptr::null_mut(), "out") }?;
        *out = Box::into_raw(Box::new(mm_log_builder {
            report: Report::default(),
            album_dr: OnceLock::new(),
        }));
        Ok(())
    })
}

/// Adds a measured track (a copy of `result` and of `meta`'s strings: both stay the
/// caller's). Tracks keep the order they are added in; album sections follow the first
/// appearance of each album.
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call; `result` is NULL
/// or a live result; `meta` is NULL or readable, its strings NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_add_track(
    builder: *mut mm_log_builder,
    result: *const mm_result,
    meta: *const mm_track_meta,
) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let builder = unsafe { check_mut(builder, "builder") }?;
        // SAFETY: caller contract.
        let result = unsafe { check_ref(result, "result") }?;
        // SAFETY: caller contract.
        let meta = unsafe { check_ref(meta, "meta") }?;
        // SAFETY: caller contract for the strings.
        let meta = unsafe { track_meta(meta, &result.track) }?;
        builder.report.tracks.push(ReportTrack {
            meta,
            result: result.track.clone(),
        });
        builder.album_dr = OnceLock::new();
        Ok(())
    })
}

/// Adds a file that could not be measured; the album log lists it as
/// `Failed: <path>: <reason>`, the JSON under "failures". Both strings are copied.
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call; `path` and
/// `reason` are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_add_failure(
    builder: *mut mm_log_builder,
    path: *const c_char,
    reason: *const c_char,
) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let builder = unsafe { check_mut(builder, "builder") }?;
        // SAFETY: caller contract.
        let path = unsafe { check_str(path, "path") }?.ok_or_else(|| Failure::null("path"))?;
        // SAFETY: caller contract.
        let reason = unsafe { check_str(reason, "reason") }?.ok_or_else(|| Failure::null("reason"))?;
        builder.report.failures.push(ReportFailure {
            path: path.to_owned(),
            reason: reason.to_owned(),
        });
        Ok(())
    })
}

/// Marks the run as stopped before every file was analysed (the album log then ends with
/// a line saying so; JSON "interrupted": true).
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_set_interrupted(builder: *mut mm_log_builder, interrupted: bool) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let builder = unsafe { check_mut(builder, "builder") }?;
        builder.report.interrupted = interrupted;
        Ok(())
    })
}

/// Renders the builder's content as `kind` (an `mm_log_kind`) into a new UTF-8 string
/// (`\n` line ends): the bytes `macinmeter` prints for the same tracks. `date` is the
/// "log date:" value, "YYYY-MM-DD HH:MM:SS", or NULL for the local time now (JSON has no
/// date). The builder is unchanged and may be rendered again.
///
/// On success `*out` is the text, owned by the caller: `mm_string_free`. `out_len` may be
/// NULL; otherwise it receives the length in bytes (without the NUL).
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call; `date` is NULL
/// or NUL-terminated; `out` and `out_len` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mm_log_render(
    builder: *const mm_log_builder,
    kind: i32,
    date: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let out = unsafe { check_out(out, std::ptr::null_mut(), "out") }?;
        let out_len = if out_len.is_null() {
            None
        } else {
            // SAFETY: non-NULL and writable (caller contract).
            Some(unsafe { check_out(out_len, 0, "out_len") }?)
        };
        // SAFETY: caller contract.
        let builder = unsafe { check_ref(builder, "builder") }?;
        // SAFETY: caller contract.
        let date = match unsafe { check_str(date, "date") }? {
            Some(text) => parse_date(text)?,
            None => LogDate::now_local(),
        };
        let header = LogHeader {
            product: PRODUCT.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            date,
        };
        let report = &builder.report;
        let text = match kind {
            k if k == MM_LOG_ALBUM as i32 => dr_report::album_log(report, &header),
            k if k == MM_LOG_TRACK as i32 => report.tracks.iter().map(|t| dr_report::track_log(t, &header)).collect(),
            k if k == MM_LOG_JSON as i32 => dr_report::json(
                report,
                &ToolInfo {
                    name: PRODUCT.into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                },
            ),
            other => return Err(Failure::invalid(format!("log kind {other} is not an mm_log_kind"))),
        };
        let (ptr, len) = handed_over(text)?;
        *out = ptr;
        if let Some(out_len) = out_len {
            *out_len = len;
        }
        Ok(())
    })
}

/// The album DR of the section that holds track `track_index` (0-based, in the order
/// tracks were added; failures are not tracks): the section's Official DR into
/// `*official_out` (`MM_DR_NONE` when no track of the section has a DR) and its Precise DR,
/// the mean of the Precise DRs of its tracks that have one, into `*precise_out` (NaN when
/// none has). These are the album log's "Official DR value" and the JSON's `albums` values,
/// with the tracks grouped the same way (album tags, else folder).
///
/// An index at or beyond the track count is `MM_INVALID_ARGUMENT`. Both out-parameters are
/// required; they are set to `MM_DR_NONE` / NaN on failure. Repeated calls are cheap: the
/// sections are computed once after the last track was added.
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call; `official_out`
/// and `precise_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_album_dr(
    builder: *const mm_log_builder,
    track_index: usize,
    official_out: *mut i32,
    precise_out: *mut f64,
) -> mm_status {
    guard(|| {
        // Both are reset before either is refused.
        // SAFETY: caller contract.
        let official = unsafe { check_out(official_out, MM_DR_NONE, "official_out") };
        // SAFETY: caller contract.
        let precise = unsafe { check_out(precise_out, f64::NAN, "precise_out") };
        let (official, precise) = (official?, precise?);
        // SAFETY: caller contract.
        let builder = unsafe { check_ref(builder, "builder") }?;
        let tracks = builder.report.tracks.len();
        if track_index >= tracks {
            return Err(Failure::invalid(format!(
                "track {track_index} does not exist: the builder holds {tracks} tracks"
            )));
        }
        let by_track = builder.album_dr.get_or_init(|| {
            let empty = dr_core::album(std::iter::empty());
            let mut by_track = vec![empty; tracks];
            for section in dr_report::sections(&builder.report) {
                let album = section.album_result();
                for &i in &section.track_indices {
                    if let Some(slot) = by_track.get_mut(i) {
                        *slot = album;
                    }
                }
            }
            by_track
        });
        let album = by_track[track_index];
        *official = album.official_dr.unwrap_or(MM_DR_NONE);
        *precise = album.precise_dr.unwrap_or(f64::NAN);
        Ok(())
    })
}

/// Frees a builder. NULL is ignored.
///
/// # Safety
/// `builder` is NULL or a builder from `mm_log_builder_new`, not freed yet, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_free(builder: *mut mm_log_builder) {
    guard_value((), || {
        if !builder.is_null() {
            // SAFETY: made by Box::into_raw in mm_log_builder_new, freed once (caller contract).
            drop(unsafe { Box::from_raw(builder) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_name_channels_in_bit_order() {
        assert_eq!(channel_names(0x3, 2), ["FL", "FR"]);
        assert_eq!(channel_names(0x3f, 6), ["FL", "FR", "FC", "LFE", "BL", "BR"]);
        // 7.1 (FL FR FC LFE BL BR SL SR) = 0x63f
        assert_eq!(channel_names(0x63f, 8)[6..], ["SL", "SR"]);
        assert!(channel_names(0x3, 3).is_empty());
        assert!(channel_names(0, 2).is_empty());
        assert!(channel_names(1 << 20 | 1, 2).is_empty());
    }

    #[test]
    fn dates_parse_strictly() {
        let d = parse_date("2026-11-21 14:03:07").unwrap();
        assert_eq!(d.to_string(), "2026-11-21 14:03:07");
        for bad in [
            "2026-11-21",
            "2026-13-21 14:03:07",
            "2026-11-21T14:03:07",
            "2026-11-21 24:00:00",
            "x",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }
}
