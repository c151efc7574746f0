//! Writing generated files safely.
//!
//! The output directory is replaced as a whole: files are staged in a sibling temporary directory,
//! then swapped in with renames, so a failure at any point leaves the previous output intact. A
//! directory is only ever cleaned when kubricate generated everything in it (it keeps a list of its
//! files in [`MARKER`]) and it lies inside the project's working directory, and is never `/`, the home
//! directory or the working directory itself.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::render::RenderedFile;

/// The file listing what kubricate wrote into an output directory.
pub const MARKER: &str = ".kubricate-generated";

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The directory is one kubricate never writes to.
    #[error("refusing to write to `{}`: {reason}; choose an output directory inside the project, e.g. --out-dir output", dir.display())]
    Unsafe {
        /// The directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// The directory holds files kubricate did not generate.
    #[error("refusing to clean `{}`: it holds files kubricate did not generate ({}); move them away, pick another --out-dir, or pass --no-clean", dir.display(), files.join(", "))]
    Foreign {
        /// The directory.
        dir: PathBuf,
        /// Some of the foreign files.
        files: Vec<String>,
    },
    /// An I/O error.
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Lexically normalizes `p` against `base` (no symlink resolution for parts that do not exist yet).
fn absolute(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    // Resolve the longest existing prefix through the file system, so symlinks cannot escape the root.
    let mut existing = joined.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|s| s.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    let mut norm = PathBuf::new();
    for c in out.components() {
        match c {
            Component::ParentDir => {
                norm.pop();
            }
            Component::CurDir => {}
            other => norm.push(other),
        }
    }
    norm
}

/// Checks that `out_dir` (relative to `root`) is a directory kubricate may replace.
pub fn check_output_dir(root: &Path, out_dir: &Path) -> Result<PathBuf, OutputError> {
    let root = absolute(Path::new("/"), &fs::canonicalize(root).map_err(io(root))?);
    let dir = absolute(&root, out_dir);
    let unsafe_ = |reason: &str| {
        Err(OutputError::Unsafe {
            dir: dir.clone(),
            reason: reason.to_owned(),
        })
    };
    if dir.parent().is_none() {
        return unsafe_("it is the file system root");
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        if absolute(Path::new("/"), &home) == dir {
            return unsafe_("it is the home directory");
        }
    }
    if dir == root {
        return unsafe_("it is the project's working directory itself");
    }
    if !dir.starts_with(&root) {
        return unsafe_(&format!(
            "it is outside the project's working directory `{}`",
            root.display()
        ));
    }
    if dir.exists() && !dir.is_dir() {
        return unsafe_("it exists and is not a directory");
    }
    Ok(dir)
}

fn foreign_files(dir: &Path) -> Result<Vec<String>, OutputError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let listed: Vec<String> = match fs::read_to_string(dir.join(MARKER)) {
        Ok(s) => s.lines().map(str::to_owned).collect(),
        Err(_) => Vec::new(),
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
            let ft = entry.file_type().map_err(io(&path))?;
            if ft.is_dir() {
                stack.push(path);
            } else if rel != MARKER && !listed.contains(&rel) {
                foreign.push(rel);
            }
        }
    }
    foreign.sort();
    Ok(foreign)
}

/// Replaces `dir` with exactly `files` (clean mode), atomically as seen by a reader of the directory.
pub fn write_clean(dir: &Path, files: &[RenderedFile]) -> Result<(), OutputError> {
    let foreign = foreign_files(dir)?;
    if !foreign.is_empty() {
        let mut shown: Vec<String> = foreign.into_iter().take(5).collect();
        if shown.len() == 5 {
            shown.push("...".into());
        }
        return Err(OutputError::Foreign {
            dir: dir.to_path_buf(),
            files: shown,
        });
    }
    let parent = dir.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let staging = parent.join(format!(".{base}.kubricate-staging-{}", std::process::id()));
    let old = parent.join(format!(".{base}.kubricate-old-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let staged = stage(&staging, files);
    if let Err(e) = staged {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if dir.exists() {
        fs::rename(dir, &old).map_err(|e| {
            let _ = fs::remove_dir_all(&staging);
            OutputError::Io {
                path: dir.to_path_buf(),
                source: e,
            }
        })?;
    }
    if let Err(e) = fs::rename(&staging, dir) {
        // Put the previous output back.
        let _ = fs::rename(&old, dir);
        let _ = fs::remove_dir_all(&staging);
        return Err(OutputError::Io {
            path: dir.to_path_buf(),
            source: e,
        });
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

fn stage(staging: &Path, files: &[RenderedFile]) -> Result<(), OutputError> {
    fs::create_dir_all(staging).map_err(io(staging))?;
    for f in files {
        let path = staging.join(&f.path);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(io(p))?;
        }
        write_file(&path, f.content.as_bytes())?;
    }
    write_file(&staging.join(MARKER), marker_text(files).as_bytes())
}

fn marker_text(files: &[RenderedFile]) -> String {
    let mut names: Vec<String> = files
        .iter()
        .map(|f| f.path.to_string_lossy().replace('\\', "/"))
        .collect();
    names.sort();
    names.join("\n") + "\n"
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    if let Some(hook) = fail_hook() {
        if path.to_string_lossy().contains(&hook) {
            return Err(OutputError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("injected failure (KUBRICATE_TEST_FAIL_WRITE)"),
            });
        }
    }
    let mut f = fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Test hook: a write whose path contains this value fails. Lets black-box tests prove that a failure
/// mid-write leaves the previous output intact.
fn fail_hook() -> Option<String> {
    std::env::var("KUBRICATE_TEST_FAIL_WRITE")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Writes `files` into `dir` without removing anything else (each file via a temporary name and a rename).
pub fn write_merge(dir: &Path, files: &[RenderedFile]) -> Result<(), OutputError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    for f in files {
        let path = dir.join(&f.path);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(io(p))?;
        }
        let tmp = path.with_extension(format!("yml.kubricate-tmp-{}", std::process::id()));
        if let Err(e) = write_file(&tmp, f.content.as_bytes()) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        fs::rename(&tmp, &path).map_err(io(&path))?;
    }
    let mut listed: Vec<String> = fs::read_to_string(dir.join(MARKER))
        .map(|s| s.lines().map(str::to_owned).collect())
        .unwrap_or_default();
    for f in files {
        let rel = f.path.to_string_lossy().replace('\\', "/");
        if !listed.contains(&rel) {
            listed.push(rel);
        }
    }
    listed.sort();
    write_file(&dir.join(MARKER), (listed.join("\n") + "\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let d = std::env::temp_dir().join(format!(
            "kubricate-output-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn file(p: &str, c: &str) -> RenderedFile {
        RenderedFile {
            path: PathBuf::from(p),
            content: c.into(),
            documents: 1,
        }
    }

    #[test]
    fn refuses_unsafe_dirs() {
        let root = tmp();
        for bad in ["/", "..", ".", "../elsewhere"] {
            assert!(
                matches!(
                    check_output_dir(&root, Path::new(bad)),
                    Err(OutputError::Unsafe { .. })
                ),
                "{bad}"
            );
        }
        assert!(check_output_dir(&root, Path::new("output")).is_ok());
        assert!(check_output_dir(&root, Path::new("a/../output")).is_ok());
    }

    #[test]
    fn clean_replaces_only_our_files_and_refuses_foreign_ones() {
        let root = tmp();
        let out = root.join("output");
        write_clean(&out, &[file("a.yml", "a: 1\n"), file("s/b.yml", "b: 1\n")]).unwrap();
        write_clean(&out, &[file("c.yml", "c: 1\n")]).unwrap();
        assert!(!out.join("a.yml").exists() && out.join("c.yml").exists());
        fs::write(out.join("notes.txt"), "mine").unwrap();
        assert!(matches!(
            write_clean(&out, &[file("c.yml", "c: 2\n")]),
            Err(OutputError::Foreign { .. })
        ));
        assert_eq!(fs::read_to_string(out.join("c.yml")).unwrap(), "c: 1\n");
    }
}
