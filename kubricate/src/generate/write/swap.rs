//! Clean mode: the output directory replaced as a whole, by staging and two renames.

use std::fs;
use std::path::Path;

use super::dir::check_paths;
use super::error::{io, OutputError};
use super::files::{occupied, split, sync_dir, write_file, Siblings};
use super::lock::Lock;
use super::marker::{foreign_files, marker_text, recover, summarise, MARKER};
use super::{paths, OutputFiles};

/// Replaces `dir` with exactly `files` (clean mode): readers of `dir` see either the previous output
/// or the new one, and an error leaves the previous output in place.
pub(crate) fn write_clean<F: OutputFiles + ?Sized>(
    dir: &Path,
    files: &F,
) -> Result<(), OutputError> {
    check_paths(paths(files))?;
    let (parent, name) = split(dir)?;
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    let sib = Siblings::of(&parent, &name);
    let _lock = Lock::acquire(dir, &sib.lock)?;
    recover(dir, &sib)?;
    let foreign = foreign_files(dir)?;
    if !foreign.is_empty() {
        return Err(OutputError::Foreign {
            dir: dir.to_path_buf(),
            files: summarise(foreign),
        });
    }
    if let Err(e) = stage(&sib.staging, files) {
        let _ = fs::remove_dir_all(&sib.staging);
        return Err(e);
    }
    let had_previous = occupied(dir);
    if had_previous {
        if let Err(e) = fs::rename(dir, &sib.old) {
            let _ = fs::remove_dir_all(&sib.staging);
            return Err(io(dir)(e));
        }
    }
    if let Err(e) = fs::rename(&sib.staging, dir) {
        if had_previous {
            let _ = fs::rename(&sib.old, dir);
        }
        let _ = fs::remove_dir_all(&sib.staging);
        return Err(io(dir)(e));
    }
    // A failure here only leaves `-old` behind, which the next run removes.
    let _ = fs::remove_dir_all(&sib.old);
    sync_dir(&parent);
    Ok(())
}

pub(super) fn stage<F: OutputFiles + ?Sized>(staging: &Path, files: &F) -> Result<(), OutputError> {
    fs::create_dir(staging).map_err(io(staging))?;
    // The marker goes first, so a staging directory left by a killed run is recognisably ours.
    write_file(&staging.join(MARKER), marker_text(paths(files)).as_bytes())?;
    let mut buf = Vec::new();
    for i in 0..files.count() {
        let path = staging.join(files.path(i));
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(io(p))?;
        }
        write_file(&path, files.text(i, &mut buf)?)?;
    }
    Ok(())
}
