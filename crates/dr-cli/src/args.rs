//! The command line.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "macinmeter",
    version,
    about = "Measure the Dynamic Range (DR) of music, with foobar2000 DR Meter's numbers.",
    after_help = "Exit status: 0 all files measured, 1 some failed or the run was interrupted, \
                  2 usage error or nothing to measure."
)]
pub struct Cli {
    /// Audio files and folders (folders are searched recursively).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Do not search sub-folders of the folders given.
    #[arg(long)]
    pub no_recursive: bool,

    /// Write the log to FILE instead of standard output (replaced atomically).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// One line per album instead of the log: DR, tracks, artist, album, folder.
    #[arg(long, conflicts_with = "log")]
    pub summary: bool,

    /// Albums of --summary and --format csv by DR (lowest first) or name [default: as found].
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<SortKey>,

    /// Log layout: DR Meter's album sections (for any number of tracks), or the detailed
    /// per-channel statistics of each track.
    #[arg(long, value_enum, default_value_t = LogLayout::Album)]
    pub log: LogLayout,

    /// Per-channel DR and RMS columns for stereo too (more than 2 channels always get them).
    #[arg(long)]
    pub channel_columns: bool,

    /// Weight the DR mean of tracks with more than 2 channels by channel loudness (a DR
    /// Meter option, off there by default).
    #[arg(long)]
    pub weight_by_loudness: bool,

    /// Weight each album's DR by track length (a DR Meter option, off there by default).
    #[arg(long)]
    pub album_by_length: bool,

    /// Also write each album's log as foo_dr.txt into the folder holding its tracks
    /// (an existing one is kept unless --overwrite; see README).
    #[arg(long)]
    pub save_logs: bool,

    /// With --save-logs: replace existing foo_dr.txt files of folders measured in full.
    #[arg(long, requires = "save_logs")]
    pub overwrite: bool,

    /// Write each file's Official DR into it as the tags foobar2000's DR Meter writes,
    /// DYNAMIC RANGE and ALBUM DYNAMIC RANGE (FLAC, Ogg Vorbis, Opus, MP3, M4A, WAV, AIFF;
    /// see README, "DR tags").
    #[arg(long)]
    pub write_tags: bool,

    /// Files measured at once [default: min(4, cores)].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel_files: Option<u16>,

    /// Threads in the one worker pool [default: available cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub parallel_threads: Option<u16>,

    /// Packets per decode batch for FLAC, ALAC and PCM [default: 64].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub parallel_batch: Option<u16>,

    /// Do everything on one thread, one file at a time.
    #[arg(long, conflicts_with_all = ["parallel_files", "parallel_threads"])]
    pub serial: bool,

    /// Leave the LFE channel out of the DR mean (where the file's layout names one).
    #[arg(long)]
    pub exclude_lfe: bool,

    /// The results cache to use [default: <the user's cache folder>/macinmeter/results.sqlite3]:
    /// files unchanged since they were measured (same path, size and modification time, same
    /// result-changing options) are not measured again (see README, "Cache").
    #[arg(long, value_name = "FILE")]
    pub cache: Option<PathBuf>,

    /// Measure every file and neither read nor write the results cache.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,

    /// Print nothing on standard error but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more: each file as it is measured, warnings in full.
    #[arg(short, long)]
    pub verbose: bool,

    /// At the end, print what the run cost on standard error (time, MB/s, CPU, memory).
    #[arg(long)]
    pub stats: bool,

    /// Print a completion script for SHELL on standard output, and exit.
    #[arg(long, value_name = "SHELL", hide = true)]
    pub completions: Option<clap_complete::Shell>,

    /// Print the man page (roff) on standard output, and exit.
    #[arg(long, hide = true)]
    pub man: bool,
}

/// `--completions SHELL` and `--man`: generated from these definitions. The exit
/// status when one was asked for, `None` otherwise. Written whole at the end, so a
/// reader that goes away (`| head`) costs an exit status, not a panic.
pub fn generate(cli: &Cli) -> Option<u8> {
    use clap::CommandFactory;
    use std::io::Write;
    let mut command = Cli::command();
    let mut text = Vec::new();
    if let Some(shell) = cli.completions {
        clap_complete::generate(shell, &mut command, "macinmeter", &mut text);
    } else if cli.man {
        // Rendering into memory cannot fail.
        let _ = clap_mangen::Man::new(command).render(&mut text);
    } else {
        return None;
    }
    let mut out = std::io::stdout().lock();
    Some(if out.write_all(&text).and_then(|()| out.flush()).is_ok() {
        0
    } else {
        1
    })
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

/// `--sort`: the order of albums.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    // Official DR ascending (the most compressed first); equal values by name.
    Dr,
    // Artist, album, folder, ignoring case.
    Name,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogLayout {
    Album,
    Track,
}

/// The parallelism a run uses, from the options and the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parallelism {
    pub threads: usize,
    pub files: usize,
    pub batch_packets: usize,
    pub parallel_packets: bool,
}

impl Cli {
    /// Why the output options asked for do not go together, if they do not.
    pub fn output_conflict(&self) -> Option<&'static str> {
        if self.summary && self.format == Format::Json {
            Some(
                "--summary does not combine with --format json: the JSON document's \"albums\" already are the summary",
            )
        } else if self.sort.is_some() && !self.summary && self.format != Format::Csv {
            Some("--sort orders the albums of --summary and --format csv; the log and JSON keep the order of the files")
        } else {
            None
        }
    }

    /// The order of albums in the summary and the CSV.
    pub fn album_order(&self) -> dr_report::AlbumOrder {
        match self.sort {
            None => dr_report::AlbumOrder::Run,
            Some(SortKey::Dr) => dr_report::AlbumOrder::Dr,
            Some(SortKey::Name) => dr_report::AlbumOrder::Name,
        }
    }

    pub fn parallelism(&self, cores: usize) -> Parallelism {
        if self.serial {
            return Parallelism {
                threads: 1,
                files: 1,
                batch_packets: self.parallel_batch.map_or(64, usize::from),
                parallel_packets: false,
            };
        }
        Parallelism {
            threads: self.parallel_threads.map_or(cores, usize::from),
            files: self.parallel_files.map_or(cores.min(4), usize::from),
            batch_packets: self.parallel_batch.map_or(64, usize::from),
            parallel_packets: true,
        }
    }
}
