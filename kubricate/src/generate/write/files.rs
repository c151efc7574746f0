//! File system steps every write shares: creating a file new (never through a link), creating
//! directories one level at a time, the sibling names of an output directory.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{io, OutputError};

/// Whether anything (a file, a directory, a symbolic link, even a dangling one) is at `p`.
pub(super) fn occupied(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

/// `(parent, name)` of the output directory.
pub(super) fn split(dir: &Path) -> Result<(PathBuf, String), OutputError> {
    match (dir.parent(), dir.file_name()) {
        (Some(parent), Some(name)) => {
            Ok((parent.to_path_buf(), name.to_string_lossy().into_owned()))
        }
        _ => Err(OutputError::Unsafe {
            dir: dir.to_path_buf(),
            reason: "it has no parent directory".into(),
        }),
    }
}

/// The sibling paths one output directory uses.
pub(super) struct Siblings {
    pub(super) lock: PathBuf,
    pub(super) staging: PathBuf,
    pub(super) old: PathBuf,
}

impl Siblings {
    pub(super) fn of(parent: &Path, name: &str) -> Siblings {
        Siblings {
            lock: parent.join(format!(".{name}.kubricate-lock")),
            staging: parent.join(format!(".{name}.kubricate-staging")),
            old: parent.join(format!(".{name}.kubricate-old")),
        }
    }
}

pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    if let Some(hook) = fail_hook() {
        if path.to_string_lossy().contains(&hook) {
            return Err(OutputError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("injected failure (KUBRICATE_TEST_FAIL_WRITE)"),
            });
        }
    }
    // A leftover at this name (a killed run's file, or a planted link) is removed, never followed; then
    // the file is created new, which fails rather than follow a link that appears in between.
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(OutputError::InTheWay {
                path: path.to_path_buf(),
            })
        }
        Ok(_) => fs::remove_file(path).map_err(io(path))?,
        Err(_) => {}
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Creates `rel`'s directories under `dir` one level at a time, refusing a link or a non-directory
/// among them: `create_dir_all` would follow a link and create directories wherever it points.
pub(super) fn create_dirs_within(dir: &Path, rel: &Path) -> Result<(), OutputError> {
    let mut cur = dir.to_path_buf();
    for c in rel.components() {
        cur.push(c);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.is_dir() => {}
            Ok(m) if m.file_type().is_symlink() => {
                return Err(OutputError::Unsafe {
                    dir: cur.clone(),
                    reason: "it is a symbolic link inside the output directory; kubricate never writes through one".into(),
                })
            }
            Ok(_) => return Err(OutputError::InTheWay { path: cur.clone() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::create_dir(&cur).map_err(io(&cur))?
            }
            Err(e) => return Err(io(&cur)(e)),
        }
    }
    Ok(())
}

/// Makes renames in `dir` durable. Best effort: not every platform can open a directory.
pub(super) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Test hook: a write whose path contains this value fails. Lets black-box tests prove that a failure
/// mid-write leaves the previous output intact.
pub(super) fn fail_hook() -> Option<String> {
    std::env::var("KUBRICATE_TEST_FAIL_WRITE")
        .ok()
        .filter(|s| !s.is_empty())
}
