//! `--write-tags`, through the built CLI on copies of the shipped fixtures: every taggable
//! format gets DYNAMIC RANGE and ALBUM DYNAMIC RANGE, read back by lofty and by an
//! independent reader (ffprobe; metaflac for FLAC), with the values of a plain run's JSON
//! (which never touches the tagging code); the decoded audio is the same before and after
//! (ffmpeg's MD5 of the PCM, FLAC's STREAMINFO MD5 and `flac -t`); other tags and a
//! picture survive; a read-only file or folder and an untaggable format are errors for
//! that file only; a section with a failed file gets no album value.
//!
//! ffprobe, ffmpeg, metaflac and flac are needed: without them a test prints why and
//! passes, unless `MACINMETER_REQUIRE_TOOLS=1` (which `.ci/run` sets).

mod common;
use common::{fixtures, text};

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use lofty::file::AudioFile;
use lofty::mp4::AtomIdent;
use serde_json::Value;

const TRACK: &str = "DYNAMIC RANGE";
const ALBUM: &str = "ALBUM DYNAMIC RANGE";

/// Every fixture of a format that can be tagged.
const TAGGABLE: &[&str] = &[
    "flac-24bit-96k.flac",
    "flac-5.1-24bit-48k.flac",
    "flac-mono-16bit-44k.flac",
    "vorbis-q5.ogg",
    "opus-96k-31s.opus",
    "opus-5.1-256k.opus",
    "mp3-cbr192.mp3",
    "aac-lc.m4a",
    "alac-16bit.m4a",
    "alac-24bit.m4a",
    "wav-s16.wav",
    "wav-f32.wav",
    "wav-ext-5.1-s16-48k.wav",
    "aiff-s16.aiff",
    "aifc-sowt-s16.aifc",
    "aifc-fl32.aifc",
];

/// A WAV made here without its RIFF INFO list: ffprobe reads a WAV's ID3 chunk only when
/// there is no INFO list, so this is the WAV the independent reader can check.
const WAV_WITHOUT_INFO: &str = "wav-id3-only.wav";

fn macinmeter(args: &[&str], dir: &Path) -> Output {
    common::macinmeter_dated("2026-11-27 12:00:00", args, dir)
}

/// Whether every tool can be run; when one cannot, a failure under
/// `MACINMETER_REQUIRE_TOOLS=1`, else `false` with the reason printed (the test skips).
fn have_tools(tools: &[&str], test: &str) -> bool {
    for tool in tools {
        if Command::new(tool).arg("--help").output().is_err() {
            let required = std::env::var("MACINMETER_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{test}: {tool} is not installed, and MACINMETER_REQUIRE_TOOLS=1 requires it"
            );
            let _ = writeln!(
                std::io::stderr().lock(),
                "note: {test}: skipped: {tool} is not installed (MACINMETER_REQUIRE_TOOLS=1 makes this a failure)"
            );
            return false;
        }
    }
    true
}

fn run_tool(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().expect("the tool runs");
    assert!(out.status.success(), "{tool} {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// A RIFF file without its LIST chunks (RIFF INFO); the other chunks as they were.
fn without_info_list(wav: &[u8]) -> Vec<u8> {
    let mut out = wav[..12].to_vec();
    let mut at = 12;
    while at + 8 <= wav.len() {
        let size = u32::from_le_bytes(wav[at + 4..at + 8].try_into().unwrap()) as usize;
        let end = (at + 8 + size + (size & 1)).min(wav.len());
        if &wav[at..at + 4] != b"LIST" {
            out.extend_from_slice(&wav[at..end]);
        }
        at = end;
    }
    let riff_size = u32::try_from(out.len() - 8).unwrap();
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    out
}

/// The taggable fixtures copied into `dir`, and the INFO-less WAV.
fn copy_taggable(dir: &Path) -> Vec<String> {
    for name in TAGGABLE {
        std::fs::copy(fixtures().join("formats").join(name), dir.join(name)).unwrap();
    }
    let wav = std::fs::read(fixtures().join("formats/wav-s16.wav")).unwrap();
    std::fs::write(dir.join(WAV_WITHOUT_INFO), without_info_list(&wav)).unwrap();
    let mut names: Vec<String> = TAGGABLE.iter().map(|n| n.to_string()).collect();
    names.push(WAV_WITHOUT_INFO.into());
    names
}

/// (track Official DR, its album section's Official DR) of each file, by file name, from
/// the JSON of a run that writes no tags.
fn expected_values(dir: &Path, extra: &[&str]) -> HashMap<String, (String, String)> {
    let mut args = vec!["-q", "--format", "json", "."];
    args.extend_from_slice(extra);
    let out = macinmeter(&args, dir);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let tracks = doc["tracks"].as_array().unwrap();
    let mut values = HashMap::new();
    for album in doc["albums"].as_array().unwrap() {
        for index in album["tracks"].as_array().unwrap() {
            let track = &tracks[index.as_u64().unwrap() as usize];
            let name = Path::new(track["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            values.insert(
                name,
                (track["official_dr"].to_string(), album["official_dr"].to_string()),
            );
        }
    }
    values
}

/// (DYNAMIC RANGE, ALBUM DYNAMIC RANGE) as lofty reads them, in the format's own tag.
fn lofty_values(path: &Path) -> (Option<String>, Option<String>) {
    let mut file = std::fs::File::open(path).unwrap();
    let parse = lofty::config::ParseOptions::new();
    let ext = path.extension().unwrap().to_str().unwrap();
    let pair = |get: &dyn Fn(&str) -> Option<String>| (get(TRACK), get(ALBUM));
    match ext {
        "flac" => {
            let f = lofty::flac::FlacFile::read_from(&mut file, parse).unwrap();
            let c = f.vorbis_comments().expect("Vorbis comments");
            pair(&|k| c.get(k).map(str::to_string))
        }
        "ogg" => {
            let f = lofty::ogg::VorbisFile::read_from(&mut file, parse).unwrap();
            pair(&|k| f.vorbis_comments().get(k).map(str::to_string))
        }
        "opus" => {
            let f = lofty::ogg::OpusFile::read_from(&mut file, parse).unwrap();
            pair(&|k| f.vorbis_comments().get(k).map(str::to_string))
        }
        "m4a" => {
            let f = lofty::mp4::Mp4File::read_from(&mut file, parse).unwrap();
            let ilst = f.ilst().expect("an ilst");
            pair(&|k| {
                let ident = AtomIdent::Freeform {
                    mean: "com.apple.iTunes".into(),
                    name: k.to_string().into(),
                };
                ilst.get(&ident).and_then(|a| a.data().next()).and_then(|d| match d {
                    lofty::mp4::AtomData::UTF8(s) => Some(s.clone()),
                    _ => None,
                })
            })
        }
        "mp3" | "wav" | "aiff" | "aifc" => {
            let tag = match ext {
                "mp3" => lofty::mpeg::MpegFile::read_from(&mut file, parse)
                    .unwrap()
                    .id3v2()
                    .cloned(),
                "wav" => lofty::iff::wav::WavFile::read_from(&mut file, parse)
                    .unwrap()
                    .id3v2()
                    .cloned(),
                _ => lofty::iff::aiff::AiffFile::read_from(&mut file, parse)
                    .unwrap()
                    .id3v2()
                    .cloned(),
            };
            let tag = tag.expect("an ID3v2 tag");
            pair(&|k| tag.get_user_text(k).map(str::to_string))
        }
        other => panic!("no reader for .{other}"),
    }
}

/// Every tag ffprobe sees (the container's and the audio stream's), names upper-cased.
fn ffprobe_tags(path: &Path) -> HashMap<String, String> {
    let out = run_tool(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "format_tags:stream_tags",
            "-of",
            "json",
            path.to_str().unwrap(),
        ],
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    let mut tags = HashMap::new();
    let mut add = |v: &Value| {
        if let Some(map) = v["tags"].as_object() {
            for (k, v) in map {
                tags.insert(k.to_uppercase(), v.as_str().unwrap_or_default().to_string());
            }
        }
    };
    add(&doc["format"]);
    for stream in doc["streams"].as_array().into_iter().flatten() {
        add(stream);
    }
    tags
}

/// The MD5 of the decoded audio (ffmpeg's, of the PCM in the file's own sample format).
fn pcm_md5(path: &Path) -> String {
    run_tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            path.to_str().unwrap(),
            "-map",
            "0:a",
            "-f",
            "md5",
            "-",
        ],
    )
}

fn metaflac(args: &[&str], path: &Path) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.push(path.to_str().unwrap());
    run_tool("metaflac", &all)
}

#[test]
fn every_format_round_trips_with_audio_and_other_tags_unchanged() {
    const TEST: &str = "every_format_round_trips";
    if !have_tools(&["ffprobe", "ffmpeg", "metaflac", "flac"], TEST) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let names = copy_taggable(dir.path());
    let expected = expected_values(dir.path(), &[]);
    let before: HashMap<&String, (String, HashMap<String, String>)> = names
        .iter()
        .map(|n| {
            let path = dir.path().join(n);
            (n, (pcm_md5(&path), ffprobe_tags(&path)))
        })
        .collect();
    let flac_md5: Vec<String> = names
        .iter()
        .filter(|n| n.ends_with(".flac"))
        .map(|n| metaflac(&["--show-md5sum"], &dir.path().join(n)))
        .collect();

    let out = macinmeter(&["-q", "--write-tags", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));

    for name in &names {
        let path = dir.path().join(name);
        let (track, album) = expected.get(name).unwrap_or_else(|| panic!("{name} not in the JSON"));
        let want = (Some(track.clone()), Some(album.clone()));
        assert_eq!(lofty_values(&path), want, "{name}: lofty");
        let (pcm_before, tags_before) = &before[name];
        let tags_after = ffprobe_tags(&path);
        // ffprobe shows a WAV's ID3 chunk only when it has no INFO list.
        if !name.ends_with(".wav") || name == WAV_WITHOUT_INFO {
            assert_eq!(
                (tags_after.get(TRACK).cloned(), tags_after.get(ALBUM).cloned()),
                want,
                "{name}: ffprobe"
            );
        }
        // Every tag that was there is still there, unchanged (TITLE, ARTIST, ...).
        for (key, value) in tags_before {
            assert_eq!(tags_after.get(key), Some(value), "{name}: tag {key}");
        }
        assert!(tags_before.contains_key("TITLE") || name == WAV_WITHOUT_INFO, "{name}");
        assert_eq!(&pcm_md5(&path), pcm_before, "{name}: decoded audio changed");
    }
    let flacs: Vec<&String> = names.iter().filter(|n| n.ends_with(".flac")).collect();
    for (name, md5) in flacs.iter().zip(&flac_md5) {
        let path = dir.path().join(name);
        let list = metaflac(&["--list", "--block-type=VORBIS_COMMENT"], &path);
        let (track, album) = &expected[*name];
        assert!(list.contains(&format!(": {TRACK}={track}\n")), "{name}: {list}");
        assert!(list.contains(&format!(": {ALBUM}={album}\n")), "{name}: {list}");
        assert_eq!(&metaflac(&["--show-md5sum"], &path), md5, "{name}: STREAMINFO MD5");
        // flac decodes it and checks the audio against that MD5.
        run_tool("flac", &["-t", "-s", path.to_str().unwrap()]);
    }
}

#[test]
fn a_second_run_replaces_the_values_and_keeps_a_picture() {
    const TEST: &str = "a_second_run_replaces_the_values";
    if !have_tools(&["metaflac"], TEST) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let flac = dir.path().join("a.flac");
    std::fs::copy(fixtures().join("formats/flac-mono-16bit-44k.flac"), &flac).unwrap();
    // A 1x1 PNG as its front cover, and a stale DR value from some earlier tagger.
    let png = dir.path().join("cover.png");
    std::fs::write(&png, PNG_1X1).unwrap();
    metaflac(&[&format!("--import-picture-from=3||||{}", png.display())], &flac);
    metaflac(&[&format!("--set-tag={TRACK}=1")], &flac);
    let expected = expected_values(dir.path(), &[]);

    for _ in 0..2 {
        let out = macinmeter(&["-q", "--write-tags", "a.flac"], dir.path());
        assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    }
    let list = metaflac(&["--list", "--block-type=VORBIS_COMMENT"], &flac);
    let (track, album) = &expected["a.flac"];
    assert_eq!(list.matches(&format!(": {TRACK}=")).count(), 1, "{list}");
    assert_eq!(list.matches(&format!(": {ALBUM}=")).count(), 1, "{list}");
    assert!(list.contains(&format!(": {TRACK}={track}\n")), "{list}");
    assert!(list.contains(&format!(": {ALBUM}={album}\n")), "{list}");
    let exported = dir.path().join("exported.png");
    metaflac(&[&format!("--export-picture-to={}", exported.display())], &flac);
    assert_eq!(std::fs::read(&exported).unwrap(), PNG_1X1);
}

/// A valid 1x1 RGB PNG.
const PNG_1X1: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 144, 119, 83,
    222, 0, 0, 0, 12, 73, 68, 65, 84, 120, 156, 99, 248, 207, 192, 0, 0, 3, 1, 1, 0, 201, 254, 146, 239, 0, 0, 0, 0,
    73, 69, 78, 68, 174, 66, 96, 130,
];

#[cfg(unix)]
#[test]
fn read_only_files_and_folders_are_reported_and_left_alone_while_the_others_are_tagged() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked_folder = dir.path().join("locked");
    std::fs::create_dir(&locked_folder).unwrap();
    let source = fixtures().join("formats/flac-mono-16bit-44k.flac");
    for path in [
        dir.path().join("open.flac"),
        dir.path().join("read-only.flac"),
        locked_folder.join("inside.flac"),
    ] {
        std::fs::copy(&source, path).unwrap();
    }
    let original = std::fs::read(&source).unwrap();
    let mode = |path: &Path, mode: u32| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    mode(&dir.path().join("read-only.flac"), 0o444);
    mode(&locked_folder, 0o555);

    let out = macinmeter(&["-q", "--write-tags", "."], dir.path());
    mode(&locked_folder, 0o755);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    let read_only = Path::new(".").join("read-only.flac").display().to_string();
    let inside = Path::new(".").join("locked/inside.flac").display().to_string();
    assert!(
        stderr.contains(&format!(
            "error: {read_only}: cannot write tags: not writable: the file is read-only"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: {inside}: cannot write tags: not writable: its folder is read-only"
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.path().join("read-only.flac")).unwrap(), original);
    assert_eq!(std::fs::read(locked_folder.join("inside.flac")).unwrap(), original);
    let perms = std::fs::metadata(dir.path().join("read-only.flac"))
        .unwrap()
        .permissions();
    assert_eq!(perms.mode() & 0o777, 0o444);
    // The writable one was tagged; no temporary file is left anywhere.
    assert!(lofty_values(&dir.path().join("open.flac")).0.is_some());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .chain(std::fs::read_dir(&locked_folder).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[cfg(unix)]
#[test]
fn a_tagged_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.opus");
    std::fs::copy(fixtures().join("formats/opus-96k-31s.opus"), &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = macinmeter(&["-q", "--write-tags", "a.opus"], dir.path());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(lofty_values(&path).0.is_some());
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
}

#[test]
fn formats_that_cannot_be_tagged_are_errors_for_those_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let untaggable = [
        ("caf-alac-16bit.caf", "CAF"),
        ("mka-flac.mka", "MKA"),
        ("webm-opus.webm", "WEBM"),
        ("aac-adts.aac", "ADTS AAC (.aac)"),
    ];
    for (name, _) in untaggable {
        std::fs::copy(fixtures().join("formats").join(name), dir.path().join(name)).unwrap();
    }
    std::fs::copy(fixtures().join("formats/vorbis-q5.ogg"), dir.path().join("ok.ogg")).unwrap();
    let out = macinmeter(&["-q", "--write-tags", "."], dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    for (name, format) in untaggable {
        let path = Path::new(".").join(name).display().to_string();
        assert!(
            stderr.contains(&format!("error: {path}: cannot write tags to {format} files")),
            "{name}: {stderr}"
        );
        let original = std::fs::read(fixtures().join("formats").join(name)).unwrap();
        assert_eq!(std::fs::read(dir.path().join(name)).unwrap(), original, "{name}");
    }
    assert!(lofty_values(&dir.path().join("ok.ogg")).0.is_some());
}

#[test]
fn an_album_with_a_failed_file_gets_track_values_only() {
    let dir = tempfile::tempdir().unwrap();
    let album = dir.path().join("Album");
    std::fs::create_dir(&album).unwrap();
    for entry in std::fs::read_dir(fixtures().join("album-flac")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, album.join(path.file_name().unwrap())).unwrap();
    }
    let expected = expected_values(dir.path(), &[]);
    // A FLAC cut in the middle of its audio: it fails, and may have been part of the album.
    let flac = std::fs::read(fixtures().join("formats/flac-24bit-96k.flac")).unwrap();
    std::fs::write(album.join("04 - cut.flac"), &flac[..flac.len() / 2]).unwrap();

    let out = macinmeter(&["--write-tags", "."], dir.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("ALBUM DYNAMIC RANGE not written for \"Doug Kaufman / Excerpts A\" (only DYNAMIC RANGE): some files in its folder could not be measured"),
        "{stderr}"
    );
    assert_eq!(expected.len(), 3);
    for (name, (track, _)) in &expected {
        assert_eq!(lofty_values(&album.join(name)), (Some(track.clone()), None), "{name}");
    }
}

#[test]
fn the_album_value_follows_album_by_length() {
    let dir = tempfile::tempdir().unwrap();
    let names = copy_taggable(dir.path());
    let by_length = expected_values(dir.path(), &["--album-by-length"]);
    let equal = expected_values(dir.path(), &[]);
    // The two weightings must differ somewhere for this to test anything.
    assert!(
        names.iter().any(|n| by_length[n].1 != equal[n].1),
        "the weightings agree on these fixtures"
    );
    let out = macinmeter(&["-q", "--write-tags", "--album-by-length", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    for name in &names {
        let (track, album) = &by_length[name];
        assert_eq!(
            lofty_values(&dir.path().join(name)),
            (Some(track.clone()), Some(album.clone())),
            "{name}"
        );
    }
}

/// Ctrl-C: the files that finished get their track value, none gets an album value (the
/// album did not finish), the others are left as they were.
#[cfg(unix)]
#[test]
fn an_interrupted_run_tags_finished_files_with_track_values_only() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let excerpt = fixtures().join("album-flac/01 - Variations on an Elvish Theme (excerpt).flac");
    std::fs::copy(&excerpt, dir.path().join("one.flac")).unwrap();
    let track = expected_values(dir.path(), &[])["one.flac"].0.clone();
    std::fs::remove_file(dir.path().join("one.flac")).unwrap();
    // 7-second files measured one at a time: 150 cannot finish before the signal.
    const COPIES: usize = 150;
    for i in 0..COPIES {
        std::fs::copy(&excerpt, dir.path().join(format!("{i:03}.flac"))).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_macinmeter"))
        .args(["--serial", "-v", "--write-tags", "."])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("measuring") {
        line.clear();
    }
    assert!(line.contains(&format!("measuring {COPIES} files")), "{line}");
    // Once the first file has finished (-v prints its DR line).
    loop {
        line.clear();
        if stderr.read_line(&mut line).unwrap() == 0 || line.starts_with("DR") {
            break;
        }
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut rest = line;
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(1), "{rest}");

    assert!(
        rest.contains("ALBUM DYNAMIC RANGE not written for \"Doug Kaufman / Excerpts A\" (only DYNAMIC RANGE): the run was stopped before every file in its folder was measured"),
        "{rest}"
    );
    let original = std::fs::read(&excerpt).unwrap();
    let mut tagged = 0;
    for i in 0..COPIES {
        let path = dir.path().join(format!("{i:03}.flac"));
        match lofty_values(&path) {
            (Some(value), None) => {
                assert_eq!(value, track, "{}", path.display());
                tagged += 1;
            }
            (None, None) => assert_eq!(std::fs::read(&path).unwrap(), original, "{}", path.display()),
            other => panic!("{}: {other:?}", path.display()),
        }
    }
    // Exactly the files -v announced as finished were tagged.
    let finished = rest.lines().filter(|l| l.starts_with("DR")).count();
    assert_eq!(tagged, finished, "{rest}");
    assert!(0 < tagged && tagged < COPIES, "{tagged} tagged");
}
