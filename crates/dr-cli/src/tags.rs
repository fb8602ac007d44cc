//! `--write-tags`: each measured file gets its Official DR as the tags foobar2000's DR
//! Meter writes, `DYNAMIC RANGE` (the track) and `ALBUM DYNAMIC RANGE` (its album
//! section), integers as text ("12").
//!
//! How foobar2000 stores a field it has no standard frame or atom for, and so how these
//! two are stored, per format:
//! * FLAC, Ogg Vorbis, Opus: a Vorbis comment of that name.
//! * MP3, and the ID3 chunk of WAV and AIFF: an ID3v2 `TXXX` frame whose description is
//!   the name (hydrogenaud.io wiki, "Foobar2000:ID3 Tag Mapping": fields not in its table
//!   go into TXXX frames).
//! * M4A (AAC, ALAC): an iTunes freeform atom `----:com.apple.iTunes:<name>` (the
//!   mutagen MP4 notes: foobar2000 writes non-standard fields in that reverse-DNS form).
//!
//! Safety: the file is read, tagged in memory, written whole beside itself, synced and
//! renamed over the original (atomic.rs), so a crash leaves the old file or the new one, never half of
//! one. A read-only file or folder is reported, never forced; a file that changed since
//! it was measured is not tagged. An album value is written only for an album section
//! all of whose files were measured.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use lofty::config::{ParseOptions, WriteOptions};
use lofty::file::{AudioFile, FileType};
use lofty::id3::v2::Id3v2Tag;
use lofty::mp4::{Atom, AtomData, AtomIdent, Ilst};
use lofty::ogg::VorbisComments;

use dr_core::AlbumWeighting;
use dr_report::{Report, TrackMeta};

use crate::stamp::FileStamp;

pub const TRACK_FIELD: &str = "DYNAMIC RANGE";
pub const ALBUM_FIELD: &str = "ALBUM DYNAMIC RANGE";
/// The iTunes freeform namespace foobar2000 (and iTunes) use for custom MP4 fields.
const MP4_FREEFORM_MEAN: &str = "com.apple.iTunes";

/// The stamps of a run's inputs, taken before measuring, by the exact bytes of their
/// paths (a report names a track by its path's text, and by these bytes when the text is
/// lossy).
pub struct FileStamps(HashMap<Vec<u8>, (PathBuf, Option<FileStamp>)>);

impl FileStamps {
    pub fn new(files: &[PathBuf], stamps: &[Option<FileStamp>]) -> FileStamps {
        FileStamps(
            files
                .iter()
                .zip(stamps)
                .map(|(p, &stamp)| (p.as_os_str().as_encoded_bytes().to_vec(), (p.clone(), stamp)))
                .collect(),
        )
    }

    /// The input a report track was measured from.
    fn find(&self, meta: &TrackMeta) -> Option<&(PathBuf, Option<FileStamp>)> {
        let bytes = meta.path_bytes.as_deref().unwrap_or(meta.path.as_bytes());
        self.0.get(bytes)
    }
}

/// The values one file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrValues {
    pub track: i32,
    /// `None` when its album section is incomplete: the album tag is then left as it is.
    pub album: Option<i32>,
}

/// Tags every measured track of `report`. Errors are printed per file (the others go on),
/// notes through `say`. Whether every file was tagged.
pub fn write_tags(
    report: &Report,
    weighting: AlbumWeighting,
    stamps: &FileStamps,
    unfinished: &[PathBuf],
    say: &dyn Fn(&str),
) -> bool {
    let started = std::time::Instant::now();
    let mut all_tagged = true;
    let mut tagged = 0usize;
    let unfinished_folders: HashSet<String> = unfinished.iter().map(|p| lossy_folder(&p.to_string_lossy())).collect();
    let failed_folders: HashSet<String> = report.failures.iter().map(|f| lossy_folder(&f.path)).collect();
    for section in dr_report::sections(report) {
        // A file that did not finish or failed in one of the section's folders may be one
        // of its tracks: its album value would then be partial.
        let folders: HashSet<String> = section.tracks.iter().map(|t| lossy_folder(&t.meta.path)).collect();
        let incomplete = if !folders.is_disjoint(&unfinished_folders) {
            Some("the run was stopped before every file in its folder was measured")
        } else if !folders.is_disjoint(&failed_folders) {
            Some("some files in its folder could not be measured")
        } else {
            None
        };
        let album = match incomplete {
            Some(why) => {
                say(&format!(
                    "note: {}: {ALBUM_FIELD} not written for \"{}\" (only {TRACK_FIELD}): {why}",
                    section.folder,
                    section.heading()
                ));
                None
            }
            None => Some(section.album_result(weighting).official_dr),
        };
        for track in &section.tracks {
            let values = DrValues {
                track: track.result.official_dr,
                album,
            };
            let result = match stamps.find(&track.meta) {
                Some((path, Some(stamp))) => tag_file(path, stamp, values),
                _ => Err(cannot("it could not be found again after measuring")),
            };
            match result {
                Ok(()) => tagged += 1,
                Err(reason) => {
                    eprintln!("error: {}: {reason}", track.meta.path);
                    all_tagged = false;
                }
            }
        }
    }
    say(&format!(
        "tagged {tagged} of {} files in {:.2} s",
        report.tracks.len(),
        started.elapsed().as_secs_f64()
    ));
    all_tagged
}

/// A path's folder, as text (as a report gives paths).
fn lossy_folder(path: &str) -> String {
    folder_of_path(Path::new(path)).to_string_lossy().into_owned()
}

fn folder_of_path(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

/// Writes `values` into the file at `path`, measured when it had `stamp`; the reason,
/// whole, when it cannot.
fn tag_file(path: &Path, stamp: &FileStamp, values: DrValues) -> Result<(), String> {
    let format = TagFormat::of(path)?;
    let unchanged = || match FileStamp::of(path) {
        Ok(now) if now == *stamp => Ok(()),
        Ok(_) => Err("the file changed since it was measured".to_string()),
        Err(e) => Err(crate::walk::io_reason(&e)),
    };
    let written = unchanged().and_then(|()| check_writable(path)).and_then(|()| {
        crate::atomic::edit_copy_atomically(path, |copy| -> Result<(), TagError> {
            format.write(copy, values).map_err(TagError::Tag)?;
            // The copy is of the file as it is now: it must still be the file measured.
            unchanged().map_err(TagError::Tag)
        })
        .map_err(|e| match e {
            TagError::Tag(reason) => reason,
            // The folder refused the temporary file: the user may not write there.
            TagError::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                format!("not writable: {}", crate::walk::io_reason(&e))
            }
            TagError::Io(e) => crate::walk::io_reason(&e),
        })
    });
    written.map_err(|reason| cannot(&reason))
}

enum TagError {
    Tag(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for TagError {
    fn from(e: std::io::Error) -> Self {
        TagError::Io(e)
    }
}

/// A read-only file or folder is refused as "not writable" even where the process could
/// write it anyway (as root): the user's protection is respected, never forced.
fn check_writable(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| crate::walk::io_reason(&e))?;
    if meta.permissions().readonly() {
        return Err("not writable: the file is read-only".into());
    }
    let folder = match folder_of_path(path) {
        p if p.as_os_str().is_empty() => Path::new("."),
        p => p,
    };
    let folder_meta = std::fs::metadata(folder).map_err(|e| crate::walk::io_reason(&e))?;
    // On Windows a folder's read-only attribute does not protect its files (Explorer sets
    // it on Music and other shell folders): only Unix modes say so.
    if cfg!(unix) && folder_meta.permissions().readonly() {
        return Err("not writable: its folder is read-only".into());
    }
    // Opening for writing (nothing is written) asks the system whether this user may.
    if let Err(e) = std::fs::OpenOptions::new().write(true).open(path) {
        return Err(format!("not writable: {}", crate::walk::io_reason(&e)));
    }
    Ok(())
}

/// Where a format keeps the two fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagFormat {
    Flac,
    Vorbis,
    Opus,
    Mpeg,
    Mp4,
    Wav,
    Aiff,
}

impl TagFormat {
    /// By the file's name, then its contents: the name must be one of a taggable format
    /// (contents alone can look like MPEG or ADTS frames in a CAF or Matroska file), and
    /// the contents decide between formats sharing one (Vorbis or Opus in `.ogg`).
    fn of(path: &Path) -> Result<TagFormat, String> {
        let by_name = FileType::from_path(path);
        let by_contents = match by_name {
            Some(_) => lofty::probe::Probe::open(path)
                .and_then(|p| p.guess_file_type().map_err(Into::into))
                .map_err(|e| cannot(&e.to_string()))?
                .file_type(),
            None => None,
        };
        Ok(match by_contents {
            Some(FileType::Flac) => TagFormat::Flac,
            Some(FileType::Vorbis) => TagFormat::Vorbis,
            Some(FileType::Opus) => TagFormat::Opus,
            Some(FileType::Mpeg) => TagFormat::Mpeg,
            Some(FileType::Mp4) => TagFormat::Mp4,
            Some(FileType::Wav) => TagFormat::Wav,
            Some(FileType::Aiff) => TagFormat::Aiff,
            Some(FileType::Aac) => return Err(cannot_tag("ADTS AAC (.aac)")),
            Some(other) => return Err(cannot_tag(&format!("{other:?}"))),
            None => {
                let ext = path.extension().map(|e| e.to_string_lossy().to_uppercase());
                return Err(cannot_tag(&ext.unwrap_or_else(|| "unnamed".into())));
            }
        })
    }

    fn write(self, file: &mut Cursor<Vec<u8>>, values: DrValues) -> Result<(), String> {
        use lofty::flac::FlacFile;
        use lofty::iff::{aiff::AiffFile, wav::WavFile};
        use lofty::{mp4::Mp4File, mpeg::MpegFile, ogg::OpusFile, ogg::VorbisFile};
        let vorbis = |c: &mut VorbisComments| set_vorbis(c, values);
        let id3v2 = |t: &mut Id3v2Tag| set_id3v2(t, values);
        match self {
            TagFormat::Flac => edit(file, |f: &mut FlacFile| {
                fill_or_add(f, FlacFile::vorbis_comments_mut, FlacFile::set_vorbis_comments, vorbis)
            }),
            TagFormat::Vorbis => edit(file, |f: &mut VorbisFile| vorbis(f.vorbis_comments_mut())),
            TagFormat::Opus => edit(file, |f: &mut OpusFile| vorbis(f.vorbis_comments_mut())),
            TagFormat::Mpeg => edit(file, |f: &mut MpegFile| {
                fill_or_add(f, MpegFile::id3v2_mut, MpegFile::set_id3v2, id3v2)
            }),
            TagFormat::Wav => edit(file, |f: &mut WavFile| {
                fill_or_add(f, WavFile::id3v2_mut, WavFile::set_id3v2, id3v2)
            }),
            TagFormat::Aiff => edit(file, |f: &mut AiffFile| {
                fill_or_add(f, AiffFile::id3v2_mut, AiffFile::set_id3v2, id3v2)
            }),
            TagFormat::Mp4 => edit(file, |f: &mut Mp4File| {
                fill_or_add(f, Mp4File::ilst_mut, Mp4File::set_ilst, |i| set_mp4(i, values))
            }),
        }
    }
}

/// Reads the file's tags (in full, pictures too, so that writing them back keeps them),
/// lets `change` edit them, and writes them back.
fn edit<F: AudioFile>(file: &mut Cursor<Vec<u8>>, change: impl FnOnce(&mut F)) -> Result<(), String> {
    file.seek(SeekFrom::Start(0)).map_err(|e| crate::walk::io_reason(&e))?;
    let mut tagged = F::read_from(file, ParseOptions::new()).map_err(|e| format!("its tags cannot be read: {e}"))?;
    change(&mut tagged);
    file.seek(SeekFrom::Start(0)).map_err(|e| crate::walk::io_reason(&e))?;
    tagged
        .save_to(file, WriteOptions::default())
        .map_err(|e| format!("the tags cannot be written: {e}"))
}

/// Fills a file's tag of one kind (`get`), or gives the file a new one (`set`) when it
/// has none.
fn fill_or_add<F, T: Default>(
    f: &mut F,
    get: impl Fn(&mut F) -> Option<&mut T>,
    set: impl Fn(&mut F, T) -> Option<T>,
    fill: impl Fn(&mut T),
) {
    match get(f) {
        Some(tag) => fill(tag),
        None => {
            let mut tag = T::default();
            fill(&mut tag);
            set(f, tag);
        }
    }
}

/// A reason for not tagging a file, as printed after its name.
fn cannot(reason: &str) -> String {
    format!("cannot write tags: {reason}")
}

fn cannot_tag(format: &str) -> String {
    format!("cannot write tags to {format} files (FLAC, Ogg Vorbis, Opus, MP3, M4A, WAV and AIFF can be tagged)")
}

fn set_vorbis(comments: &mut VorbisComments, values: DrValues) {
    comments.insert(TRACK_FIELD.into(), values.track.to_string());
    if let Some(album) = values.album {
        comments.insert(ALBUM_FIELD.into(), album.to_string());
    }
}

fn set_id3v2(tag: &mut Id3v2Tag, values: DrValues) {
    tag.insert_user_text(TRACK_FIELD.into(), values.track.to_string());
    if let Some(album) = values.album {
        tag.insert_user_text(ALBUM_FIELD.into(), album.to_string());
    }
}

fn set_mp4(ilst: &mut Ilst, values: DrValues) {
    let freeform = |name: &'static str, value: i32| {
        Atom::new(
            AtomIdent::Freeform {
                mean: MP4_FREEFORM_MEAN.into(),
                name: name.into(),
            },
            AtomData::UTF8(value.to_string()),
        )
    };
    ilst.replace_atom(freeform(TRACK_FIELD, values.track));
    if let Some(album) = values.album {
        ilst.replace_atom(freeform(ALBUM_FIELD, album));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_copy(dir: &Path) -> PathBuf {
        let source =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/formats/flac-mono-16bit-44k.flac");
        let path = dir.join("a.flac");
        std::fs::copy(source, &path).unwrap();
        path
    }

    const VALUES: DrValues = DrValues {
        track: 10,
        album: Some(9),
    };

    #[test]
    fn a_file_changed_since_it_was_measured_is_not_tagged() {
        let dir = tempfile::tempdir().unwrap();
        let path = fixture_copy(dir.path());
        let measured = FileStamp::of(&path).unwrap();
        // The same size, one byte of its audio changed, a later modification time.
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let later = std::fs::metadata(&path).unwrap().modified().unwrap() + std::time::Duration::from_secs(10);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();

        assert_eq!(
            tag_file(&path, &measured, VALUES),
            Err("cannot write tags: the file changed since it was measured".to_string())
        );
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        // As it is now, it is tagged.
        assert_eq!(tag_file(&path, &FileStamp::of(&path).unwrap(), VALUES), Ok(()));
        assert_ne!(std::fs::read(&path).unwrap(), bytes);
    }
}
