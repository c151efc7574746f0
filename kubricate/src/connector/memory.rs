use indexmap::IndexMap;
use secrecy::{ExposeSecret, SecretString};

use super::{Connector, ConnectorError, LoadProblem};
use crate::model::secret_value::SecretValue;

/// Values held in memory: for tests, and for values your own code fetched.
///
/// ```
/// use kubricate::{Connector, InMemoryConnector};
/// let c = InMemoryConnector::new([("API_KEY", "sk_test_1")]);
/// let values = c.load(&["API_KEY"]).unwrap();
/// assert_eq!(values.len(), 1);
/// assert!(c.load(&["NOPE"]).is_err());
/// ```
#[derive(Default)]
pub struct InMemoryConnector {
    values: IndexMap<String, SecretString>,
}

impl InMemoryConnector {
    /// Holds the given `(name, value)` pairs.
    pub fn new<K: Into<String>, V: Into<String>>(values: impl IntoIterator<Item = (K, V)>) -> Self {
        InMemoryConnector {
            values: values
                .into_iter()
                .map(|(k, v)| (k.into(), SecretString::from(v.into())))
                .collect(),
        }
    }

    /// Adds or replaces one value.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.values
            .insert(name.into(), SecretString::from(value.into()));
        self
    }
}

impl std::fmt::Debug for InMemoryConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryConnector")
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Connector for InMemoryConnector {
    fn kind(&self) -> &'static str {
        "InMemoryConnector"
    }

    fn load(&self, names: &[&str]) -> Result<IndexMap<String, SecretValue>, ConnectorError> {
        let mut out = IndexMap::with_capacity(names.len());
        let mut problems = Vec::new();
        for &name in names {
            match self.values.get(name) {
                Some(v) if v.expose_secret().is_empty() => problems.push(LoadProblem::Empty {
                    secret: name.to_owned(),
                    source: format!("in-memory entry `{name}`"),
                }),
                Some(v) => {
                    out.insert(name.to_owned(), SecretValue::parse(v.expose_secret()));
                }
                None => problems.push(LoadProblem::Missing {
                    secret: name.to_owned(),
                    source: format!("in-memory entry `{name}`"),
                    hint: "add it to the InMemoryConnector".to_owned(),
                }),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(ConnectorError::Load {
                connector: "InMemoryConnector",
                problems,
            })
        }
    }
}
