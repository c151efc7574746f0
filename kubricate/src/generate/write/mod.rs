//! Writing generated files safely.
//!
//! **Where.** [`check_output_dir`] resolves the output directory (symbolic links included); any path
//! is accepted, absolute or outside the working directory (as Helm's `--output-dir`), except the file
//! system root, the home directory (and any directory containing it), the project's working directory
//! itself (and any directory containing it), and an existing non-directory.
//!
//! **Clean mode** ([`write_clean`], the default) replaces the output directory as a whole. It is only
//! ever cleaned when kubricate generated every entry in it: each run leaves a list of its files in
//! [`MARKER`]; a directory holding any other file, any directory that leads to no listed file, or a
//! listed name that is no longer a plain file is refused. Files are staged in a sibling directory
//! `.<name>.kubricate-staging` and swapped in with two renames (output → `.<name>.kubricate-old`,
//! staging → output), so an error at any point leaves the previous output intact.
//!
//! **Merge mode** ([`write_merge`], `--no-clean` and filtered runs) writes each file to a temporary
//! name in its final directory and renames it into place, after all of them were written. It refuses
//! to replace a file the marker does not list (one kubricate did not write) unless forced.
//!
//! **Links.** Nothing is written through a symbolic link. Every file kubricate writes is created with
//! `create_new` (`O_CREAT | O_EXCL`, which POSIX defines to fail on any existing path, a link included,
//! without following it), after a leftover at that name (a file, or a link, which is removed and not
//! followed) is cleared. Directories inside the output are created one level at a time and a link
//! among them is refused. The lock file is opened with `O_NOFOLLOW`. Renames replace a link itself,
//! never its target.
//!
//! **Concurrency and crashes.** Both modes hold an exclusive lock on `.<name>.kubricate-lock` (next to the
//! output directory; the OS releases it when the process dies), so two runs never interleave. The lock
//! file is kept (removing it would let a second run lock a new file while the first still holds the
//! old one), and after locking its inode is compared with the path's, so a file replaced under our
//! feet is detected. Under the lock, anything a killed run left behind is ours to settle: a leftover
//! `-old` directory with no output directory means the run died between the two renames, and it is
//! renamed back; leftover staging directories are removed when every entry in them is ours.

mod dir;
pub(crate) mod error;
mod files;
mod lock;
mod marker;
mod merge;
mod swap;

pub use dir::check_output_dir;
pub use error::OutputError;
pub use marker::MARKER;
pub(crate) use merge::write_merge;
pub(crate) use swap::write_clean;

use std::path::Path;

use crate::generate::layout::RenderedFile;
use crate::generate::spool::Spool;

/// The files one write puts on disk: every path up front (the names are checked, and the marker
/// lists them, before anything is written), each file's text only when it is written, so that a
/// spooled run never holds all of its output in memory.
pub(crate) trait OutputFiles {
    /// Number of files.
    fn count(&self) -> usize;
    /// Path of file `i`, relative to the output directory.
    fn path(&self, i: usize) -> &Path;
    /// Text of file `i`; `buf` is scratch space the text may be read into.
    fn text<'a>(&'a self, i: usize, buf: &'a mut Vec<u8>) -> Result<&'a [u8], OutputError>;
}

impl OutputFiles for [RenderedFile] {
    fn count(&self) -> usize {
        self.len()
    }
    fn path(&self, i: usize) -> &Path {
        &self[i].path
    }
    fn text<'a>(&'a self, i: usize, _: &'a mut Vec<u8>) -> Result<&'a [u8], OutputError> {
        Ok(self[i].content.as_bytes())
    }
}

impl<const N: usize> OutputFiles for [RenderedFile; N] {
    fn count(&self) -> usize {
        N
    }
    fn path(&self, i: usize) -> &Path {
        &self[i].path
    }
    fn text<'a>(&'a self, i: usize, _: &'a mut Vec<u8>) -> Result<&'a [u8], OutputError> {
        Ok(self[i].content.as_bytes())
    }
}

impl OutputFiles for Spool {
    fn count(&self) -> usize {
        self.len()
    }
    fn path(&self, i: usize) -> &Path {
        Spool::path(self, i)
    }
    fn text<'a>(&'a self, i: usize, buf: &'a mut Vec<u8>) -> Result<&'a [u8], OutputError> {
        self.read(i, buf)?;
        Ok(buf)
    }
}

/// Paths of every file of `files`.
fn paths<F: OutputFiles + ?Sized>(files: &F) -> impl Iterator<Item = &Path> + '_ {
    (0..files.count()).map(|i| files.path(i))
}

#[cfg(test)]
mod tests {
    use super::dir::*;
    use super::files::*;
    use super::lock::*;
    use super::marker::*;
    use super::*;
    use crate::generate::layout::RenderedFile;
    use std::fs;
    use std::path::{Path, PathBuf};

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
        for bad in ["/", "..", ".", "a/../..", "./", "../.."] {
            assert!(
                matches!(
                    check_output_dir(&root, Path::new(bad)),
                    Err(OutputError::Unsafe { .. })
                ),
                "{bad}"
            );
        }
        // Any other path is fine, inside the project or not (as Helm's --output-dir).
        assert_eq!(
            check_output_dir(&root, Path::new("../elsewhere")).unwrap(),
            root.parent().unwrap().join("elsewhere")
        );
        let other = tmp();
        assert_eq!(check_output_dir(&root, &other).unwrap(), other);
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
            ("up", "contains the project's working directory"),
            ("up/proj/..", "contains the project's working directory"),
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
        // `up/proj/../y` is `base/y`: outside the project, which is allowed.
        assert_eq!(
            check_output_dir(&root, Path::new("up/proj/../y")).unwrap(),
            base.join("y")
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
        assert!(check_paths(ok.iter().map(|f| f.path.as_path())).is_ok());
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
                matches!(
                    check_paths(bad.iter().map(|f| f.path.as_path())),
                    Err(OutputError::FileName { .. })
                ),
                "{:?}",
                bad[0].path
            );
        }
        let dir = tmp().join("out");
        assert!(write_clean(&dir, &[file("../escape.yml", "x")]).is_err());
        assert!(write_merge(&dir, &[file("../escape.yml", "x")], false).is_err());
        assert!(!dir.parent().unwrap().join("escape.yml").exists());
    }

    /// A spooled run (its text in a temporary file) writes the same files, in both modes.
    #[test]
    fn a_spool_on_disk_writes_what_its_files_hold() {
        let files = [
            file("a.yml", "a: 1\n"),
            file("web/Deployment_web.yml", &"k: v\n".repeat(10_000)),
            file("b.yml", ""),
        ];
        let mut spool = Spool::with_limit(0);
        for f in &files {
            spool.push(f).unwrap();
        }
        let root = tmp();
        for (out, clean) in [(root.join("clean"), true), (root.join("merge"), false)] {
            if clean {
                write_clean(&out, &spool).unwrap();
            } else {
                write_merge(&out, &spool, false).unwrap();
            }
            for f in &files {
                assert_eq!(fs::read_to_string(out.join(&f.path)).unwrap(), f.content);
            }
            assert_eq!(
                fs::read_to_string(out.join(MARKER)).unwrap(),
                "a.yml\nb.yml\nweb/Deployment_web.yml\n"
            );
        }
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
        assert_eq!(
            names(&root),
            [".output.kubricate-lock", "output"],
            "nothing but the lock file left beside the output"
        );
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
            write_merge(&out, &[file("a.yml", "")], false),
        ] {
            let err = result.unwrap_err().to_string();
            assert!(
                err.contains("being written by another kubricate run"),
                "{err}"
            );
        }
        assert!(!out.exists());
        drop(held);
        // The file stays: removing it would let a later run lock a new file while this one is held.
        assert!(sib.lock.is_file(), "the lock file is kept");
        write_clean(&out, &[file("a.yml", "")]).unwrap();
        let again = Lock::acquire(&out, &sib.lock).unwrap();
        assert!(matches!(
            Lock::acquire(&out, &sib.lock),
            Err(OutputError::Busy { .. })
        ));
        drop(again);
    }

    #[test]
    fn recovery_after_a_crash_between_the_renames() {
        let root = tmp();
        let out = root.join("output");
        write_clean(&out, &[file("a.yml", "old\n")]).unwrap();
        let sib = Siblings::of(&root, "output");
        fs::rename(&out, &sib.old).unwrap();
        // Merge mode shows the restored previous output under the new file.
        write_merge(&out, &[file("b.yml", "new\n")], false).unwrap();
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
        assert_eq!(names(&root), [".output.kubricate-lock", "output"]);
        assert_eq!(names(&out), [MARKER, "c.yml"]);
    }

    #[test]
    fn merge_keeps_other_files_and_lists_ours() {
        let out = tmp().join("output");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("mine.txt"), "mine").unwrap();
        fs::write(out.join(".a.yml.kubricate-tmp"), "killed run").unwrap();
        write_merge(&out, &[file("a.yml", "1"), file("s/b.yml", "2")], false).unwrap();
        write_merge(&out, &[file("a.yml", "3")], false).unwrap();
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
        let err = write_merge(&out, &[file("web/Deployment_web.yml", "x")], false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("symbolic link inside the output directory"),
            "{err}"
        );
        // Not even a directory is created through it.
        let err = write_merge(&out, &[file("web/sub/Deployment_web.yml", "x")], true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("symbolic link inside the output directory"),
            "{err}"
        );
        assert!(names(&elsewhere).is_empty());
        // Clean mode does not follow it either: the link is a foreign entry.
        assert!(matches!(
            write_clean(&out, &[file("a.yml", "")]),
            Err(OutputError::Foreign { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn planted_links_at_temporary_lock_and_marker_names_are_never_followed() {
        use std::os::unix::fs::symlink;
        let root = tmp();
        let out = root.join("output");
        let victim = root.join("victim.txt");
        fs::create_dir_all(&out).unwrap();
        fs::write(&victim, "precious\n").unwrap();
        let missing = root.join("created-outside");
        symlink(&victim, out.join(".a.yml.kubricate-tmp")).unwrap();
        symlink(&victim, out.join("..kubricate-generated.kubricate-tmp")).unwrap();
        symlink(&missing, root.join(".output.kubricate-lock")).unwrap();
        write_merge(&out, &[file("a.yml", "a: 1\n")], false).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        assert!(!occupied(&missing), "the lock link created a file outside");
        assert!(fs::symlink_metadata(root.join(".output.kubricate-lock"))
            .unwrap()
            .is_file());
        assert_eq!(names(&out), [MARKER, "a.yml"]);
        assert!(fs::symlink_metadata(out.join("a.yml")).unwrap().is_file());

        // Clean mode: links planted in the staging area's place are refused, not followed.
        let elsewhere = root.join("elsewhere");
        fs::create_dir_all(&elsewhere).unwrap();
        symlink(&elsewhere, root.join(".output.kubricate-staging")).unwrap();
        assert!(matches!(
            write_clean(&out, &[file("b.yml", "")]),
            Err(OutputError::InTheWay { .. })
        ));
        assert!(names(&elsewhere).is_empty());
        fs::remove_file(root.join(".output.kubricate-staging")).unwrap();
        write_clean(&out, &[file("b.yml", "")]).unwrap();
        assert_eq!(names(&out), [MARKER, "b.yml"]);
    }

    #[test]
    fn clean_deletes_only_what_the_marker_lists() {
        let root = tmp();
        let out = root.join("output");
        write_clean(&out, &[file("a.yml", ""), file("web/b.yml", "")]).unwrap();
        // A user's directory holding only a file named like a temporary file, and an empty one.
        for (made, shown) in [("mine/.notes.kubricate-tmp", "mine/"), ("empty/", "empty/")] {
            let p = out.join(made);
            if made.ends_with('/') {
                fs::create_dir_all(&p).unwrap();
            } else {
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(&p, "mine").unwrap();
            }
            let err = write_clean(&out, &[file("c.yml", "")]).unwrap_err();
            assert!(
                matches!(err, OutputError::Foreign { ref files, .. } if files == &[shown]),
                "{err}"
            );
            assert!(occupied(&p));
            fs::remove_dir_all(out.join(shown)).unwrap();
        }
        // A directory under a temporary name is never a leftover of ours.
        fs::create_dir_all(out.join(".x.yml.kubricate-tmp")).unwrap();
        let err = write_clean(&out, &[file("c.yml", "")]).unwrap_err();
        assert!(
            matches!(err, OutputError::Foreign { ref files, .. } if files == &[".x.yml.kubricate-tmp/"]),
            "{err}"
        );
        fs::remove_dir(out.join(".x.yml.kubricate-tmp")).unwrap();
        // A killed run's temporary file of a listed file is ours.
        fs::write(out.join("web/.b.yml.kubricate-tmp"), "partial").unwrap();
        write_clean(&out, &[file("c.yml", "")]).unwrap();
        assert_eq!(names(&out), [MARKER, "c.yml"]);
    }

    #[test]
    fn merge_refuses_to_overwrite_a_file_it_did_not_write_unless_forced() {
        let out = tmp().join("output");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("a.yml"), "hand-written\n").unwrap();
        let err = write_merge(&out, &[file("a.yml", "gen\n"), file("b.yml", "")], false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("refusing to overwrite")
                && err.contains("(a.yml)")
                && err.contains("--force"),
            "{err}"
        );
        assert_eq!(names(&out), ["a.yml"], "nothing written");
        write_merge(&out, &[file("a.yml", "gen\n")], true).unwrap();
        assert_eq!(fs::read_to_string(out.join("a.yml")).unwrap(), "gen\n");
        // Adopted now: the next run needs no --force.
        write_merge(&out, &[file("a.yml", "gen2\n")], false).unwrap();
    }

    #[test]
    fn concurrent_runs_never_interleave() {
        let root = tmp();
        let out = root.join("output");
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let out = out.clone();
                std::thread::spawn(move || {
                    let files = [
                        file("a.yml", &format!("run {i}\n")),
                        file(&format!("f{i}.yml"), ""),
                    ];
                    for _ in 0..20 {
                        match if i % 2 == 0 {
                            write_clean(&out, &files)
                        } else {
                            write_merge(&out, &files, false)
                        } {
                            Ok(()) | Err(OutputError::Busy { .. }) => {}
                            Err(e) => panic!("run {i}: {e}"),
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        // Whatever ran last, the directory is consistent: every file is listed, nothing is left beside it.
        assert!(foreign_files(&out).unwrap().is_empty());
        assert_eq!(names(&root), [".output.kubricate-lock", "output"]);
    }
}
