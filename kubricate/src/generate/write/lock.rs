//! The lock that keeps two runs from writing one output directory at once. The lock file is kept
//! after the run and checked to be the file the path names (see the folder's documentation).

use std::fs;
use std::path::Path;

use super::error::{io, OutputError};

/// An exclusive lock on one output directory, released when it drops (the file stays, see the module
/// documentation).
pub(super) struct Lock {
    // Held for its lock; closing it releases the lock.
    _file: Option<fs::File>,
}

impl Lock {
    pub(super) fn acquire(dir: &Path, path: &Path) -> Result<Lock, OutputError> {
        let busy = || OutputError::Busy {
            dir: dir.to_path_buf(),
            lock: path.to_path_buf(),
        };
        // A few attempts: the file may be replaced between our open and our lock by a run that cleaned it
        // up (an older kubricate removed its lock file on exit).
        for _ in 0..3 {
            // A link here (planted, or committed to a GitOps repository) is removed, never followed.
            if let Ok(m) = fs::symlink_metadata(path) {
                if m.file_type().is_symlink() {
                    fs::remove_file(path).map_err(io(path))?;
                } else if !m.is_file() {
                    return Err(OutputError::InTheWay {
                        path: path.to_path_buf(),
                    });
                }
            }
            let mut options = fs::OpenOptions::new();
            options.create(true).truncate(false).write(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                // The bits fit an i32: they are the platform's own O_NOFOLLOW.
                options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
            }
            let file = options.open(path).map_err(io(path))?;
            match try_lock_briefly(&file) {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => return Err(busy()),
                // Some file systems cannot lock; writing unlocked beats not writing at all.
                Err(fs::TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
                    return Ok(Lock { _file: None })
                }
                Err(fs::TryLockError::Error(e)) => return Err(io(path)(e)),
            }
            if same_file(&file, path) {
                return Ok(Lock { _file: Some(file) });
            }
        }
        Err(busy())
    }
}

/// Tries to lock `file` for up to half a second. A lock is briefly held by a process that is not
/// writing at all: a child forked by another thread of this process keeps a copy of the descriptor (and
/// with it the lock) until it execs. A run that really is writing holds it far longer.
pub(super) fn try_lock_briefly(file: &fs::File) -> Result<(), fs::TryLockError> {
    let until = std::time::Instant::now() + std::time::Duration::from_millis(500);
    loop {
        match file.try_lock() {
            Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < until => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Whether `path` (not followed) is still the file `file` has open.
pub(super) fn same_file(file: &fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
    }
}
