//! Why output could not be written.

use std::path::{Path, PathBuf};

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The directory is one kubricate never writes to.
    #[error("refusing to write to `{}`: {reason}; pick another --out-dir (e.g. `output`, or a directory of its own anywhere)", dir.display())]
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
    /// Merge mode would replace files kubricate did not write.
    #[error("refusing to overwrite in `{}` what kubricate did not write ({}); move them away, or pass --force to overwrite them", dir.display(), files.join(", "))]
    Overwrite {
        /// The directory.
        dir: PathBuf,
        /// Some of the files.
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
    /// The temporary file that holds a large run's output until every stack has rendered failed.
    #[error("cannot hold the rendered output in a temporary file in `{}`: {source}; free space there or point TMPDIR at a directory with room", dir.display())]
    Spool {
        /// The temporary directory.
        dir: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error.
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}
