//! What in a directory is kubricate's: the marker listing the files it wrote, the reserved temporary
//! names, and settling what a killed run left behind.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::error::{io, OutputError};
use super::files::{occupied, Siblings};

/// The file listing what kubricate wrote into an output directory.
pub const MARKER: &str = ".kubricate-generated";

/// Ends the name of a file being written in merge mode (`.<name>.kubricate-tmp`).
pub(super) const TMP_SUFFIX: &str = ".kubricate-tmp";

/// The names a marker lists (relative paths with `/`).
pub(super) fn listed(dir: &Path) -> BTreeSet<String> {
    match fs::read_to_string(dir.join(MARKER)) {
        Ok(s) => s
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        Err(_) => BTreeSet::new(),
    }
}

/// Every entry of `dir` kubricate did not write: a file the marker does not list, a listed name that is
/// not a plain file any more (a link, a directory), a directory that leads to no listed file, anything
/// else (links, sockets). A plain file named like a temporary file (`.<name>.kubricate-tmp`) in one of
/// our directories is a killed run's leftover; a directory never is. Foreign directories are reported
/// whole (`name/`), not descended into.
pub(super) fn foreign_files(dir: &Path) -> Result<Vec<String>, OutputError> {
    if !occupied(dir) {
        return Ok(Vec::new());
    }
    let listed = listed(dir);
    let ours_tmp: BTreeSet<String> = listed
        .iter()
        .map(|l| rel_name(&tmp_name(Path::new(l))))
        .collect();
    let leads_to_listed = |rel: &str| {
        let prefix = format!("{rel}/");
        listed.iter().any(|l| l.starts_with(&prefix))
    };
    let mut foreign = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).map_err(io(&d))? {
            let entry = entry.map_err(io(&d))?;
            let path = entry.path();
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            // file_type() does not follow links: a link to a directory is a foreign entry, not a
            // directory to descend into.
            let ft = entry.file_type().map_err(io(&path))?;
            if ft.is_dir() {
                if leads_to_listed(&rel) {
                    stack.push(path);
                } else {
                    foreign.push(format!("{rel}/"));
                }
            } else if ft.is_file()
                && (rel == MARKER
                    || listed.contains(&rel)
                    || ours_tmp.contains(&rel)
                    || is_tmp_name(&entry.file_name()))
            {
                // Ours: listed, or a killed run's temporary file (a plain file under the reserved
                // `.<name>.kubricate-tmp` form, in a directory that is ours).
            } else {
                foreign.push(rel);
            }
        }
    }
    foreign.sort();
    Ok(foreign)
}

/// At most five names, then `and N more`.
pub(super) fn summarise(mut names: Vec<String>) -> Vec<String> {
    let total = names.len();
    names.truncate(5);
    if total > names.len() {
        let more = total - names.len();
        names.push(format!("and {more} more"));
    }
    names
}

/// Removes a directory kubricate staged or moved aside: every entry in it must be ours (listed in its
/// marker) or it must be empty; anything else is refused, never deleted.
pub(super) fn remove_ours(path: &Path) -> Result<(), OutputError> {
    let meta = fs::symlink_metadata(path).map_err(io(path))?;
    let ours = meta.is_dir()
        && (fs::read_dir(path).map_err(io(path))?.next().is_none()
            || (occupied(&path.join(MARKER)) && foreign_files(path)?.is_empty()));
    if !ours {
        return Err(OutputError::InTheWay {
            path: path.to_path_buf(),
        });
    }
    fs::remove_dir_all(path).map_err(io(path))
}

/// Settles what a killed run left behind. Runs under the lock, so nothing else is using these names.
pub(super) fn recover(dir: &Path, sib: &Siblings) -> Result<(), OutputError> {
    if occupied(&sib.old) {
        if occupied(dir) {
            remove_ours(&sib.old)?;
        } else {
            // The run died between its two renames: the previous output is intact in `-old`.
            fs::rename(&sib.old, dir).map_err(io(dir))?;
        }
    }
    if occupied(&sib.staging) {
        remove_ours(&sib.staging)?;
    }
    Ok(())
}

pub(super) fn rel_name(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

pub(super) fn marker_text<'a>(paths: impl IntoIterator<Item = &'a Path>) -> String {
    let names: BTreeSet<String> = paths.into_iter().map(rel_name).collect();
    let mut out = String::new();
    for n in names {
        out.push_str(&n);
        out.push('\n');
    }
    out
}

/// Whether a file name has the reserved form of a temporary file, `.<name>.kubricate-tmp`.
pub(super) fn is_tmp_name(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| {
        n.starts_with('.') && n.len() > 1 + TMP_SUFFIX.len() && n.ends_with(TMP_SUFFIX)
    })
}

pub(super) fn tmp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{TMP_SUFFIX}"))
}
