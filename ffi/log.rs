//! DR logs and JSON: a builder collects tracks (result + metadata) and failures, then
//! renders with dr-report, the renderer the CLI uses, so the text is the same (but for
//! the line ends: CRLF here, as DR Meter writes its logs).

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use dr_core::AlbumWeighting;
use dr_report::{
    Failure as ReportFailure, LineEnds, LogDate, LogHeader, LogOptions, Report, ReportTrack, ToolInfo, TrackMeta,
    FAILURE_KINDS,
};

use crate::result::mm_result;
use crate::status::{check_mut, check_out, check_ref, check_str, guard, guard_value, mm_status, Failure, Outcome};

/// The product name at the head of logs and in the JSON `tool` object (as the CLI).
use dr_report::PRODUCT;

/// What `mm_log_render` produces.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mm_log_kind {
    /// DR Meter 1.0.8's log: one section per album (or folder), each followed by its
    /// failures (`macinmeter --log album`, the CLI's default).
    MM_LOG_ALBUM = 0,
    /// The detailed single-track log of each track, one after the other
    /// (`macinmeter --log track`). Failures are not shown.
    MM_LOG_TRACK = 1,
    /// The JSON document (`macinmeter --format json`), UTF-8, schema 2, `\n` line ends.
    MM_LOG_JSON = 2,
}

pub use mm_log_kind::*;

/// How a section's (album's) DR is made of its tracks' DRs
/// (`mm_log_builder_set_album_weighting`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mm_album_weighting {
    /// DR Meter's default: the plain mean of the tracks' DRs (DR0 tracks included).
    MM_ALBUM_WEIGHTING_EQUAL = 0,
    /// DR Meter's option: the mean weighted by each track's duration.
    MM_ALBUM_WEIGHTING_LENGTH = 1,
}

pub use mm_album_weighting::*;

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
    /// The codec's name as the log's `Codec:` line shows it: "FLAC", "MP3", "AAC", "PCM",
    /// "PCM (floating-point)", ...
    pub codec: *const c_char,
    /// Bits per sample of the source; 0 for lossy codecs (no bit depth).
    pub bits_per_sample: u32,
    /// The speaker mask of the channel layout, WAVEFORMATEXTENSIBLE bits as foobar2000's
    /// `audio_chunk::get_channel_config()` gives them (FL 0x1, FR 0x2, FC 0x4, LFE 0x8,
    /// BL 0x10, BR 0x20, ...); 0 when unknown (then the layout foobar2000 assumes for the
    /// channel count). It names the log's channel columns and the JSON's labels, and marks
    /// the LFE channel. Ignored unless it has one bit per channel.
    pub channel_mask: u32,
    /// Average bitrate in kbps (size * 8 / duration; rate * bits * channels / 1000 for PCM);
    /// 0 (or less, or NaN) when unknown.
    pub bitrate_kbps: f64,
}

/// Collects tracks and failures for one log, and the log's settings. Opaque; create with
/// `mm_log_builder_new`, free with `mm_log_builder_free`. May move between threads, not be
/// used from two at once.
pub struct mm_log_builder {
    report: Report,
    /// The host named on the log's first line (`mm_log_builder_set_host`).
    host: Option<String>,
    /// Channel columns for stereo and album weighting; line ends are always CRLF.
    options: LogOptions,
    /// Each track's album section result (by track index), made by the first
    /// `mm_log_builder_album_dr` and dropped when a track or the weighting changes.
    album_dr: OnceLock<Vec<dr_core::AlbumResult>>,
}

/// A tag (dr-report itself treats empty and blank tags as absent).
///
/// # Safety
/// As `check_str`.
unsafe fn tag(ptr: *const c_char, what: &str) -> Outcome<Option<String>> {
    // SAFETY: forwarded caller contract.
    Ok(unsafe { check_str(ptr, what) }?.map(str::to_owned))
}

/// The metadata dr-report takes, from the C struct and the result's format. Paths given
/// through the C ABI are UTF-8, so `path_bytes` is never needed.
///
/// # Safety
/// Every string pointer of `meta` is NULL or a NUL-terminated string.
unsafe fn track_meta(meta: &mm_track_meta, result: &dr_core::TrackResult) -> Outcome<TrackMeta> {
    // SAFETY: forwarded caller contract for each string.
    let path = unsafe { check_str(meta.path, "meta.path") }?.ok_or_else(|| Failure::null("meta.path"))?;
    let channels = result.channels.len();
    let channel_names = dr_report::names_from_mask(meta.channel_mask, channels).unwrap_or_default();
    let lfe_channel = channel_names.iter().position(|n| n == "LFE");
    // SAFETY (all below): forwarded caller contract for each string.
    Ok(TrackMeta {
        path: path.to_owned(),
        path_bytes: None,
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

/// A failure kind as given: one of dr-report's `FAILURE_KINDS`.
fn failure_kind(text: &str) -> Outcome<&'static str> {
    FAILURE_KINDS.iter().copied().find(|&k| k == text).ok_or_else(|| {
        Failure::invalid(format!(
            "failure kind \"{text}\" is not one of {}",
            FAILURE_KINDS.join(", ")
        ))
    })
}

/// The failure kind a status of this library stands for (see `mm_failure_kind`).
fn kind_of_status(status: i32) -> &'static std::ffi::CStr {
    use crate::status::mm_status::*;
    match status {
        s if s == MM_DECODE_ERROR as i32 => c"corrupt",
        s if s == MM_FORMAT_CHANGED as i32 => c"stream_changed",
        s if s == MM_CANCELLED as i32 => c"cancelled",
        s if s == MM_INVALID_ARGUMENT as i32 => c"invalid_parameters",
        _ => c"internal",
    }
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

/// The body of a `mm_log_builder_set_*` call: `change` on the builder, in the guard.
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call.
unsafe fn change_builder(
    builder: *mut mm_log_builder,
    change: impl FnOnce(&mut mm_log_builder) -> Outcome,
) -> mm_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let builder = unsafe { check_mut(builder, "builder") }?;
        change(builder)
    })
}

/// Creates an empty log builder: no host, no channel columns for stereo, equal album
/// weighting. The caller owns it: `mm_log_builder_free`.
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
            host: None,
            options: LogOptions {
                line_ends: LineEnds::CrLf,
                ..LogOptions::default()
            },
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
/// `Failed: <path>: <reason>` after its folder's section, the JSON under "failures" with
/// `kind`. `kind` says why for programs, one of "open", "unsupported",
/// "invalid_parameters", "malformed", "truncated", "corrupt", "stream_changed",
/// "cancelled", "analysis", "internal" (anything else is `MM_INVALID_ARGUMENT`); for a
/// batch outcome, `mm_failure_kind(outcome.status)` gives it. All strings are copied.
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call; `path`,
/// `reason` and `kind` are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_add_failure(
    builder: *mut mm_log_builder,
    path: *const c_char,
    reason: *const c_char,
    kind: *const c_char,
) -> mm_status {
    guard(|| {
        // SAFETY: caller contract.
        let builder = unsafe { check_mut(builder, "builder") }?;
        // SAFETY: caller contract.
        let path = unsafe { check_str(path, "path") }?.ok_or_else(|| Failure::null("path"))?;
        // SAFETY: caller contract.
        let reason = unsafe { check_str(reason, "reason") }?.ok_or_else(|| Failure::null("reason"))?;
        // SAFETY: caller contract.
        let kind = failure_kind(unsafe { check_str(kind, "kind") }?.ok_or_else(|| Failure::null("kind"))?)?;
        builder.report.failures.push(ReportFailure {
            path: path.to_owned(),
            path_bytes: None,
            reason: reason.to_owned(),
            kind: kind.to_owned(),
        });
        Ok(())
    })
}

/// The failure kind (for `mm_log_builder_add_failure`) that a status of a batch outcome
/// stands for: `MM_DECODE_ERROR` "corrupt", `MM_FORMAT_CHANGED` "stream_changed",
/// `MM_CANCELLED` "cancelled", `MM_INVALID_ARGUMENT` "invalid_parameters", anything else
/// "internal". A caller that knows better (its own open failed: "open"; an unsupported
/// file: "unsupported") passes its own. A static string (never free it); any integer.
#[no_mangle]
pub extern "C" fn mm_failure_kind(status: i32) -> *const c_char {
    guard_value(c"internal".as_ptr(), || kind_of_status(status).as_ptr())
}

/// Marks the run as stopped before every file was analysed (the album log then ends with
/// a line saying so; JSON "interrupted": true).
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_set_interrupted(builder: *mut mm_log_builder, interrupted: bool) -> mm_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        change_builder(builder, |b| {
            b.report.interrupted = interrupted;
            Ok(())
        })
    }
}

/// Names the host on the logs' first line: "foobar2000 v2.25.10" makes it
/// `foobar2000 v2.25.10 / MacinMeter v<version>`. NULL (or empty, or only spaces) removes
/// it: `MacinMeter v<version>`, as the CLI prints. The string is copied.
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call; `host` is NULL
/// or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_set_host(builder: *mut mm_log_builder, host: *const c_char) -> mm_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        change_builder(builder, |b| {
            // SAFETY: caller contract.
            let host = check_str(host, "host")?;
            b.host = host.map(str::trim).filter(|h| !h.is_empty()).map(str::to_owned);
            Ok(())
        })
    }
}

/// Per-channel DR and RMS columns in the album log for sections whose widest track is
/// stereo (DR Meter's option; `macinmeter --channel-columns`). Off by default. Sections
/// with more than 2 channels always have them, mono ones never.
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_set_channel_columns(builder: *mut mm_log_builder, stereo: bool) -> mm_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        change_builder(builder, |b| {
            b.options.channel_columns_for_stereo = stereo;
            Ok(())
        })
    }
}

/// How each section's DR is made of its tracks' DRs, an `mm_album_weighting` value
/// (`MM_ALBUM_WEIGHTING_EQUAL` by default); used by the album log, the JSON and
/// `mm_log_builder_album_dr`. Anything else is `MM_INVALID_ARGUMENT` (the setting is then
/// unchanged).
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_set_album_weighting(builder: *mut mm_log_builder, weighting: i32) -> mm_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        change_builder(builder, |b| {
            let weighting = match weighting {
                w if w == MM_ALBUM_WEIGHTING_EQUAL as i32 => AlbumWeighting::Equal,
                w if w == MM_ALBUM_WEIGHTING_LENGTH as i32 => AlbumWeighting::Length,
                other => {
                    return Err(Failure::invalid(format!(
                        "album weighting {other} is not an mm_album_weighting (0 equal, 1 length)"
                    )))
                }
            };
            if b.options.album_weighting != weighting {
                b.options.album_weighting = weighting;
                b.album_dr = OnceLock::new();
            }
            Ok(())
        })
    }
}

/// Renders the builder's content as `kind` (an `mm_log_kind`) into a new UTF-8 string:
/// the text `macinmeter` prints for the same tracks and options, with CRLF line ends
/// (`\r\n`, as DR Meter writes its logs) for the text logs and `\n` in the JSON. `date` is
/// the log date ("log date:" line, JSON "log_date"), "YYYY-MM-DD HH:MM:SS", or NULL for
/// the local time now. The builder is unchanged and may be rendered again.
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
            host: builder.host.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            date,
        };
        let (report, options) = (&builder.report, &builder.options);
        let text = match kind {
            k if k == MM_LOG_ALBUM as i32 => dr_report::album_log(report, &header, options),
            k if k == MM_LOG_TRACK as i32 => report
                .tracks
                .iter()
                .map(|t| dr_report::track_log(t, &header, options))
                .collect(),
            k if k == MM_LOG_JSON as i32 => dr_report::json(
                report,
                &ToolInfo {
                    name: PRODUCT.into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                },
                date,
                options,
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
/// tracks were added; failures are not tracks), with the builder's album weighting: the
/// section's `DR<n>` into `*official_out` and its DR as published (float) into `*dr_out`.
/// These are the album log's "Official DR value" and the JSON's `albums` values, with the
/// tracks grouped the same way (album tags, else folder). Every track has a DR (DR0 when
/// silent), so every section has one.
///
/// An index at or beyond the track count is `MM_INVALID_ARGUMENT`. Both out-parameters are
/// required; they are set to 0 / NaN on failure. Repeated calls are cheap: the sections
/// are computed once after the last track was added (or the weighting changed).
///
/// # Safety
/// `builder` is NULL or a live builder not used elsewhere during the call; `official_out`
/// and `dr_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mm_log_builder_album_dr(
    builder: *const mm_log_builder,
    track_index: usize,
    official_out: *mut i32,
    dr_out: *mut f32,
) -> mm_status {
    guard(|| {
        // Both are reset before either is refused.
        // SAFETY: caller contract.
        let official = unsafe { check_out(official_out, 0, "official_out") };
        // SAFETY: caller contract.
        let dr = unsafe { check_out(dr_out, f32::NAN, "dr_out") };
        let (official, dr) = (official?, dr?);
        // SAFETY: caller contract.
        let builder = unsafe { check_ref(builder, "builder") }?;
        let tracks = builder.report.tracks.len();
        if track_index >= tracks {
            return Err(Failure::invalid(format!(
                "track {track_index} does not exist: the builder holds {tracks} tracks"
            )));
        }
        let weighting = builder.options.album_weighting;
        let by_track = builder.album_dr.get_or_init(|| {
            let empty = dr_core::album(std::iter::empty(), weighting);
            let mut by_track = vec![empty; tracks];
            for section in dr_report::sections(&builder.report) {
                let album = section.album_result(weighting);
                for &i in &section.track_indices {
                    if let Some(slot) = by_track.get_mut(i) {
                        *slot = album;
                    }
                }
            }
            by_track
        });
        let album = by_track[track_index];
        *official = album.official_dr;
        *dr = album.dr;
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

    #[test]
    fn failure_kinds_are_dr_reports_and_statuses_map_to_them() {
        assert_eq!(failure_kind("open").unwrap(), "open");
        assert!(failure_kind("Open").is_err());
        assert!(failure_kind("").is_err());
        for status in -2..12 {
            let kind = kind_of_status(status).to_str().unwrap();
            assert!(FAILURE_KINDS.contains(&kind), "{status}: {kind}");
        }
        assert_eq!(kind_of_status(crate::MM_FORMAT_CHANGED as i32), c"stream_changed");
    }
}
