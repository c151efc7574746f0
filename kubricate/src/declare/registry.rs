//! Named secret managers, one per team or domain (the reference's `SecretRegistry`).
//!
//! Two forms feed [`Project::registry`](crate::Project::registry):
//! - [`SecretRegistry`]: managers by name at run time; [`SecretRegistry::get`] with a misspelt name
//!   is an error listing the registered names.
//! - your own struct whose fields are managers, implementing [`IntoManagers`]: a misspelt field is a
//!   compile error.
//!
//! ```
//! use kubricate::prelude::*;
//! use kubricate::SecretRegistry;
//!
//! let registry = SecretRegistry::new()
//!     .add("frontend", SecretManager::new()
//!         .connector(InMemoryConnector::new([("ANALYTICS_KEY", "a")]))
//!         .provider(OpaqueSecretProvider::new("frontend-app-secrets"))
//!         .add_secret("ANALYTICS_KEY"))
//!     .add("backend", SecretManager::new()
//!         .connector(InMemoryConnector::new([("DATABASE_URL", "postgres://db")]))
//!         .provider(OpaqueSecretProvider::new("backend-app-secrets"))
//!         .add_secret("DATABASE_URL"));
//! assert_eq!(registry.list(), ["frontend", "backend"]);
//!
//! let err = registry.get("fronend").unwrap_err().to_string();
//! assert!(err.contains("registered: frontend, backend") && err.contains("did you mean `frontend`"), "{err}");
//!
//! let gateway = Stack::from_template(SimpleApp, SimpleAppInput { name: "api-gateway", image_name: "gateway", ..Default::default() })
//!     .use_secrets_any(registry.get("backend").unwrap(), |c| {
//!         c.secrets("DATABASE_URL").for_name("DB_CONNECTION").inject();
//!     });
//! let project = kubricate::Project::new().stack("apiGateway", gateway).registry(registry);
//! assert_eq!(project.secret_plan().unwrap().secrets[0].name, "backend-app-secrets");
//! ```

use crate::declare::manager::AnySecretManager;

/// A registry lookup or registration that went wrong. Names only, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// No manager is registered under `name`.
    #[error("secret manager `{name}` is not registered; registered: {}{}", or_none(registered), suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    NotFound {
        /// The name asked for.
        name: String,
        /// The registered names, in registration order.
        registered: Vec<String>,
        /// The registered name closest to `name`, when one is close.
        suggestion: Option<String>,
    },
    /// Two managers were added under `name`.
    #[error("secret manager name `{name}` is registered twice; give each manager a unique name, e.g. `frontend-app` and `backend-app`")]
    Duplicate {
        /// The name added twice.
        name: String,
    },
}

fn or_none(names: &[String]) -> String {
    if names.is_empty() {
        "(none)".to_owned()
    } else {
        names.join(", ")
    }
}

/// Secret managers by name, for projects where several teams each own their secrets.
///
/// Registration order is kept: it is the order of managers in messages, and "last declared" for the
/// `overwrite` conflict strategy.
#[derive(Debug, Default)]
pub struct SecretRegistry {
    // A Vec rather than a map so that a duplicate name is kept and reported, not silently replaced.
    entries: Vec<(String, AnySecretManager)>,
}

impl SecretRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        SecretRegistry::default()
    }

    /// Registers `manager` under `name`.
    ///
    /// A name added twice makes [`get`](Self::get) of that name and [`check`](Self::check) fail, and
    /// the project that receives the registry refuses to run.
    pub fn add(mut self, name: impl Into<String>, manager: impl Into<AnySecretManager>) -> Self {
        self.entries.push((name.into(), manager.into()));
        self
    }

    /// The manager registered under `name`.
    pub fn get(&self, name: &str) -> Result<&AnySecretManager, RegistryError> {
        let mut found = self.entries.iter().filter(|(n, _)| n == name);
        match (found.next(), found.next()) {
            (Some((_, manager)), None) => Ok(manager),
            (Some(_), Some(_)) => Err(RegistryError::Duplicate {
                name: name.to_owned(),
            }),
            (None, _) => Err(RegistryError::NotFound {
                name: name.to_owned(),
                registered: self.entries.iter().map(|(n, _)| n.clone()).collect(),
                suggestion: closest(name, self.entries.iter().map(|(n, _)| n.as_str())),
            }),
        }
    }

    /// Registered names, in registration order (the reference's `list()`).
    pub fn list(&self) -> Vec<&str> {
        self.entries.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Whether no manager is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every name registered twice.
    pub fn check(&self) -> Result<(), Vec<RegistryError>> {
        let mut errors: Vec<RegistryError> = Vec::new();
        for (i, (name, _)) in self.entries.iter().enumerate() {
            let repeated = self.entries[..i].iter().any(|(n, _)| n == name);
            let reported = errors
                .iter()
                .any(|e| matches!(e, RegistryError::Duplicate { name: n } if n == name));
            if repeated && !reported {
                errors.push(RegistryError::Duplicate { name: name.clone() });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Named managers that a [`Project`](crate::Project) takes all at once with
/// [`Project::registry`](crate::Project::registry).
///
/// Implemented by [`SecretRegistry`]. Implement it on a struct of managers for names the compiler
/// checks: `teams.frontend` cannot be misspelt the way `registry.get("fronend")` can.
///
/// ```
/// use kubricate::prelude::*;
/// use kubricate::{AnySecretManager, IntoManagers};
///
/// struct Teams {
///     frontend: SecretManager,
///     backend: SecretManager,
/// }
///
/// impl IntoManagers for Teams {
///     fn into_managers(self) -> Vec<(String, AnySecretManager)> {
///         vec![
///             ("frontend".to_owned(), self.frontend.into_any()),
///             ("backend".to_owned(), self.backend.into_any()),
///         ]
///     }
/// }
///
/// let teams = Teams {
///     frontend: SecretManager::new().provider(OpaqueSecretProvider::new("frontend-app-secrets")),
///     backend: SecretManager::new().provider(OpaqueSecretProvider::new("backend-app-secrets")),
/// };
/// let names: Vec<String> = teams.into_managers().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["frontend", "backend"]);
/// ```
pub trait IntoManagers {
    /// The managers with their names, in the order they are declared.
    fn into_managers(self) -> Vec<(String, AnySecretManager)>;
}

impl IntoManagers for SecretRegistry {
    fn into_managers(self) -> Vec<(String, AnySecretManager)> {
        self.entries
    }
}

/// A registry shared with the functions that make lazily declared stacks
/// ([`Project::stacks_from`](crate::Project::stacks_from)): the project gets the same managers.
impl IntoManagers for std::sync::Arc<SecretRegistry> {
    fn into_managers(self) -> Vec<(String, AnySecretManager)> {
        self.entries
            .iter()
            .map(|(name, m)| (name.clone(), m.share()))
            .collect()
    }
}

impl IntoManagers for Vec<(String, AnySecretManager)> {
    fn into_managers(self) -> Vec<(String, AnySecretManager)> {
        self
    }
}

/// The candidate within a small edit distance of `name` (a typo, not a different word).
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OpaqueSecretProvider, SecretManager};

    fn manager(secret_name: &str) -> SecretManager {
        SecretManager::new().provider(OpaqueSecretProvider::new(secret_name))
    }

    #[test]
    fn get_returns_the_manager_registered_under_the_name() {
        let r = SecretRegistry::new()
            .add("frontend", manager("f"))
            .add("backend", manager("b"));
        let f = r.get("frontend").unwrap();
        let b = r.get("backend").unwrap();
        assert_ne!(f.id, b.id);
        assert_eq!(
            f.providers
                .get("OpaqueSecretProvider")
                .unwrap()
                .secret_name(),
            "f"
        );
    }

    #[test]
    fn unknown_name_lists_registered_names_and_suggests() {
        let r = SecretRegistry::new()
            .add("frontend", manager("f"))
            .add("backend", manager("b"));
        let err = r.get("fronend").unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret manager `fronend` is not registered; registered: frontend, backend; did you mean `frontend`?"
        );
        let err = r.get("platform").unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
        let empty = SecretRegistry::new().get("x").unwrap_err().to_string();
        assert!(empty.contains("registered: (none)"), "{empty}");
    }

    #[test]
    fn duplicate_name_is_an_error_on_get_and_check() {
        let r = SecretRegistry::new()
            .add("app", manager("a"))
            .add("app", manager("b"))
            .add("app", manager("c"))
            .add("other", manager("o"));
        assert_eq!(
            r.get("app").unwrap_err(),
            RegistryError::Duplicate { name: "app".into() }
        );
        assert!(r.get("other").is_ok());
        let errors = r.check().unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].to_string().contains("`app` is registered twice"));
        assert_eq!(
            r.into_managers().len(),
            4,
            "duplicates are kept so the project reports them"
        );
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("frontend", "fronend"), 1);
        assert_eq!(edit_distance("backend", "frontend"), 5);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
