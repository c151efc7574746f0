//! The secret manager: connectors, provider instances and the secrets they serve.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use indexmap::IndexMap;

use crate::connector::Connector;
use crate::declare::inject::Binding;
use crate::declare::secret_set::{Dynamic, SecretSet};
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
    pub(crate) errors: Vec<String>,
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
        for decl in S::SECRETS {
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
            self.inner.errors.push(format!("connector id `{id}` is registered twice; give each connector a unique id with connector_as"));
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
            self.inner.errors.push(format!("provider id `{id}` is registered twice; give each provider a unique id with provider_as"));
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
    pub fn validate(&self) -> Result<(), Vec<String>> {
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
            self.inner.errors.push(format!(
                "secret `{}` is added twice; secret names must be unique in a manager",
                spec.name
            ));
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

impl AnySecretManager {
    /// The set type's name (`AppSecrets`, or `Dynamic`).
    pub fn set_name(&self) -> &'static str {
        self.set_name
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

    /// Declared names, for messages.
    pub(crate) fn declared_list(&self) -> String {
        if self.secrets.is_empty() {
            "(none)".to_owned()
        } else {
            self.secrets
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    /// The error for an undeclared name, worded as the compile-time check.
    pub(crate) fn unknown_secret(&self, name: &str) -> String {
        format!(
            "secret `{name}` is not declared in the secret set `{}`; declared: {}. Add it to the set (or fix the spelling)",
            self.set_name,
            self.declared_list()
        )
    }

    /// Resolves the provider instance of a secret.
    pub fn provider_for(&self, secret: &str) -> Result<(&str, &Arc<dyn Provider>), String> {
        let spec = self
            .secrets
            .get(secret)
            .ok_or_else(|| self.unknown_secret(secret))?;
        let registered = || {
            self.providers
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(id) = &spec.provider_id {
            let (id, p) = self.providers.get_key_value(id.as_str()).ok_or_else(|| {
                format!("secret `{secret}` uses provider `{id}`, which is not registered; registered providers: {}", or_none(registered()))
            })?;
            if let Some(want) = spec.provider {
                if p.info().kind != want.kind {
                    return Err(format!(
                        "secret `{secret}` is declared with {} but provider `{id}` is a {}",
                        want.kind,
                        p.info().kind
                    ));
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
                [] => Err(format!(
                    "secret `{secret}` is delivered by {kind} but the manager has no {kind}; add `.provider({kind}::new(\"<secret name>\"))`",
                    kind = want.kind
                )),
                several => {
                    if let Some((id, p)) = self.default_provider.as_ref().and_then(|d| self.providers.get_key_value(d.as_str())) {
                        if p.info().kind == want.kind {
                            return Ok((id.as_str(), p));
                        }
                    }
                    Err(format!(
                        "secret `{secret}`: several {} instances are registered ({}); choose one with #[secret(provider_id = \"...\")]",
                        want.kind,
                        several.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>().join(", ")
                    ))
                }
            };
        }
        match (&self.default_provider, self.providers.len()) {
            (Some(d), _) => self
                .providers
                .get_key_value(d.as_str())
                .map(|(id, p)| (id.as_str(), p))
                .ok_or_else(|| format!("default provider `{d}` is not registered; registered providers: {}", or_none(registered()))),
            (None, 1) => self.providers.get_index(0).map(|(id, p)| (id.as_str(), p)).ok_or_else(String::new),
            (None, 0) => Err(format!("secret `{secret}` has no provider: add one with `.provider(OpaqueSecretProvider::new(\"app-secrets\"))`")),
            (None, _) => Err(format!(
                "secret `{secret}` names no provider and the manager has several ({}); set `.default_provider(\"...\")`",
                registered()
            )),
        }
    }

    /// Resolves the connector of a secret.
    pub fn connector_for(&self, secret: &str) -> Result<(&str, &Arc<dyn Connector>), String> {
        let spec = self
            .secrets
            .get(secret)
            .ok_or_else(|| self.unknown_secret(secret))?;
        let registered = || {
            self.connectors
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let wanted = spec.connector.as_ref().or(self.default_connector.as_ref());
        match (wanted, self.connectors.len()) {
            (Some(id), _) => self.connectors.get_key_value(id.as_str()).map(|(id, c)| (id.as_str(), c)).ok_or_else(|| {
                format!("secret `{secret}` uses connector `{id}`, which is not registered; registered connectors: {}", or_none(registered()))
            }),
            (None, 1) => self.connectors.get_index(0).map(|(id, c)| (id.as_str(), c)).ok_or_else(String::new),
            (None, 0) => Err(format!("secret `{secret}` has no connector: add one with `.connector(EnvConnector::new())`")),
            (None, _) => Err(format!(
                "secret `{secret}` names no connector and the manager has several ({}); set `.default_connector(\"...\")`",
                registered()
            )),
        }
    }

    /// Every configuration problem: duplicate ids, invalid names, unresolvable providers or connectors.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = self.errors.clone();
        for name in self.secrets.keys() {
            if let Err(e) = crate::model::names::check_env_name(name) {
                problems.push(format!("secret name `{name}` {e}"));
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
            if let Err(e) = crate::model::names::check_dns_subdomain(p.secret_name()) {
                problems.push(format!(
                    "provider `{id}`: Secret name `{}` {e}",
                    p.secret_name()
                ));
            }
            if let Some(ns) = p.namespace() {
                if let Err(e) = crate::model::names::check_dns_label(ns) {
                    problems.push(format!("provider `{id}`: namespace `{ns}` {e}"));
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

fn or_none(s: String) -> String {
    if s.is_empty() {
        "(none)".to_owned()
    } else {
        s
    }
}
