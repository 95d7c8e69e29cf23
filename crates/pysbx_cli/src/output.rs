//! Writing reports: to standard output, or to a file atomically (a temporary file in the same
//! directory, renamed into place), so an interrupted run never leaves a half-written report.
//! A destination that is not a regular file (`/dev/stdout`, a FIFO) is written into instead:
//! renaming over it would replace the device with a file.

use std::io::{IsTerminal, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{Context, Result};

use crate::args::ColorChoice;

/// Runs `write` against the destination: the file at `path` (atomically), or standard output.
pub(crate) fn write_output(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match path {
        Some(path) if path != Path::new("-") => write_atomically(path, write),
        _ => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            write(&mut lock)?;
            lock.flush().context("writing to standard output")?;
            Ok(())
        }
    }
}

/// Writes a file through a temporary sibling and a rename.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    write_atomically_with(path, true, write)
}

/// [`write_atomically`], with the flush to disk left to the caller when `sync` is false: a
/// mirrored tree of thousands of files is flushed once at the end (see [`sync_filesystem`])
/// instead of one `fsync` per file.
pub(crate) fn write_atomically_with(
    path: &Path,
    sync: bool,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let path = match pysbx_files::write_target(path) {
        pysbx_files::WriteTarget::Replace(path) => path,
        pysbx_files::WriteTarget::Stream => {
            let file = pysbx_files::open_stream(path)
                .with_context(|| format!("{}: cannot open for writing", path.display()))?;
            let mut buffered = std::io::BufWriter::new(file);
            write(&mut buffered).with_context(|| format!("writing {}", path.display()))?;
            return buffered.flush().with_context(|| format!("writing {}", path.display()));
        }
    };
    let path = path.as_path();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp =
        tempfile::Builder::new().prefix(".pysbx-").suffix(".tmp").tempfile_in(dir).with_context(
            || format!("{}: cannot create a temporary file beside it", path.display()),
        )?;
    let _pending = crate::pending::track(tmp.path());
    {
        let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
        write(&mut buffered).with_context(|| format!("writing {}", path.display()))?;
        buffered.flush().with_context(|| format!("writing {}", path.display()))?;
    }
    // The temporary file is private (0600) while written; the result gets the mode of the file
    // it replaces, or what a new file gets under the umask.
    let mode = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions().mode() & 0o7777,
        Err(_) => 0o666 & !process_umask(),
    };
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("{}: cannot set the file's mode", path.display()))?;
    if sync {
        tmp.as_file().sync_all().with_context(|| format!("writing {}", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

/// The process's umask, read from `/proc/self/status` (setting it to read it back would change
/// it for the other threads writing files meanwhile); 022 when it cannot be read.
fn process_umask() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("Umask:"))
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            })
            .unwrap_or(0o022)
    })
}

/// Flushes everything written to the filesystem holding `dir` to disk.
pub(crate) fn sync_filesystem(dir: &Path) -> Result<()> {
    let handle =
        std::fs::File::open(dir).with_context(|| format!("{}: cannot open", dir.display()))?;
    nix::unistd::syncfs(&handle).with_context(|| format!("{}: cannot flush to disk", dir.display()))
}

/// Whether to colour output written to standard output.
pub(crate) fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// A progress bar on standard error for long scans: shown only on a terminal and without
/// `--quiet`, so pipes, files and CI logs never see control sequences.
pub(crate) fn progress_bar(total: usize, quiet: bool) -> indicatif::ProgressBar {
    if quiet || total < 200 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total as u64),
        indicatif::ProgressDrawTarget::stderr_with_hz(8),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} scanning {pos}/{len} files [{bar:30}] {per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// `path:line:column` of a JSON error. serde_json counts columns from 1 but gives 0 for an
/// error at the start of a line (an empty file), which editors do not accept.
pub(crate) fn json_error_position(path: &Path, e: &serde_json::Error) -> String {
    format!("{}:{}:{}", path.display(), e.line().max(1), e.column().max(1))
}
