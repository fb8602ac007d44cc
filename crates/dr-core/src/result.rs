use crate::spec::{official_dr, published_db};

/// The measurement of one channel (§2-§5). Linear values, 1.0 = full scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelResult {
    /// §4: the channel's DR as published (narrowed to f32).
    pub dr: f32,
    /// §4: the same DR before narrowing; the track's mean is taken over these (§6).
    pub dr_unrounded: f64,
    /// §5: the RMS column: quadratic mean of the window RMS values, narrowed to f32.
    pub rms: f32,
    /// §5: the same before narrowing.
    pub rms_unrounded: f64,
    /// §4: the primary peak (the raw peak of the first window with the highest key),
    /// narrowed to f32: the channel's Peak.
    pub peak: f32,
    /// §4: the peak the DR was computed against (the secondary peak, or the primary one
    /// when there is no secondary or the DR against it came out negative); 0 when silent.
    pub dr_peak: f64,
    /// §3: the RMS of the loudest 20 % of windows, from the histogram's bin centres.
    pub loud_rms: f64,
    /// §1: windows measured (the tail and zero-RMS windows included).
    pub windows: u64,
    /// §4: no peak or no histogram entry: the channel's DR is 0 by rule, not by measure.
    pub silent: bool,
}

impl ChannelResult {
    /// §8: the channel's Peak in dBFS; `None` for a silent channel (`-inf`).
    pub fn peak_db(&self) -> Option<f32> {
        published_db(f64::from(self.peak))
    }
    /// §8: the channel's RMS in dBFS; `None` when 0 (`-inf`).
    pub fn rms_db(&self) -> Option<f32> {
        published_db(f64::from(self.rms))
    }
}

/// How the channels' DRs make the track's (§6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ChannelWeighting {
    /// DR Meter's default: the plain mean over all channels, silent ones (DR 0) included.
    #[default]
    Equal,
    /// DR Meter's option for more than 2 channels: the mean weighted by each channel's RMS.
    /// Tracks of 1 or 2 channels are averaged plainly whatever this says.
    Loudness,
}

/// The measurement of one track.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackResult {
    pub sample_rate: u32,
    /// Frames per channel.
    pub frames: u64,
    /// §1: windows cut, the tail included.
    pub windows: u64,
    pub channels: Vec<ChannelResult>,
    /// §6: the track's DR as published (f32); 0 when every channel is silent.
    pub dr: f32,
    /// §6: `DR<n>`: trunc(dr + 0.5).
    pub official_dr: i32,
    /// §8: the row's Peak: the largest channel peak.
    pub peak: f32,
    /// §8: the row's RMS: the quadratic mean of the channels' published RMS (its dB is
    /// taken from this f64 value).
    pub rms: f64,
    /// The channel left out of the DR mean by option (an LFE channel), if any.
    pub excluded_channel: Option<usize>,
    /// NaN and ±inf samples skipped (float input only).
    pub nonfinite_samples: u64,
}

impl TrackResult {
    pub(crate) fn new(
        sample_rate: u32,
        frames: u64,
        windows: u64,
        channels: Vec<ChannelResult>,
        excluded_channel: Option<usize>,
        weighting: ChannelWeighting,
        nonfinite_samples: u64,
    ) -> Self {
        let dr = track_dr(&channels, excluded_channel, weighting);
        let peak = channels.iter().fold(0.0f32, |m, c| m.max(c.peak));
        // §8: each channel's RMS squared in f32, the mean of those in f64.
        let squares: f64 = channels.iter().map(|c| f64::from(c.rms * c.rms)).sum();
        let rms = (squares / channels.len().max(1) as f64).sqrt();
        TrackResult {
            sample_rate,
            frames,
            windows,
            channels,
            dr,
            official_dr: official_dr(dr),
            peak,
            rms,
            excluded_channel,
            nonfinite_samples,
        }
    }

    /// Exact duration in seconds (frames / rate).
    pub fn duration_seconds(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate)
    }

    /// §8: the duration a log prints: llround(frames / rate) seconds.
    pub fn rounded_seconds(&self) -> u64 {
        self.duration_seconds().round() as u64
    }

    /// §8: the row's Peak in dBFS; `None` for digital silence (`-inf`).
    pub fn peak_db(&self) -> Option<f32> {
        published_db(f64::from(self.peak))
    }

    /// §8: the row's RMS in dBFS; `None` for digital silence (`-inf`).
    pub fn rms_db(&self) -> Option<f32> {
        published_db(self.rms)
    }

    /// Every channel is silent: the track is DR0 by rule.
    pub fn all_silent(&self) -> bool {
        self.channels.iter().all(|c| c.silent)
    }
}

/// §6: the track's DR from its channels, narrowed to f32.
fn track_dr(channels: &[ChannelResult], excluded: Option<usize>, weighting: ChannelWeighting) -> f32 {
    let counted = || {
        channels
            .iter()
            .enumerate()
            .filter(move |&(i, _)| Some(i) != excluded)
            .map(|(_, c)| c)
    };
    let dr = if weighting == ChannelWeighting::Loudness && channels.len() > 2 {
        let weight: f64 = counted().map(|c| c.rms_unrounded).sum();
        let weighted: f64 = counted().map(|c| c.rms_unrounded * c.dr_unrounded).sum();
        if weight > 0.0 {
            weighted / weight
        } else {
            0.0
        }
    } else {
        mean(counted().map(|c| c.dr_unrounded))
    };
    dr as f32
}

/// How the tracks' DRs make the album's (§7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlbumWeighting {
    /// DR Meter's default: the plain mean of the tracks' published DRs.
    #[default]
    Equal,
    /// DR Meter's option: the mean weighted by each track's duration.
    Length,
}

/// §7: an album's (a log section's) DR.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlbumResult {
    /// Tracks in the mean (all of the section's measured tracks, DR0 ones included).
    pub tracks: usize,
    /// The album DR as published (f32).
    pub dr: f32,
    /// `DR<n>`: trunc(dr + 0.5).
    pub official_dr: i32,
}

/// §7: the album DR of measured tracks: the mean of their published (f32) DRs.
pub fn album<'a>(tracks: impl IntoIterator<Item = &'a TrackResult>, weighting: AlbumWeighting) -> AlbumResult {
    let tracks: Vec<&TrackResult> = tracks.into_iter().collect();
    let dr = match weighting {
        AlbumWeighting::Equal => mean(tracks.iter().map(|t| f64::from(t.dr))),
        AlbumWeighting::Length => {
            let length: f64 = tracks.iter().map(|t| t.duration_seconds()).sum();
            let weighted: f64 = tracks.iter().map(|t| f64::from(t.dr) * t.duration_seconds()).sum();
            if length > 0.0 {
                weighted / length
            } else {
                0.0
            }
        }
    } as f32;
    AlbumResult {
        tracks: tracks.len(),
        dr,
        official_dr: official_dr(dr),
    }
}

/// The plain mean, summed in order; 0 for no values.
fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if count == 0 {
        0.0
    } else {
        sum / count as f64
    }
}
