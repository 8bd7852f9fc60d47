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

/// Writes one file atomically: a temporary file beside it, renamed into place.
pub fn write_file(target: &Path, contents: &str) -> Result<()> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(contents.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", target.display()))?;
    tmp.persist(target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(())
}
