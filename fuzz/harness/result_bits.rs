//! Results compared bit for bit, shared by the harnesses that check one way of measuring
//! against another (chunkings in `analyzer.rs`, parallel vs sequential in `decode.rs`).

/// Every field of a result, floats as bits: equal fingerprints are bit-identical results.
/// The destructuring is exhaustive, so a new result field cannot be left out unnoticed.
pub fn fingerprint(t: &dr_core::TrackResult) -> Vec<u64> {
    let dr_core::TrackResult {
        sample_rate,
        frames,
        windows,
        channels,
        dr,
        official_dr,
        peak,
        rms,
        excluded_channel,
        nonfinite_samples,
    } = t;
    let mut out = vec![
        u64::from(*sample_rate),
        *frames,
        *windows,
        channels.len() as u64,
        u64::from(dr.to_bits()),
        *official_dr as u32 as u64,
        u64::from(peak.to_bits()),
        rms.to_bits(),
        excluded_channel.map_or(u64::MAX, |c| c as u64),
        *nonfinite_samples,
    ];
    for c in channels {
        let dr_core::ChannelResult {
            dr,
            dr_unrounded,
            rms,
            rms_unrounded,
            peak,
            dr_peak,
            loud_rms,
            windows,
            silent,
        } = c;
        out.extend([
            u64::from(dr.to_bits()),
            dr_unrounded.to_bits(),
            u64::from(rms.to_bits()),
            rms_unrounded.to_bits(),
            u64::from(peak.to_bits()),
            dr_peak.to_bits(),
            loud_rms.to_bits(),
            *windows,
            u64::from(*silent),
        ]);
    }
    out
}
