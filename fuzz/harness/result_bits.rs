//! Results compared bit for bit, shared by the harnesses that check one way of measuring
//! against another (chunkings in `analyzer.rs`, parallel vs sequential in `decode.rs`).

/// Every field of a result, floats as bits: equal fingerprints are bit-identical results.
pub fn fingerprint(t: &dr_core::TrackResult) -> Vec<u64> {
    let mut out = vec![
        u64::from(t.sample_rate),
        t.frames,
        t.windows,
        t.channels.len() as u64,
        t.precise_dr.map_or(u64::MAX, f64::to_bits),
        t.official_dr.map_or(u64::MAX, |d| d as u32 as u64),
        t.excluded_channel.map_or(u64::MAX, |c| c as u64),
        t.nonfinite_samples,
    ];
    for c in &t.channels {
        out.extend([
            c.dr.to_bits(),
            c.peak_selected.to_bits(),
            c.peak_first.to_bits(),
            c.peak_second.to_bits(),
            c.rms20.to_bits(),
            c.peak.to_bits(),
            c.rms.to_bits(),
            u64::from(c.silent),
        ]);
    }
    out
}
