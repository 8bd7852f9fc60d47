//! Writing output files atomically: each file goes to a temporary file in the same directory and
//! is renamed into place, so a reader never sees a half-written file.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `files` (name, contents) into `dir`, creating it if needed.
pub fn write_all(dir: &Path, files: &[(&str, String)]) -> Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))?;
    for (name, contents) in files {
        write_file(&dir.join(name), contents)?;
    }
    Ok(())
}

/// Writes one text file atomically: a temporary file beside it, renamed into place.
pub fn write_file(target: &Path, contents: &str) -> Result<()> {
    write_bytes(target, contents.as_bytes())
}

/// Writes one file atomically (text or an image): a temporary file beside it, readable like any
/// file the user creates (0644 before the umask, not the temporary file's 0600), renamed into
/// place.
pub fn write_bytes(target: &Path, contents: &[u8]) -> Result<()> {
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
    tmp.persist(target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(())
}
