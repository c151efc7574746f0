//! Connectors: where secret values come from.
//!
//! A connector loads the values of many secrets in one pass, so that a run reports every missing value
//! at once instead of one per attempt. Values come back as [`SecretValue`]s, which never print.

mod env;
mod memory;

pub use env::EnvConnector;
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

    /// The prefix of the environment variables this connector reads values from (`KUBRICATE_SECRET_`
    /// for `EnvConnector`), if it reads any. kubectl, and the credential plugins it starts, run without
    /// them; an empty prefix removes the variables named after this manager's secrets.
    fn env_prefix(&self) -> Option<&str> {
        None
    }
}

/// Why a connector could not load values. Never holds a value.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// One or more secrets could not be loaded; every one is listed.
    #[error("{connector} could not load {} secret(s):\n{}", problems.len(), list_problems(problems))]
    Load {
        /// The connector's kind.
        connector: &'static str,
        /// Each problem, one per secret.
        problems: Vec<LoadProblem>,
    },
    /// A `.env` file has a line that does not parse.
    #[error("{}: line {line}: invalid .env syntax (expected KEY=VALUE; quote values that contain spaces or '#')", path.display())]
    DotenvSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// One secret that a connector could not load.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

fn list_problems(problems: &[LoadProblem]) -> String {
    problems
        .iter()
        .map(|p| match p {
            LoadProblem::Missing { secret, source, hint } => format!("  - {source} is not set (secret `{secret}`): {hint}"),
            LoadProblem::Empty { secret, source } => {
                format!("  - {source} is set but empty (secret `{secret}`): give it a value or remove the secret")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
