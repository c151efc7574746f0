//! Where output may go ([`check_output_dir`]) and what generated files may be called
//! ([`check_paths`]).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use super::error::{io, OutputError};

/// Resolves `p` against the canonical directory `root`: symbolic links in the existing part are
/// followed (so a link cannot smuggle the output out of the project), `..` is applied to the real
/// parent, and the part that does not exist yet is taken as written.
pub(super) fn resolve(root: &Path, p: &Path) -> Result<PathBuf, OutputError> {
    let joined = root.join(p);
    let mut cur = PathBuf::new();
    // Components pushed since the path stopped existing: `..` over them is purely lexical.
    let mut missing = 0usize;
    for c in joined.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => cur.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                cur.pop();
                missing = missing.saturating_sub(1);
            }
            Component::Normal(name) => {
                let next = cur.join(name);
                if missing > 0 {
                    missing += 1;
                    cur = next;
                    continue;
                }
                match fs::symlink_metadata(&next) {
                    Ok(m) if m.file_type().is_symlink() => {
                        cur = fs::canonicalize(&next).map_err(|e| OutputError::Unsafe {
                            dir: next.clone(),
                            reason: format!("it is a symbolic link that cannot be resolved ({e})"),
                        })?;
                    }
                    Ok(_) => cur = next,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        missing = 1;
                        cur = next;
                    }
                    Err(e) => return Err(io(&next)(e)),
                }
            }
        }
    }
    Ok(cur)
}

pub(super) fn home_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var_os("USERPROFILE").filter(|h| !h.is_empty()))?;
    let home = PathBuf::from(home);
    Some(fs::canonicalize(&home).unwrap_or(home))
}

/// Checks that `out_dir` (relative to `root`, the project's working directory) is a directory
/// kubricate may write and clean; returns it resolved.
pub fn check_output_dir(root: &Path, out_dir: &Path) -> Result<PathBuf, OutputError> {
    let root = fs::canonicalize(root).map_err(io(root))?;
    let dir = resolve(&root, out_dir)?;
    let refuse = |reason: String| {
        Err(OutputError::Unsafe {
            dir: dir.clone(),
            reason,
        })
    };
    if dir.parent().is_none() {
        return refuse("it is the file system root".into());
    }
    if dir == root {
        return refuse("it is the project's working directory itself".into());
    }
    // Clean mode moves the directory aside as a whole: never the project that contains it.
    if root.starts_with(&dir) {
        return refuse(format!(
            "it contains the project's working directory `{}`",
            root.display()
        ));
    }
    if let Some(home) = home_dir() {
        if home == dir {
            return refuse("it is the home directory".into());
        }
        if home.starts_with(&dir) {
            return refuse("it contains the home directory".into());
        }
    }
    if let Ok(meta) = fs::metadata(&dir) {
        if !meta.is_dir() {
            return refuse("it exists and is not a directory".into());
        }
    }
    Ok(dir)
}

/// Checks that every generated path is relative, made of plain names, cannot collide with the marker
/// or a temporary name, and is unique even on a case-insensitive file system.
pub(super) fn check_paths<'a>(paths: impl Iterator<Item = &'a Path>) -> Result<(), OutputError> {
    let mut seen = BTreeSet::new();
    for path in paths {
        let shown = path.to_string_lossy().into_owned();
        let bad = |reason: &str| {
            Err(OutputError::FileName {
                path: shown.clone(),
                reason: reason.to_owned(),
            })
        };
        let mut count = 0;
        for c in path.components() {
            count += 1;
            let Component::Normal(name) = c else {
                return bad("it is not a plain relative path");
            };
            let Some(name) = name.to_str() else {
                return bad("it is not valid UTF-8");
            };
            if name.is_empty() || name.starts_with('.') {
                return bad("a name in it starts with '.'");
            }
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                return bad(
                    "a name in it has a character other than letters, digits, '-', '_' and '.'",
                );
            }
        }
        if count == 0 {
            return bad("it is empty");
        }
        if !seen.insert(shown.to_ascii_lowercase()) {
            return bad("another generated file has the same name (ignoring case)");
        }
    }
    Ok(())
}
