//! The secret manager: connectors, provider instances and the secrets they serve.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use indexmap::IndexMap;

use crate::connector::Connector;
use crate::declare::inject::Binding;
use crate::declare::secret_set::{Dynamic, SecretSet};
use crate::model::names::NameError;
use crate::provider::{Provider, ProviderInfo};

static NEXT_MANAGER_ID: AtomicU64 = AtomicU64::new(1);

/// A secret as the manager holds it at run time.
#[derive(Debug, Clone)]
pub struct SecretSpec {
    /// Logical name.
    pub name: String,
    /// Provider type required by the declaration, if any.
    pub provider: Option<&'static ProviderInfo>,
    /// Provider instance id, if chosen.
    pub provider_id: Option<String>,
    /// Connector id, if chosen.
    pub connector: Option<String>,
}

impl SecretSpec {
    /// A secret served by the manager's defaults.
    pub fn new(name: impl Into<String>) -> Self {
        SecretSpec {
            name: name.into(),
            provider: None,
            provider_id: None,
            connector: None,
        }
    }
    /// Served by the provider instance registered under `id`.
    pub fn provider(mut self, id: impl Into<String>) -> Self {
        self.provider_id = Some(id.into());
        self
    }
    /// Loaded by the connector registered under `id`.
    pub fn connector(mut self, id: impl Into<String>) -> Self {
        self.connector = Some(id.into());
        self
    }
}

impl From<&str> for SecretSpec {
    fn from(name: &str) -> Self {
        SecretSpec::new(name)
    }
}

/// Connectors, provider instances and secrets, without the compile-time set type.
pub struct AnySecretManager {
    pub(crate) id: u64,
    pub(crate) set_name: &'static str,
    pub(crate) connectors: IndexMap<String, Arc<dyn Connector>>,
    pub(crate) providers: IndexMap<String, Arc<dyn Provider>>,
    pub(crate) secrets: IndexMap<String, SecretSpec>,
    pub(crate) default_connector: Option<String>,
    pub(crate) default_provider: Option<String>,
    pub(crate) errors: Vec<ManagerProblem>,
    /// Each secret's resolved [`Binding`], shared by every injection of it (see
    /// [`binding`](Self::binding)).
    bindings: std::sync::Mutex<std::collections::HashMap<String, Arc<Binding>>>,
}

impl std::fmt::Debug for AnySecretManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretManager")
            .field("set", &self.set_name)
            .field("connectors", &self.connectors.keys().collect::<Vec<_>>())
            .field("providers", &self.providers.keys().collect::<Vec<_>>())
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A secret manager over the secret set `S` (a `#[derive(SecretSet)]` enum, or [`Dynamic`]).
///
/// ```
/// use kubricate::prelude::*;
///
/// #[derive(SecretSet)]
/// #[secret_set(provider = OpaqueSecretProvider)]
/// enum AppSecrets { DatabaseUrl, ApiKey }
///
/// let manager = SecretManager::<AppSecrets>::new()
///     .connector(InMemoryConnector::new([("DATABASE_URL", "postgres://db"), ("API_KEY", "k")]))
///     .provider(OpaqueSecretProvider::new("app-secrets"));
/// assert!(manager.validate().is_ok());
/// assert_eq!(manager.secret_names(), vec!["DATABASE_URL", "API_KEY"]);
/// ```
pub struct SecretManager<S: SecretSet = Dynamic> {
    inner: AnySecretManager,
    set: PhantomData<fn() -> S>,
}

impl<S: SecretSet> std::fmt::Debug for SecretManager<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<S: SecretSet> Default for SecretManager<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: SecretSet> SecretManager<S> {
    /// A manager holding the secrets of `S`, with no connector or provider yet.
    pub fn new() -> Self {
        let mut inner = AnySecretManager {
            id: NEXT_MANAGER_ID.fetch_add(1, Ordering::Relaxed),
            set_name: S::NAME,
            connectors: IndexMap::new(),
            providers: IndexMap::new(),
            secrets: IndexMap::new(),
            default_connector: None,
            default_provider: None,
            errors: Vec::new(),
            bindings: Default::default(),
        };
        for decl in S::SECRETS.iter() {
            inner.secrets.insert(
                decl.name.to_owned(),
                SecretSpec {
                    name: decl.name.to_owned(),
                    provider: decl.provider,
                    provider_id: decl.provider_id.map(str::to_owned),
                    connector: decl.connector.map(str::to_owned),
                },
            );
        }
        SecretManager {
            inner,
            set: PhantomData,
        }
    }

    /// Adds a connector under its kind name (`EnvConnector`).
    pub fn connector(self, connector: impl Connector) -> Self {
        let id = connector.kind().to_owned();
        self.connector_as(id, connector)
    }

    /// Adds a connector under `id`.
    pub fn connector_as(mut self, id: impl Into<String>, connector: impl Connector) -> Self {
        let id = id.into();
        if self
            .inner
            .connectors
            .insert(id.clone(), Arc::new(connector))
            .is_some()
        {
            self.inner
                .errors
                .push(ManagerProblem::DuplicateConnector { id });
        }
        self
    }

    /// Adds a provider instance under its type name (`OpaqueSecretProvider`).
    pub fn provider(self, provider: impl Provider) -> Self {
        let id = provider.info().kind.to_owned();
        self.provider_as(id, provider)
    }

    /// Adds a provider instance under `id` (several instances of one type need distinct ids).
    pub fn provider_as(mut self, id: impl Into<String>, provider: impl Provider) -> Self {
        let id = id.into();
        if self
            .inner
            .providers
            .insert(id.clone(), Arc::new(provider))
            .is_some()
        {
            self.inner
                .errors
                .push(ManagerProblem::DuplicateProvider { id });
        }
        self
    }

    /// The connector used by secrets that name none (default: the only connector).
    pub fn default_connector(mut self, id: impl Into<String>) -> Self {
        self.inner.default_connector = Some(id.into());
        self
    }

    /// The provider used by secrets whose declaration names none (default: the only provider).
    pub fn default_provider(mut self, id: impl Into<String>) -> Self {
        self.inner.default_provider = Some(id.into());
        self
    }

    /// Checks that every secret resolves to one connector and one provider instance.
    pub fn validate(&self) -> Result<(), Vec<ManagerProblem>> {
        self.inner.validate()
    }

    /// Secret names in declaration order.
    pub fn secret_names(&self) -> Vec<&str> {
        self.inner.secrets.keys().map(String::as_str).collect()
    }

    /// The secrets as the manager holds them (the reference's `getSecrets()`).
    pub fn secrets(&self) -> impl Iterator<Item = &SecretSpec> {
        self.inner.secrets.values()
    }

    /// The type-erased manager.
    pub fn as_any(&self) -> &AnySecretManager {
        &self.inner
    }

    /// Drops the set type (to hand the manager to a [`Project`](crate::Project) or registry).
    pub fn into_any(self) -> AnySecretManager {
        self.inner
    }
}

impl SecretManager<Dynamic> {
    /// Declares a secret at run time (typed sets declare theirs with `#[derive(SecretSet)]`).
    pub fn add_secret(mut self, spec: impl Into<SecretSpec>) -> Self {
        let spec = spec.into();
        if self.inner.secrets.contains_key(&spec.name) {
            self.inner
                .errors
                .push(ManagerProblem::DuplicateSecret { name: spec.name });
        } else {
            self.inner.secrets.insert(spec.name.clone(), spec);
        }
        self
    }
}

impl<S: SecretSet> From<SecretManager<S>> for AnySecretManager {
    fn from(m: SecretManager<S>) -> Self {
        m.inner
    }
}

/// A manager shared with the functions that make lazily declared stacks
/// ([`Project::stacks_from`](crate::Project::stacks_from)): the project gets the same manager (its
/// identity included, so the injections those stacks plan through the `Arc` are served by it). An
/// `Arc` cannot be changed, so both stay the same manager.
impl<S: SecretSet> From<Arc<SecretManager<S>>> for AnySecretManager {
    fn from(m: Arc<SecretManager<S>>) -> Self {
        m.inner.share()
    }
}

/// As for `Arc<SecretManager<S>>`.
impl From<Arc<AnySecretManager>> for AnySecretManager {
    fn from(m: Arc<AnySecretManager>) -> Self {
        m.share()
    }
}

impl AnySecretManager {
    /// The set type's name (`AppSecrets`, or `Dynamic`).
    pub fn set_name(&self) -> &'static str {
        self.set_name
    }

    /// The same manager, identity included (connectors and providers are shared): only for a
    /// manager behind an `Arc`, which nobody can change any more.
    pub(crate) fn share(&self) -> AnySecretManager {
        let bindings = match self.bindings.lock() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        AnySecretManager {
            id: self.id,
            set_name: self.set_name,
            connectors: self.connectors.clone(),
            providers: self.providers.clone(),
            secrets: self.secrets.clone(),
            default_connector: self.default_connector.clone(),
            default_provider: self.default_provider.clone(),
            errors: self.errors.clone(),
            bindings: std::sync::Mutex::new(bindings),
        }
    }

    /// The shared binding of `secret` to the provider `provider_for` resolved it to. Cached by name,
    /// and replaced when the manager was changed since (another provider for the name).
    pub(crate) fn binding(
        &self,
        secret: &str,
        provider_id: &str,
        provider: &Arc<dyn Provider>,
    ) -> Arc<Binding> {
        // A panic elsewhere while the lock was held leaves the cache as consistent as before.
        let mut cache = match self.bindings.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        match cache.get(secret) {
            Some(b) if b.is_for(provider_id, provider) => Arc::clone(b),
            _ => {
                let b = Arc::new(Binding::new(secret, provider_id, self.id, provider));
                cache.insert(secret.to_owned(), Arc::clone(&b));
                b
            }
        }
    }

    /// Whether the provider of `secret` loads values (an unknown provider counts as loading: it is
    /// reported by validation).
    pub(crate) fn needs_values(&self, secret: &str) -> bool {
        self.provider_for(secret)
            .map_or(true, |(_, p)| p.delivery().needs_values())
    }

    /// Whether `name` is a declared secret.
    pub fn has_secret(&self, name: &str) -> bool {
        self.secrets.contains_key(name)
    }

    /// The error for an undeclared name, worded as the compile-time check.
    pub(crate) fn unknown(&self, name: &str) -> ManagerProblem {
        ManagerProblem::UnknownSecret {
            secret: name.to_owned(),
            set: self.set_name,
            declared: self.secrets.keys().cloned().collect(),
        }
    }

    /// [`unknown`](Self::unknown) as the text `Stack` reports.
    pub(crate) fn unknown_secret(&self, name: &str) -> String {
        self.unknown(name).to_string()
    }

    /// Resolves the provider instance of a secret.
    pub fn provider_for(&self, secret: &str) -> Result<(&str, &Arc<dyn Provider>), ManagerProblem> {
        let spec = self
            .secrets
            .get(secret)
            .ok_or_else(|| self.unknown(secret))?;
        let registered = || self.providers.keys().cloned().collect::<Vec<_>>();
        let secret = || secret.to_owned();
        if let Some(id) = &spec.provider_id {
            let (id, p) = self.providers.get_key_value(id.as_str()).ok_or_else(|| {
                ManagerProblem::UnknownProvider {
                    secret: secret(),
                    id: id.clone(),
                    registered: registered(),
                }
            })?;
            if let Some(want) = spec.provider {
                if p.info().kind != want.kind {
                    return Err(ManagerProblem::ProviderTypeMismatch {
                        secret: secret(),
                        declared: want.kind,
                        id: id.clone(),
                        actual: p.info().kind,
                    });
                }
            }
            return Ok((id.as_str(), p));
        }
        if let Some(want) = spec.provider {
            let matching: Vec<_> = self
                .providers
                .iter()
                .filter(|(_, p)| p.info().kind == want.kind)
                .collect();
            return match matching.as_slice() {
                [(id, p)] => Ok((id.as_str(), p)),
                [] => Err(ManagerProblem::NoProviderOfType {
                    secret: secret(),
                    provider_type: want.kind,
                }),
                several => {
                    if let Some((id, p)) = self
                        .default_provider
                        .as_ref()
                        .and_then(|d| self.providers.get_key_value(d.as_str()))
                    {
                        if p.info().kind == want.kind {
                            return Ok((id.as_str(), p));
                        }
                    }
                    Err(ManagerProblem::SeveralProvidersOfType {
                        secret: secret(),
                        provider_type: want.kind,
                        ids: several.iter().map(|(id, _)| (*id).clone()).collect(),
                    })
                }
            };
        }
        if let Some(d) = &self.default_provider {
            return self
                .providers
                .get_key_value(d.as_str())
                .map(|(id, p)| (id.as_str(), p))
                .ok_or_else(|| ManagerProblem::UnknownDefaultProvider {
                    id: d.clone(),
                    registered: registered(),
                });
        }
        match self.providers.get_index(0) {
            Some((id, p)) if self.providers.len() == 1 => Ok((id.as_str(), p)),
            None => Err(ManagerProblem::NoProvider { secret: secret() }),
            Some(_) => Err(ManagerProblem::AmbiguousProvider {
                secret: secret(),
                registered: registered(),
            }),
        }
    }

    /// Resolves the connector of a secret.
    pub fn connector_for(
        &self,
        secret: &str,
    ) -> Result<(&str, &Arc<dyn Connector>), ManagerProblem> {
        let spec = self
            .secrets
            .get(secret)
            .ok_or_else(|| self.unknown(secret))?;
        let registered = || self.connectors.keys().cloned().collect::<Vec<_>>();
        let secret = || secret.to_owned();
        if let Some(id) = spec.connector.as_ref().or(self.default_connector.as_ref()) {
            return self
                .connectors
                .get_key_value(id.as_str())
                .map(|(id, c)| (id.as_str(), c))
                .ok_or_else(|| ManagerProblem::UnknownConnector {
                    secret: secret(),
                    id: id.clone(),
                    registered: registered(),
                });
        }
        match self.connectors.get_index(0) {
            Some((id, c)) if self.connectors.len() == 1 => Ok((id.as_str(), c)),
            None => Err(ManagerProblem::NoConnector { secret: secret() }),
            Some(_) => Err(ManagerProblem::AmbiguousConnector {
                secret: secret(),
                registered: registered(),
            }),
        }
    }

    /// Every configuration problem: duplicate ids, invalid names, unresolvable providers or connectors.
    pub fn validate(&self) -> Result<(), Vec<ManagerProblem>> {
        let mut problems = self.errors.clone();
        for name in self.secrets.keys() {
            if let Err(reason) = crate::model::names::check_env_name(name) {
                problems.push(ManagerProblem::InvalidEnvName {
                    name: name.clone(),
                    reason,
                });
            }
            if let Err(e) = self.provider_for(name) {
                problems.push(e);
            }
            // A provider that loads no values (ExternalSecret) needs no connector.
            if self.needs_values(name) {
                if let Err(e) = self.connector_for(name) {
                    problems.push(e);
                }
            }
        }
        for (id, p) in &self.providers {
            if let Err(reason) = crate::model::names::check_dns_subdomain(p.secret_name()) {
                problems.push(ManagerProblem::InvalidSecretName {
                    provider: id.clone(),
                    secret_name: p.secret_name().to_owned(),
                    reason,
                });
            }
            if let Some(ns) = p.namespace() {
                if let Err(reason) = crate::model::names::check_dns_label(ns) {
                    problems.push(ManagerProblem::InvalidNamespace {
                        provider: id.clone(),
                        namespace: ns.to_owned(),
                        reason,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// `a, b`, or `(none)` for an empty list.
fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}

/// A secret manager that cannot serve its secrets. The wording names the secret, the ids and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManagerProblem {
    /// Two connectors under one id.
    #[error("connector id `{id}` is registered twice; give each connector a unique id with connector_as")]
    DuplicateConnector {
        /// The id.
        id: String,
    },
    /// Two provider instances under one id.
    #[error(
        "provider id `{id}` is registered twice; give each provider a unique id with provider_as"
    )]
    DuplicateProvider {
        /// The id.
        id: String,
    },
    /// `add_secret` twice with one name.
    #[error("secret `{name}` is added twice; secret names must be unique in a manager")]
    DuplicateSecret {
        /// The secret's name.
        name: String,
    },
    /// A secret name that cannot be an environment variable.
    #[error("secret name `{name}` {reason}")]
    InvalidEnvName {
        /// The secret's name.
        name: String,
        /// The rule it breaks.
        reason: NameError,
    },
    /// A name the secret set does not declare.
    #[error("secret `{secret}` is not declared in the secret set `{set}`; declared: {}. Add it to the set (or fix the spelling)", or_none(declared))]
    UnknownSecret {
        /// The name asked for.
        secret: String,
        /// The set's type name.
        set: &'static str,
        /// The declared names, in declaration order.
        declared: Vec<String>,
    },
    /// `provider_id` names no registered provider.
    #[error(
        "secret `{secret}` uses provider `{id}`, which is not registered; registered providers: {}",
        or_none(registered)
    )]
    UnknownProvider {
        /// The secret.
        secret: String,
        /// The provider id it names.
        id: String,
        /// The registered provider ids.
        registered: Vec<String>,
    },
    /// `provider_id` names a provider of another type than the declaration's.
    #[error("secret `{secret}` is declared with {declared} but provider `{id}` is a {actual}")]
    ProviderTypeMismatch {
        /// The secret.
        secret: String,
        /// The provider type of the declaration.
        declared: &'static str,
        /// The provider id.
        id: String,
        /// That provider's type.
        actual: &'static str,
    },
    /// No provider of the declared type is registered.
    #[error("secret `{secret}` is delivered by {provider_type} but the manager has no {provider_type}; add `.provider({provider_type}::new(\"<secret name>\"))`")]
    NoProviderOfType {
        /// The secret.
        secret: String,
        /// The declared provider type.
        provider_type: &'static str,
    },
    /// Several providers of the declared type, and the declaration picks none.
    #[error("secret `{secret}`: several {provider_type} instances are registered ({}); choose one with #[secret(provider_id = \"...\")]", ids.join(", "))]
    SeveralProvidersOfType {
        /// The secret.
        secret: String,
        /// The declared provider type.
        provider_type: &'static str,
        /// The ids of that type.
        ids: Vec<String>,
    },
    /// `default_provider` names no registered provider.
    #[error(
        "default provider `{id}` is not registered; registered providers: {}",
        or_none(registered)
    )]
    UnknownDefaultProvider {
        /// The default provider id.
        id: String,
        /// The registered provider ids.
        registered: Vec<String>,
    },
    /// The manager has no provider.
    #[error("secret `{secret}` has no provider: add one with `.provider(OpaqueSecretProvider::new(\"app-secrets\"))`")]
    NoProvider {
        /// The secret.
        secret: String,
    },
    /// Several providers and no default.
    #[error("secret `{secret}` names no provider and the manager has several ({}); set `.default_provider(\"...\")`", registered.join(", "))]
    AmbiguousProvider {
        /// The secret.
        secret: String,
        /// The registered provider ids.
        registered: Vec<String>,
    },
    /// `connector = "..."` (or `default_connector`) names no registered connector.
    #[error("secret `{secret}` uses connector `{id}`, which is not registered; registered connectors: {}", or_none(registered))]
    UnknownConnector {
        /// The secret.
        secret: String,
        /// The connector id.
        id: String,
        /// The registered connector ids.
        registered: Vec<String>,
    },
    /// The manager has no connector.
    #[error("secret `{secret}` has no connector: add one with `.connector(EnvConnector::new())`")]
    NoConnector {
        /// The secret.
        secret: String,
    },
    /// Several connectors and no default.
    #[error("secret `{secret}` names no connector and the manager has several ({}); set `.default_connector(\"...\")`", registered.join(", "))]
    AmbiguousConnector {
        /// The secret.
        secret: String,
        /// The registered connector ids.
        registered: Vec<String>,
    },
    /// A provider's Secret name is not a valid Kubernetes name.
    #[error("provider `{provider}`: Secret name `{secret_name}` {reason}")]
    InvalidSecretName {
        /// The provider id.
        provider: String,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// The rule it breaks.
        reason: NameError,
    },
    /// A provider's explicit namespace is not a valid namespace name.
    #[error("provider `{provider}`: namespace `{namespace}` {reason}")]
    InvalidNamespace {
        /// The provider id.
        provider: String,
        /// The namespace.
        namespace: String,
        /// The rule it breaks.
        reason: NameError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::InMemoryConnector;
    use crate::provider::{BasicAuthSecretProvider, OpaqueSecretProvider};

    fn problems(m: &SecretManager) -> Vec<ManagerProblem> {
        m.validate().err().unwrap_or_default()
    }

    #[test]
    fn duplicates_are_reported_by_id() {
        let m = SecretManager::new()
            .connector(InMemoryConnector::default())
            .connector(InMemoryConnector::default())
            .provider(OpaqueSecretProvider::new("a"))
            .provider_as("OpaqueSecretProvider", OpaqueSecretProvider::new("b"))
            .add_secret("X")
            .add_secret("X");
        assert_eq!(
            problems(&m),
            [
                ManagerProblem::DuplicateConnector {
                    id: "InMemoryConnector".into()
                },
                ManagerProblem::DuplicateProvider {
                    id: "OpaqueSecretProvider".into()
                },
                ManagerProblem::DuplicateSecret { name: "X".into() },
            ]
        );
        assert_eq!(
            problems(&m)[0].to_string(),
            "connector id `InMemoryConnector` is registered twice; give each connector a unique id with connector_as"
        );
    }

    #[test]
    fn resolution_failures_name_the_secret_and_what_is_registered() {
        let none = SecretManager::new().add_secret("A");
        assert_eq!(
            problems(&none),
            [
                ManagerProblem::NoProvider { secret: "A".into() },
                ManagerProblem::NoConnector { secret: "A".into() },
            ]
        );
        let several = SecretManager::new()
            .connector_as("one", InMemoryConnector::default())
            .connector_as("two", InMemoryConnector::default())
            .provider_as("p1", OpaqueSecretProvider::new("a"))
            .provider_as("p2", OpaqueSecretProvider::new("b"))
            .add_secret("A")
            .add_secret(SecretSpec::new("B").provider("missing").connector("nope"));
        let found = problems(&several);
        assert_eq!(
            found[0],
            ManagerProblem::AmbiguousProvider {
                secret: "A".into(),
                registered: vec!["p1".into(), "p2".into()]
            }
        );
        assert_eq!(
            found[0].to_string(),
            "secret `A` names no provider and the manager has several (p1, p2); set `.default_provider(\"...\")`"
        );
        assert!(
            matches!(&found[1], ManagerProblem::AmbiguousConnector { secret, .. } if secret == "A")
        );
        assert!(
            matches!(&found[2], ManagerProblem::UnknownProvider { secret, id, registered }
                if secret == "B" && id == "missing" && registered == &["p1", "p2"])
        );
        assert!(matches!(&found[3], ManagerProblem::UnknownConnector { id, .. } if id == "nope"));
        assert_eq!(
            several.as_any().provider_for("NOPE").err(),
            Some(ManagerProblem::UnknownSecret {
                secret: "NOPE".into(),
                set: "Dynamic",
                declared: vec!["A".into(), "B".into()]
            })
        );
    }

    #[test]
    fn a_declared_provider_type_must_match_the_instance() {
        let spec = |name: &str, id: Option<&str>| SecretSpec {
            provider: Some(&<BasicAuthSecretProvider as crate::provider::ProviderType>::INFO),
            provider_id: id.map(str::to_owned),
            ..SecretSpec::new(name)
        };
        let m = SecretManager::new()
            .connector(InMemoryConnector::default())
            .provider(OpaqueSecretProvider::new("a"))
            .add_secret(spec("DB", None))
            .add_secret(spec("API", Some("OpaqueSecretProvider")));
        assert_eq!(
            problems(&m),
            [
                ManagerProblem::NoProviderOfType {
                    secret: "DB".into(),
                    provider_type: "BasicAuthSecretProvider"
                },
                ManagerProblem::ProviderTypeMismatch {
                    secret: "API".into(),
                    declared: "BasicAuthSecretProvider",
                    id: "OpaqueSecretProvider".into(),
                    actual: "OpaqueSecretProvider"
                }
            ]
        );
        let bad_name = SecretManager::new()
            .connector(InMemoryConnector::default())
            .provider(OpaqueSecretProvider::new("Not_A_Name").namespace("No.Dots"))
            .add_secret("A")
            .add_secret("lower-case");
        let found = problems(&bad_name);
        assert!(
            matches!(&found[..], [
                ManagerProblem::InvalidEnvName { name, .. },
                ManagerProblem::InvalidSecretName { provider, secret_name, .. },
                ManagerProblem::InvalidNamespace { namespace, .. },
            ] if name == "lower-case" && provider == "OpaqueSecretProvider" && secret_name == "Not_A_Name" && namespace == "No.Dots"),
            "{found:?}"
        );
        assert!(found[0]
            .to_string()
            .starts_with("secret name `lower-case` is not a valid environment variable name"));
    }
}
