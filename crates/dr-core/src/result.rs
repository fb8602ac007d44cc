use crate::spec::{official_dr, to_db};

/// The measurement of one channel. Linear values (1.0 = full scale); see `to_db`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelResult {
    /// §5: 20·log10(peak_selected / rms20), 0 when either is 0.
    pub dr: f64,
    /// §4: the window peak DR uses: `peak_second` if above 0, else `peak_first`.
    pub peak_selected: f64,
    /// §4: the largest window peak.
    pub peak_first: f64,
    /// §4: the second largest window peak (equal to `peak_first` with one window).
    pub peak_second: f64,
    /// §3: RMS of the loudest 20 % of windows, from the histogram.
    pub rms20: f64,
    /// §8: sample peak over the whole track.
    pub peak: f64,
    /// §8: sqrt(2·Σx²/frames) over the whole track.
    pub rms: f64,
    /// §5: left out of the track's mean (but still reported).
    pub silent: bool,
}

/// The measurement of one track.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackResult {
    pub sample_rate: u32,
    /// Frames per channel, including a dropped one-frame tail.
    pub frames: u64,
    /// Windows cut (§1), the counted tail included.
    pub windows: u64,
    pub channels: Vec<ChannelResult>,
    /// §6: mean channel DR over non-silent, non-excluded channels; `None` when there are none.
    pub precise_dr: Option<f64>,
    /// §6: `precise_dr` rounded half away from zero.
    pub official_dr: Option<i32>,
    /// The channel left out of the mean by option (an LFE channel), if any.
    pub excluded_channel: Option<usize>,
    /// NaN and ±inf samples skipped (float input only).
    pub nonfinite_samples: u64,
}

impl TrackResult {
    pub fn duration_seconds(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate)
    }

    /// §8 album row: the largest channel sample peak.
    pub fn peak(&self) -> f64 {
        self.channels.iter().fold(0.0, |m, c| m.max(c.peak))
    }

    /// §8 album row: the mean of the channels' linear RMS.
    pub fn mean_rms(&self) -> f64 {
        self.channels.iter().map(|c| c.rms).sum::<f64>() / self.channels.len().max(1) as f64
    }

    pub(crate) fn new(
        sample_rate: u32,
        frames: u64,
        windows: u64,
        channels: Vec<ChannelResult>,
        excluded_channel: Option<usize>,
        nonfinite_samples: u64,
    ) -> Self {
        let counted: Vec<f64> = channels
            .iter()
            .enumerate()
            .filter(|&(i, c)| !c.silent && Some(i) != excluded_channel)
            .map(|(_, c)| c.dr)
            .collect();
        let precise_dr = mean(&counted);
        TrackResult {
            sample_rate,
            frames,
            windows,
            channels,
            precise_dr,
            official_dr: precise_dr.map(official_dr),
            excluded_channel,
            nonfinite_samples,
        }
    }
}

/// §7: an album's DR.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlbumResult {
    /// Tracks that have a DR (tracks with all channels silent have none and are left out).
    pub tracks_with_dr: usize,
    /// Mean of the tracks' precise DRs.
    pub precise_dr: Option<f64>,
    /// `precise_dr` rounded half away from zero.
    pub official_dr: Option<i32>,
}

/// §7: Album Official DR = mean of the tracks' precise DRs, rounded half away from zero.
pub fn album<'a>(tracks: impl IntoIterator<Item = &'a TrackResult>) -> AlbumResult {
    let drs: Vec<f64> = tracks.into_iter().filter_map(|t| t.precise_dr).collect();
    let precise_dr = mean(&drs);
    AlbumResult {
        tracks_with_dr: drs.len(),
        precise_dr,
        official_dr: precise_dr.map(official_dr),
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// dB of a linear value; `None` for 0 (printed `-inf dB`, JSON `null`).
pub fn db_or_none(linear: f64) -> Option<f64> {
    let db = to_db(linear);
    db.is_finite().then_some(db)
}
