//! `dr-conformance-gen DIR`: writes the conformance WAV files under DIR (sub-folders created)
//! and prints one line per file: `<id>\t<path>`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("usage: dr-conformance-gen DIR");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    match dr_conformance::write_wavs(&dir) {
        Ok(written) => {
            for (case, path) in written {
                println!("{}\t{}", case.id, path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dr-conformance-gen: writing under {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
