//! Writing output files atomically: each file goes to a temporary file in the same directory and
//! is renamed into place, so a reader never sees a half-written file.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// The lock file of an output directory where a directory cannot be locked itself.
#[cfg(not(unix))]
const LOCK_FILE: &str = ".cleave.lock";

/// Writes `files` (name, contents) into `dir` as one set, creating `dir` if needed.
///
/// Every file is first written in full to a temporary file beside its target; only when all are
/// written are they renamed into place, so a failure (a full disk) leaves the earlier set whole,
/// never a mix. Runs into the same directory take turns on an exclusive lock of the directory
/// ([`lock_dir`]), so two concurrent runs leave one run's set, not a mix of both; under that
/// lock, temporaries of ours that a killed run left behind are removed. `dir` naming an existing
/// file is bad input.
pub fn write_all(dir: &Path, files: &[(&str, String)]) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(crate::input::bad_input(format!(
            "--out {} is a file, not a directory: name a directory to write the plan into",
            dir.display()
        )));
    }
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))?;
    let lock =
        lock_dir(dir).with_context(|| format!("cannot lock output directory {}", dir.display()))?;
    remove_stale_temporaries(dir, files);
    let written: Vec<(tempfile::NamedTempFile, std::path::PathBuf)> = files
        .iter()
        .map(|(name, contents)| {
            let target = dir.join(name);
            temporary(&target, contents.as_bytes()).map(|tmp| (tmp, target))
        })
        .collect::<Result<_>>()?;
    for (tmp, target) in written {
        tmp.persist(&target)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    drop(lock);
    Ok(())
}

/// An exclusive lock on an output directory, held until dropped: on Unix the directory itself is
/// locked (nothing is left in it); elsewhere a `.cleave.lock` file in it.
fn lock_dir(dir: &Path) -> std::io::Result<fs::File> {
    #[cfg(unix)]
    let handle = fs::File::open(dir)?;
    #[cfg(not(unix))]
    let handle = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))?;
    handle.lock()?;
    Ok(handle)
}

/// Removes temporaries named like ours (`.plan.json.XXXXXX`) for the files of this set: left by
/// a run that was killed between writing and renaming. Called under the directory's lock, so no
/// running write owns them.
fn remove_stale_temporaries(dir: &Path, files: &[(&str, String)]) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = files.iter().any(|(file, _)| {
            name.strip_prefix(&format!(".{file}.")).is_some_and(|rest| {
                rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric())
            })
        });
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether an output path means standard output (`-o -`).
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes bytes to standard output (for `-o -`).
pub fn to_stdout(contents: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(contents)
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
}

/// Writes one text file atomically: a temporary file beside it, renamed into place.
pub fn write_file(target: &Path, contents: &str) -> Result<()> {
    write_bytes(target, contents.as_bytes())
}

/// Writes one file atomically (text or an image): a temporary file beside it, renamed into place.
pub fn write_bytes(target: &Path, contents: &[u8]) -> Result<()> {
    temporary(target, contents)?
        .persist(target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(())
}

/// `contents` written and synced to a temporary file beside `target` (`.NAME.XXXXXX`), readable
/// like any file the user creates (0644 before the umask, not the temporary file's 0600); it is
/// deleted if dropped without being persisted.
fn temporary(target: &Path, contents: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(contents)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(tmp)
}
