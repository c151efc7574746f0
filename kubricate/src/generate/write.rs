//! Writing generated files safely.
//!
//! **Where.** [`check_output_dir`] resolves the output directory (symbolic links included) and refuses
//! the file system root, the home directory (and any directory containing it), the project's working
//! directory itself, anything outside the working directory, and an existing non-directory.
//!
//! **Clean mode** ([`write_clean`], the default) replaces the output directory as a whole. It is only
//! ever cleaned when kubricate generated every file in it: each run leaves a list of its files in
//! [`MARKER`], and a directory holding any other file is refused. Files are staged in a sibling
//! directory `.<name>.kubricate-staging` and swapped in with two renames (output → `.<name>.kubricate-old`,
//! staging → output), so an error at any point leaves the previous output intact.
//!
//! **Merge mode** ([`write_merge`], `--no-clean` and filtered runs) writes each file to a temporary
//! name in its final directory and renames it into place, after all of them were written.
//!
//! **Concurrency and crashes.** Both modes hold an exclusive lock on `.<name>.kubricate-lock` (next to the
//! output directory; the OS releases it when the process dies), so two runs never interleave. Under the
//! lock, anything a killed run left behind is ours to settle: a leftover `-old` directory with no
//! output directory means the run died between the two renames, and it is renamed back; leftover
//! staging directories and temporary files are removed.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::generate::layout::RenderedFile;

/// The file listing what kubricate wrote into an output directory.
pub const MARKER: &str = ".kubricate-generated";

/// Ends the name of a file being written in merge mode (`.<name>.kubricate-tmp`).
const TMP_SUFFIX: &str = ".kubricate-tmp";

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The directory is one kubricate never writes to.
    #[error("refusing to write to `{}`: {reason}; pick another --out-dir (a directory inside the project, e.g. `output`)", dir.display())]
    Unsafe {
        /// The directory (resolved).
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
    /// A generated file's path would not stay a plain file inside the output directory.
    #[error("cannot write `{path}`: {reason}; stack ids, resource ids and kinds that name files may use only letters, digits, '-', '_' and '.', and may not start with '.'")]
    FileName {
        /// The relative path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Another run is writing the same directory.
    #[error("`{}` is being written by another kubricate run (lock `{}` is held); wait for it to finish", dir.display(), lock.display())]
    Busy {
        /// The output directory.
        dir: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// A name kubricate uses for staging is taken by something kubricate did not create.
    #[error("`{}` is in the way: kubricate stages output there, but it was not created by kubricate; move it away", path.display())]
    InTheWay {
        /// The path.
        path: PathBuf,
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

/// Whether anything (a file, a directory, a symbolic link, even a dangling one) is at `p`.
fn occupied(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

/// Resolves `p` against the canonical directory `root`: symbolic links in the existing part are
/// followed (so a link cannot smuggle the output out of the project), `..` is applied to the real
/// parent, and the part that does not exist yet is taken as written.
fn resolve(root: &Path, p: &Path) -> Result<PathBuf, OutputError> {
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

fn home_dir() -> Option<PathBuf> {
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
    if !dir.starts_with(&root) {
        return refuse(format!(
            "it is outside the project's working directory `{}`",
            root.display()
        ));
    }
    // Checked even inside the project: a project may live above the home directory (e.g. run from `/`).
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
pub fn check_file_names(files: &[RenderedFile]) -> Result<(), OutputError> {
    let mut seen = BTreeSet::new();
    for f in files {
        let shown = f.path.to_string_lossy().into_owned();
        let bad = |reason: &str| {
            Err(OutputError::FileName {
                path: shown.clone(),
                reason: reason.to_owned(),
            })
        };
        let mut count = 0;
        for c in f.path.components() {
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

/// `(parent, name)` of the output directory.
fn split(dir: &Path) -> Result<(PathBuf, String), OutputError> {
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
struct Siblings {
    lock: PathBuf,
    staging: PathBuf,
    old: PathBuf,
}

impl Siblings {
    fn of(parent: &Path, name: &str) -> Siblings {
        Siblings {
            lock: parent.join(format!(".{name}.kubricate-lock")),
            staging: parent.join(format!(".{name}.kubricate-staging")),
            old: parent.join(format!(".{name}.kubricate-old")),
        }
    }
}

/// An exclusive lock on one output directory, released (and its file removed) on drop.
struct Lock {
    path: PathBuf,
    // Held for its lock; closing it releases the lock.
    _file: Option<fs::File>,
}

impl Lock {
    fn acquire(dir: &Path, path: &Path) -> Result<Lock, OutputError> {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(io(path))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock {
                path: path.to_path_buf(),
                _file: Some(file),
            }),
            Err(fs::TryLockError::WouldBlock) => Err(OutputError::Busy {
                dir: dir.to_path_buf(),
                lock: path.to_path_buf(),
            }),
            // Some file systems cannot lock; writing unlocked beats not writing at all.
            Err(fs::TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
                Ok(Lock {
                    path: path.to_path_buf(),
                    _file: None,
                })
            }
            Err(fs::TryLockError::Error(e)) => Err(io(path)(e)),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked: a run that opened the old file then fails `try_lock` and stops,
        // and the next run creates a fresh file. Unlinking after unlocking could let two runs hold
        // locks on two different files.
        let _ = fs::remove_file(&self.path);
    }
}

/// Removes a directory kubricate staged (it has a marker, or is empty); refuses anything else.
fn remove_ours(path: &Path) -> Result<(), OutputError> {
    let meta = fs::symlink_metadata(path).map_err(io(path))?;
    let ours = meta.is_dir()
        && (occupied(&path.join(MARKER)) || fs::read_dir(path).map_err(io(path))?.next().is_none());
    if !ours {
        return Err(OutputError::InTheWay {
            path: path.to_path_buf(),
        });
    }
    fs::remove_dir_all(path).map_err(io(path))
}

/// Settles what a killed run left behind. Runs under the lock, so nothing else is using these names.
fn recover(dir: &Path, sib: &Siblings) -> Result<(), OutputError> {
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

fn foreign_files(dir: &Path) -> Result<Vec<String>, OutputError> {
    if !occupied(dir) {
        return Ok(Vec::new());
    }
    let listed: BTreeSet<String> = match fs::read_to_string(dir.join(MARKER)) {
        Ok(s) => s.lines().map(str::to_owned).collect(),
        Err(_) => BTreeSet::new(),
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
            let leftover_tmp = ft.is_file() && rel.ends_with(TMP_SUFFIX);
            if ft.is_dir() {
                stack.push(path);
            } else if rel != MARKER && !leftover_tmp && !listed.contains(&rel) {
                foreign.push(rel);
            }
        }
    }
    foreign.sort();
    Ok(foreign)
}

/// Replaces `dir` with exactly `files` (clean mode): readers of `dir` see either the previous output
/// or the new one, and an error leaves the previous output in place.
pub fn write_clean(dir: &Path, files: &[RenderedFile]) -> Result<(), OutputError> {
    check_file_names(files)?;
    let (parent, name) = split(dir)?;
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    let sib = Siblings::of(&parent, &name);
    let _lock = Lock::acquire(dir, &sib.lock)?;
    recover(dir, &sib)?;
    let foreign = foreign_files(dir)?;
    if !foreign.is_empty() {
        let total = foreign.len();
        let mut shown: Vec<String> = foreign.into_iter().take(5).collect();
        if total > shown.len() {
            shown.push(format!("and {} more", total - shown.len()));
        }
        return Err(OutputError::Foreign {
            dir: dir.to_path_buf(),
            files: shown,
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

fn stage(staging: &Path, files: &[RenderedFile]) -> Result<(), OutputError> {
    fs::create_dir(staging).map_err(io(staging))?;
    // The marker goes first, so a staging directory left by a killed run is recognisably ours.
    write_file(
        &staging.join(MARKER),
        marker_text(files.iter().map(|f| &f.path)).as_bytes(),
    )?;
    for f in files {
        let path = staging.join(&f.path);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(io(p))?;
        }
        write_file(&path, f.content.as_bytes())?;
    }
    Ok(())
}

fn rel_name(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn marker_text<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> String {
    let names: BTreeSet<String> = paths.into_iter().map(|p| rel_name(p)).collect();
    let mut out = String::new();
    for n in names {
        out.push_str(&n);
        out.push('\n');
    }
    out
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

/// Makes renames in `dir` durable. Best effort: not every platform can open a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Test hook: a write whose path contains this value fails. Lets black-box tests prove that a failure
/// mid-write leaves the previous output intact.
fn fail_hook() -> Option<String> {
    std::env::var("KUBRICATE_TEST_FAIL_WRITE")
        .ok()
        .filter(|s| !s.is_empty())
}

fn tmp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{TMP_SUFFIX}"))
}

/// Removes temporary files a killed merge run left in `dir` (links are not followed).
fn remove_leftover_tmp(dir: &Path) -> Result<(), OutputError> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).map_err(io(&d))? {
            let entry = entry.map_err(io(&d))?;
            let path = entry.path();
            let ft = entry.file_type().map_err(io(&path))?;
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() && path.to_string_lossy().ends_with(TMP_SUFFIX) {
                fs::remove_file(&path).map_err(io(&path))?;
            }
        }
    }
    Ok(())
}

/// Writes `files` into `dir` and keeps everything else (merge mode). Every file is first written
/// under a temporary name next to its target, and only when all were written are they renamed into
/// place, so a failed write changes nothing.
pub fn write_merge(dir: &Path, files: &[RenderedFile]) -> Result<(), OutputError> {
    check_file_names(files)?;
    let (parent, name) = split(dir)?;
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    let sib = Siblings::of(&parent, &name);
    let _lock = Lock::acquire(dir, &sib.lock)?;
    recover(dir, &sib)?;
    fs::create_dir_all(dir).map_err(io(dir))?;
    let real_dir = fs::canonicalize(dir).map_err(io(dir))?;
    remove_leftover_tmp(dir)?;
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for f in files {
            let path = dir.join(&f.path);
            if let Some(p) = path.parent() {
                fs::create_dir_all(p).map_err(io(p))?;
                // A directory inside the output may be a link; never write through it to elsewhere.
                let real = fs::canonicalize(p).map_err(io(p))?;
                if !real.starts_with(&real_dir) {
                    return Err(OutputError::Unsafe {
                        dir: p.to_path_buf(),
                        reason: format!(
                            "it leads outside the output directory, to `{}`",
                            real.display()
                        ),
                    });
                }
            }
            let tmp = tmp_name(&path);
            staged.push((tmp.clone(), path));
            write_file(&tmp, f.content.as_bytes())?;
        }
        let mut listed: Vec<PathBuf> = fs::read_to_string(dir.join(MARKER))
            .map(|s| {
                s.lines()
                    .filter(|l| !l.is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default();
        listed.extend(files.iter().map(|f| f.path.clone()));
        let marker = dir.join(MARKER);
        let tmp = tmp_name(&marker);
        staged.push((tmp.clone(), marker));
        write_file(&tmp, marker_text(&listed).as_bytes())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory removed when the test's guard drops (the path is canonical, as the
    /// output checks compare resolved paths).
    fn tmp() -> PathBuf {
        let d = tempfile::tempdir().unwrap().keep();
        SCRATCH.with(|s| s.borrow_mut().push(Scratch(d.clone())));
        fs::canonicalize(d).unwrap()
    }

    struct Scratch(PathBuf);
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<Scratch>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn file(p: &str, c: &str) -> RenderedFile {
        RenderedFile {
            path: PathBuf::from(p),
            content: c.into(),
            documents: 1,
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn refuses_unsafe_dirs() {
        let root = tmp();
        for bad in ["/", "..", ".", "../elsewhere", "a/../..", "./"] {
            assert!(
                matches!(
                    check_output_dir(&root, Path::new(bad)),
                    Err(OutputError::Unsafe { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            check_output_dir(&root, Path::new("output")).unwrap(),
            root.join("output")
        );
        assert_eq!(
            check_output_dir(&root, Path::new("a/../output")).unwrap(),
            root.join("output")
        );
        assert_eq!(
            check_output_dir(&root, &root.join("x/y")).unwrap(),
            root.join("x/y")
        );
        fs::write(root.join("f"), "").unwrap();
        let err = check_output_dir(&root, Path::new("f"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("exists and is not a directory"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_resolved_before_the_checks() {
        use std::os::unix::fs::symlink;
        let base = tmp();
        let root = base.join("proj");
        fs::create_dir_all(root.join("real")).unwrap();
        symlink(&base, root.join("up")).unwrap();
        symlink(root.join("real"), root.join("inside")).unwrap();
        symlink(base.join("missing"), root.join("dangling")).unwrap();
        symlink(&root, root.join("self")).unwrap();
        // `up/..` is the parent of the link's target, not `root`.
        for (p, why) in [
            ("up", "outside"),
            ("up/x", "outside"),
            ("up/proj/../y", "outside"),
            ("dangling", "cannot be resolved"),
            ("self", "working directory itself"),
        ] {
            let err = check_output_dir(&root, Path::new(p))
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{p}: {err}");
        }
        assert_eq!(
            check_output_dir(&root, Path::new("inside")).unwrap(),
            root.join("real")
        );
        assert_eq!(
            check_output_dir(&root, Path::new("up/proj/out")).unwrap(),
            root.join("out")
        );
        assert_eq!(
            check_output_dir(&root, Path::new("new/../up/proj/out")).unwrap(),
            root.join("out")
        );
    }

    #[test]
    fn file_names_must_stay_plain_and_unique() {
        let ok = [
            file("a.yml", ""),
            file("web/Deployment_web.yml", ""),
            file("api.v2.yml", ""),
        ];
        assert!(check_file_names(&ok).is_ok());
        for bad in [
            vec![file("../x.yml", "")],
            vec![file("/etc/x.yml", "")],
            vec![file("a/../../x.yml", "")],
            vec![file(".kubricate-generated", "")],
            vec![file(".kubricate-generated/Deployment_x.yml", "")],
            vec![file("a b.yml", "")],
            vec![file("", "")],
            vec![file("App.yml", ""), file("app.yml", "")],
        ] {
            assert!(
                matches!(check_file_names(&bad), Err(OutputError::FileName { .. })),
                "{:?}",
                bad[0].path
            );
        }
        let dir = tmp().join("out");
        assert!(write_clean(&dir, &[file("../escape.yml", "x")]).is_err());
        assert!(write_merge(&dir, &[file("../escape.yml", "x")]).is_err());
        assert!(!dir.parent().unwrap().join("escape.yml").exists());
    }

    #[test]
    fn clean_replaces_only_our_files_and_refuses_foreign_ones() {
        let root = tmp();
        let out = root.join("output");
        write_clean(&out, &[file("a.yml", "a: 1\n"), file("s/b.yml", "b: 1\n")]).unwrap();
        assert_eq!(
            fs::read_to_string(out.join(MARKER)).unwrap(),
            "a.yml\ns/b.yml\n"
        );
        write_clean(&out, &[file("c.yml", "c: 1\n")]).unwrap();
        assert_eq!(names(&out), [MARKER, "c.yml"]);
        assert_eq!(names(&root), ["output"], "nothing left beside the output");
        fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = write_clean(&out, &[file("c.yml", "c: 2\n")]).unwrap_err();
        assert!(matches!(err, OutputError::Foreign { ref files, .. } if files == &["notes.txt"]));
        assert_eq!(fs::read_to_string(out.join("c.yml")).unwrap(), "c: 1\n");
        // A directory without a marker is never ours, however harmless its files look.
        let plain = root.join("plain");
        fs::create_dir_all(&plain).unwrap();
        fs::write(plain.join("c.yml"), "c: 0\n").unwrap();
        assert!(matches!(
            write_clean(&plain, &[file("c.yml", "c: 2\n")]),
            Err(OutputError::Foreign { .. })
        ));
        // An empty directory holds nothing to lose.
        let empty = root.join("empty");
        fs::create_dir_all(&empty).unwrap();
        write_clean(&empty, &[file("c.yml", "c: 2\n")]).unwrap();
    }

    #[test]
    fn many_foreign_files_are_summarised() {
        let out = tmp().join("output");
        fs::create_dir_all(&out).unwrap();
        for i in 0..7 {
            fs::write(out.join(format!("f{i}")), "").unwrap();
        }
        let err = write_clean(&out, &[]).unwrap_err().to_string();
        assert!(err.contains("f0, f1, f2, f3, f4, and 2 more"), "{err}");
    }

    #[test]
    fn a_held_lock_stops_a_second_writer() {
        let root = tmp();
        let out = root.join("output");
        let sib = Siblings::of(&root, "output");
        let held = Lock::acquire(&out, &sib.lock).unwrap();
        for result in [
            write_clean(&out, &[file("a.yml", "")]),
            write_merge(&out, &[file("a.yml", "")]),
        ] {
            let err = result.unwrap_err().to_string();
            assert!(
                err.contains("being written by another kubricate run"),
                "{err}"
            );
        }
        assert!(!out.exists());
        drop(held);
        assert!(!sib.lock.exists(), "the lock file goes with the lock");
        write_clean(&out, &[file("a.yml", "")]).unwrap();
    }

    #[test]
    fn recovery_after_a_crash_between_the_renames() {
        let root = tmp();
        let out = root.join("output");
        write_clean(&out, &[file("a.yml", "old\n")]).unwrap();
        let sib = Siblings::of(&root, "output");
        fs::rename(&out, &sib.old).unwrap();
        // Merge mode shows the restored previous output under the new file.
        write_merge(&out, &[file("b.yml", "new\n")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("a.yml")).unwrap(), "old\n");
        assert_eq!(fs::read_to_string(out.join("b.yml")).unwrap(), "new\n");
        assert_eq!(
            fs::read_to_string(out.join(MARKER)).unwrap(),
            "a.yml\nb.yml\n"
        );
        // With both present, `-old` is the stale one.
        fs::create_dir_all(&sib.old).unwrap();
        fs::write(sib.old.join(MARKER), "x\n").unwrap();
        write_clean(&out, &[file("c.yml", "c\n")]).unwrap();
        assert_eq!(names(&root), ["output"]);
        assert_eq!(names(&out), [MARKER, "c.yml"]);
    }

    #[test]
    fn merge_keeps_other_files_and_lists_ours() {
        let out = tmp().join("output");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("mine.txt"), "mine").unwrap();
        fs::write(out.join(".a.yml.kubricate-tmp"), "killed run").unwrap();
        write_merge(&out, &[file("a.yml", "1"), file("s/b.yml", "2")]).unwrap();
        write_merge(&out, &[file("a.yml", "3")]).unwrap();
        assert_eq!(names(&out), [MARKER, "a.yml", "mine.txt", "s"]);
        assert_eq!(fs::read_to_string(out.join("a.yml")).unwrap(), "3");
        assert_eq!(
            fs::read_to_string(out.join(MARKER)).unwrap(),
            "a.yml\ns/b.yml\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn merge_never_writes_through_a_link_out_of_the_output() {
        let root = tmp();
        let out = root.join("output");
        let elsewhere = root.join("elsewhere");
        fs::create_dir_all(&out).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("web")).unwrap();
        let err = write_merge(&out, &[file("web/Deployment_web.yml", "x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("leads outside the output directory"), "{err}");
        assert!(names(&elsewhere).is_empty());
        // Clean mode does not follow it either: the link is a foreign entry.
        assert!(matches!(
            write_clean(&out, &[file("a.yml", "")]),
            Err(OutputError::Foreign { .. })
        ));
    }
}
