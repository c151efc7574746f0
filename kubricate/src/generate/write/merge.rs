//! Merge mode (`--no-clean`, filtered runs): files written into the output directory, everything
//! else kept, a file kubricate did not write never replaced unless forced.

use std::fs;
use std::path::{Path, PathBuf};

use super::dir::check_paths;
use super::error::{io, OutputError};
use super::files::{create_dirs_within, split, sync_dir, write_file, Siblings};
use super::lock::Lock;
use super::marker::{listed, marker_text, recover, rel_name, summarise, tmp_name, MARKER};
use super::{paths, OutputFiles};

/// Writes `files` into `dir` and keeps everything else (merge mode). Every file is first written
/// under a temporary name next to its target, and only when all were written are they renamed into
/// place, so a failed write changes nothing.
pub(crate) fn write_merge<F: OutputFiles + ?Sized>(
    dir: &Path,
    files: &F,
    force: bool,
) -> Result<(), OutputError> {
    check_paths(paths(files))?;
    let (parent, name) = split(dir)?;
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    let sib = Siblings::of(&parent, &name);
    let _lock = Lock::acquire(dir, &sib.lock)?;
    recover(dir, &sib)?;
    fs::create_dir_all(dir).map_err(io(dir))?;
    let listed = listed(dir);
    // A file of the same name kubricate did not write (not in the marker) is the user's: refused unless
    // forced. A listed name that is now a link or a directory is not ours either.
    let mut theirs = Vec::new();
    for path in paths(files) {
        let rel = rel_name(path);
        match fs::symlink_metadata(dir.join(path)) {
            Err(_) => {}
            Ok(m) if m.is_dir() => theirs.push(format!("{rel}/")),
            Ok(m) if m.is_file() && listed.contains(&rel) => {}
            Ok(_) if force => {}
            Ok(_) => theirs.push(rel),
        }
    }
    if !theirs.is_empty() {
        return Err(OutputError::Overwrite {
            dir: dir.to_path_buf(),
            files: summarise(theirs),
        });
    }
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        let mut buf = Vec::new();
        for i in 0..files.count() {
            let rel = files.path(i);
            let path = dir.join(rel);
            if let Some(p) = rel.parent() {
                create_dirs_within(dir, p)?;
            }
            let tmp = tmp_name(&path);
            staged.push((tmp.clone(), path));
            write_file(&tmp, files.text(i, &mut buf)?)?;
        }
        let mut listed: Vec<PathBuf> = listed.iter().map(PathBuf::from).collect();
        listed.extend(paths(files).map(Path::to_path_buf));
        let marker = dir.join(MARKER);
        let tmp = tmp_name(&marker);
        staged.push((tmp.clone(), marker));
        write_file(
            &tmp,
            marker_text(listed.iter().map(PathBuf::as_path)).as_bytes(),
        )
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (i, (tmp, path)) in staged.iter().enumerate() {
        if let Err(e) = fs::rename(tmp, path) {
            for (tmp, _) in &staged[i..] {
                let _ = fs::remove_file(tmp);
            }
            return Err(io(path)(e));
        }
    }
    sync_dir(dir);
    Ok(())
}
