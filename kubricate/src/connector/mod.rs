//! Connectors: where secret values come from.
//!
//! A connector loads the values of many secrets in one pass, so that a run reports every missing value
//! at once instead of one per attempt. Values come back as [`SecretValue`]s, which never print.

mod command;
mod dotenv;
mod env;
mod file;
mod memory;

pub use command::CommandConnector;
pub use dotenv::DotenvProblem;
pub use env::EnvConnector;
pub use file::FileConnector;
pub use memory::InMemoryConnector;

use std::path::PathBuf;

use indexmap::IndexMap;

use crate::model::secret_value::SecretValue;

/// Loads secret values by logical name.
pub trait Connector: Send + Sync + 'static {
    /// The connector's type name, e.g. `"EnvConnector"`; also its default id in a manager.
    fn kind(&self) -> &'static str;

    /// Loads every name in `names`, or reports every name that could not be loaded.
    fn load(&self, names: &[&str]) -> Result<IndexMap<String, SecretValue>, ConnectorError>;

    /// [`load`](Self::load), also reporting findings that do not stop the run (a key set twice in
    /// `.env`) into `warnings`. Warnings name keys, files and lines, never values. The default reports none.
    fn load_reporting(
        &self,
        names: &[&str],
        warnings: &mut Vec<String>,
    ) -> Result<IndexMap<String, SecretValue>, ConnectorError> {
        let _ = warnings;
        self.load(names)
    }

    /// The prefix of the environment variables this connector reads values from (`KUBRICATE_SECRET_`
    /// for `EnvConnector`), if it reads any. kubectl, and the credential plugins it starts, run without
    /// them; an empty prefix removes the variables named after this manager's secrets.
    fn env_prefix(&self) -> Option<&str> {
        None
    }
}

/// Reads `reader` to its end into a buffer that is zeroed whenever it is freed (`std`'s `read_to_end`
/// grows a plain `Vec`, freeing copies of what it read so far). Stops keeping bytes after `limit + 1`
/// (so the caller can tell "too large") and drains the rest; `hint` sizes the first buffer.
pub(crate) fn read_zeroizing(
    mut reader: impl std::io::Read,
    limit: usize,
    hint: usize,
) -> std::io::Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(hint.clamp(64, limit + 1)));
    let mut chunk = zeroize::Zeroizing::new(vec![0u8; 8192]);
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let keep = n.min((limit + 1).saturating_sub(buf.len()));
        if buf.len() + keep > buf.capacity() {
            // Grow by hand: the old buffer is zeroed as it drops.
            let cap = (buf.capacity() * 2).max(buf.len() + keep).min(limit + 1);
            let mut bigger = zeroize::Zeroizing::new(Vec::with_capacity(cap));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk[..keep]);
        if keep < n {
            std::io::copy(&mut reader, &mut std::io::sink())?;
            break;
        }
    }
    Ok(buf)
}

/// Why a connector could not load values. Never holds a value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// One or more secrets could not be loaded; every one is listed.
    #[error("{connector} could not load {} secret(s):\n{}", problems.len(), list_problems(problems))]
    Load {
        /// The connector's kind.
        connector: &'static str,
        /// Each problem, one per secret.
        problems: Vec<LoadProblem>,
    },
    /// A `.env` file was refused; the problem names the line.
    #[error("{}: {problem}", path.display())]
    Dotenv {
        /// The file.
        path: PathBuf,
        /// What is wrong, and on which line (boxed: it keeps every error that wraps a
        /// `ConnectorError` small).
        #[source]
        problem: Box<DotenvProblem>,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A connector was configured in a way that cannot work (an empty command, a bad path).
    #[error("{connector}: {problem}")]
    Config {
        /// The connector's kind.
        connector: &'static str,
        /// What is wrong and how to fix it.
        problem: String,
    },
}

/// One secret that a connector could not load. Never holds a value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadProblem {
    /// No variable (or entry) holds the secret.
    Missing {
        /// Logical secret name.
        secret: String,
        /// Where the connector looked, e.g. `KUBRICATE_SECRET_API_KEY`.
        source: String,
        /// How to provide it.
        hint: String,
    },
    /// The variable exists but is empty.
    Empty {
        /// Logical secret name.
        secret: String,
        /// Where the connector looked.
        source: String,
    },
    /// An environment variable holds bytes that are not UTF-8.
    NotUtf8 {
        /// Logical secret name.
        secret: String,
        /// The variable.
        source: String,
    },
    /// A value is larger than a Secret can hold.
    TooLarge {
        /// Logical secret name.
        secret: String,
        /// Where it came from.
        source: String,
    },
    /// A file could not be read.
    Unreadable {
        /// Logical secret name.
        secret: String,
        /// The file.
        source: String,
        /// The OS error (never file content).
        reason: String,
    },
    /// A command did not deliver the value.
    CommandFailed {
        /// Logical secret name.
        secret: String,
        /// The program run.
        command: String,
        /// What happened: exit status, timeout, not found.
        reason: String,
        /// The command's stderr, with anything it wrote to stdout removed; may be empty.
        stderr: String,
    },
}

fn list_problems(problems: &[LoadProblem]) -> String {
    problems
        .iter()
        .map(|p| match p {
            LoadProblem::Missing { secret, source, hint } => format!("  - {source} is not set (secret `{secret}`): {hint}"),
            LoadProblem::Empty { secret, source } => {
                format!("  - {source} is set but empty (secret `{secret}`): give it a value or remove the secret")
            }
            LoadProblem::NotUtf8 { secret, source } => format!(
                "  - {source} is not valid UTF-8 (secret `{secret}`): environment values must be text; read binary values with a FileConnector"
            ),
            LoadProblem::TooLarge { secret, source } => format!(
                "  - {source} is larger than 1 MiB (secret `{secret}`), more than a Kubernetes Secret can hold"
            ),
            LoadProblem::Unreadable { secret, source, reason } => {
                format!("  - cannot read {source} (secret `{secret}`): {reason}")
            }
            LoadProblem::CommandFailed { secret, command, reason, stderr } => {
                let mut line = format!("  - `{command}` for secret `{secret}` {reason}");
                if !stderr.is_empty() {
                    line.push_str("; its stderr:");
                    for l in stderr.lines() {
                        line.push_str("\n      ");
                        line.push_str(l);
                    }
                }
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
