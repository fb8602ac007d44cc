//! The generator reproduces the published files byte for byte: the SHA-256 of every file and
//! of its data chunk equals the construction manifest's (data/sha256.tsv).

use sha2::{Digest, Sha256};

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn every_generated_file_has_its_published_hash() {
    let hashes = dr_conformance::published_hashes();
    let cases = dr_conformance::cases();
    let mut ids: Vec<_> = cases.iter().map(|c| c.id).collect();
    let mut hashed: Vec<_> = hashes.iter().map(|h| h.id.as_str()).collect();
    ids.sort_unstable();
    hashed.sort_unstable();
    assert_eq!(ids, hashed, "every case has a published hash and every hash a case");

    let mut mismatches = Vec::new();
    for case in &cases {
        let published = hashes.iter().find(|h| h.id == case.id).unwrap();
        let wav = dr_conformance::wav(case);
        let data = hex_sha256(wav.data_bytes());
        let file = hex_sha256(&wav.bytes);
        if data != published.data_sha256 || file != published.file_sha256 {
            mismatches.push(format!("{} ({}): data {data}, file {file}", case.id, case.file_name));
        }
    }
    assert!(
        mismatches.is_empty(),
        "generated files differ from the published ones:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn expected_rows_cover_the_cases_in_order_with_one_token_per_channel() {
    let cases = dr_conformance::cases();
    let rows = dr_conformance::expected();
    assert_eq!(rows.len(), cases.len());
    for (case, row) in cases.iter().zip(&rows) {
        assert_eq!(row.id, case.id);
        assert_eq!(row.ch_dr.len(), usize::from(case.channels), "{}", case.id);
        assert_eq!(row.ch_rms.len(), usize::from(case.channels), "{}", case.id);
    }
}

#[test]
fn write_wavs_writes_what_wav_renders() {
    let dir = std::env::temp_dir().join(format!("dr-conformance-test-{}", std::process::id()));
    let written = dr_conformance::write_wavs(&dir).unwrap();
    assert_eq!(written.len(), dr_conformance::cases().len());
    for (case, path) in &written {
        assert!(path.ends_with(case.file_name));
        assert_eq!(
            std::fs::read(path).unwrap(),
            dr_conformance::wav(case).bytes,
            "{}",
            case.id
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn real_logs_are_the_crlf_originals() {
    for log in [dr_conformance::REAL_LOG_MONO, dr_conformance::REAL_LOG_MULTICHANNEL] {
        assert!(log.starts_with("foobar2000 v2.0 / DR Meter v1.0.8\r\n"));
        assert_eq!(
            log.matches('\n').count(),
            log.matches("\r\n").count(),
            "every line ends in CRLF"
        );
    }
}

#[test]
fn comparable_log_lines_drop_product_date_and_codec_lines_whatever_the_line_ends() {
    let real = dr_conformance::REAL_LOG_MONO;
    let lines = dr_conformance::comparable_log_lines(real);
    assert_eq!(lines.len(), real.split("\r\n").count() - 3);
    assert!(lines.iter().all(|l| !l.contains('\r')));
    assert_eq!(
        lines[1],
        "--------------------------------------------------------------------------------"
    );
    assert_eq!(lines[2], "Analyzed: ? / ?");
    assert!(!lines
        .iter()
        .any(|l| l.starts_with("Codec:") || l.starts_with("log date:")));
    let with_lf = real
        .replace("\r\n", "\n")
        .replace("DR Meter v1.0.8", "MacinMeter v0.1.0");
    assert_eq!(dr_conformance::comparable_log_lines(&with_lf), lines);
}
