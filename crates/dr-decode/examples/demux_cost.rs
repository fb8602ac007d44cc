//! How much of a FLAC decode is demuxing (sequential by nature) versus decoding and
//! analysis (parallel): `cargo run --release -p dr-decode --example demux_cost -- FILE`.

use std::time::Instant;

use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: demux_cost FILE");
        return;
    };
    for _ in 0..3 {
        let Ok(file) = std::fs::File::open(&path) else { return };
        let start = Instant::now();
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let Ok(mut reader) = symphonia::default::get_probe().probe(
            &Hint::new(),
            stream,
            FormatOptions::default(),
            MetadataOptions::default(),
        ) else {
            return;
        };
        let track_id = reader.default_track(TrackType::Audio).map_or(0, |t| t.id);
        let mut packets = 0;
        while let Ok(Some(packet)) = reader.next_packet() {
            if packet.track_id == track_id {
                packets += 1;
            }
        }
        let demux = start.elapsed();
        let pool = dr_decode::build_thread_pool(1).expect("pool");
        let start = Instant::now();
        let options = dr_decode::DecodeOptions {
            parallel_packets: false,
            ..Default::default()
        };
        let _ = dr_decode::measure_file(path.as_ref(), &pool, &options, dr_decode::Control::new());
        let whole = start.elapsed();
        println!("{packets} packets: demux {demux:?}, whole sequential measure {whole:?}");
    }
}
