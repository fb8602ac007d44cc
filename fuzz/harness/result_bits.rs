//! Results compared bit for bit, shared by the harnesses that check one way of measuring
//! against another (chunkings in `analyzer.rs`, parallel vs sequential in `decode.rs`).

/// Every field of a result, floats as bits: equal fingerprints are bit-identical results.
pub fn fingerprint(t: &dr_core::TrackResult) -> Vec<u64> {
    let mut out = vec![
        u64::from(t.sample_rate),
        t.frames,
        t.windows,
        t.channels.len() as u64,
        u64::from(t.dr.to_bits()),
        t.official_dr as u32 as u64,
        u64::from(t.peak.to_bits()),
        t.rms.to_bits(),
        t.excluded_channel.map_or(u64::MAX, |c| c as u64),
        t.nonfinite_samples,
    ];
    for c in &t.channels {
        out.extend([
            u64::from(c.dr.to_bits()),
            c.dr_unrounded.to_bits(),
            u64::from(c.rms.to_bits()),
            c.rms_unrounded.to_bits(),
            u64::from(c.peak.to_bits()),
            c.dr_peak.to_bits(),
            c.loud_rms.to_bits(),
            c.windows,
            u64::from(c.silent),
        ]);
    }
    out
}
