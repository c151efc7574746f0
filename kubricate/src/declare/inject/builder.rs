//! The `use_secrets` builder: records what the user asked for; the stack resolves it.
//!
//! Two ways in, one record:
//! - `c.secrets(name)` takes any [`SecretRef`] (a string, a set's variant): the provider is known at
//!   run time, so every strategy is accepted here and checked by [`Stack::use_secrets`](crate::Stack::use_secrets).
//! - `c.secret(c.names().DATABASE_URL)` (what `stack!` writes for `c.secrets("DATABASE_URL")`) takes a
//!   [`SecretName`] of the injector's own set, typed by its provider: a misspelt name is rustc's "no
//!   field", and the strategy methods below require the provider's marker traits
//!   ([`facts`](crate::provider::facts)), so an unsupported strategy or option does not compile.

use std::marker::PhantomData;

use crate::declare::secret_set::{Dynamic, SecretName, SecretRef, SecretSet};
use crate::model::strategy::{EnvFromStrategy, EnvStrategy, Strategy, VolumeStrategy};
use crate::provider::facts::{
    EnvWithKey, EnvWithoutKey, InjectDefault, SupportsEnv, SupportsEnvFrom,
    SupportsImagePullSecret, SupportsVolume,
};
use crate::provider::{AnyProvider, ProviderType};

/// What one `c.secrets(..)` chain asked for.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub secret: String,
    pub target_name: Option<String>,
    /// `None`: `.inject()` was never called. `Some(None)`: `.inject()` without a strategy.
    pub strategy: Option<Option<Strategy>>,
    pub resource: Option<String>,
}

/// The `c` of `.use_secrets(manager, |c| { .. })`, for the secret set `S` of that manager.
pub struct Injector<S: SecretSet = Dynamic> {
    /// The set's names, as [`names`](Self::names) gives them. A field so that what `stack!` writes
    /// for each injection, `c.secret(c.__names.NAME)`, costs rustc one method lookup, not two.
    #[doc(hidden)]
    pub __names: &'static S::Names,
    pub(crate) records: Vec<Record>,
    pub(crate) default_resource: Option<String>,
    set: PhantomData<fn() -> S>,
}

impl<S: SecretSet> std::fmt::Debug for Injector<S> {
    // By hand: the names struct has no `Debug` (the derive keeps it lean), and is the set's anyway.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Injector")
            .field("set", &S::NAME)
            .field("records", &self.records)
            .field("default_resource", &self.default_resource)
            .finish()
    }
}

impl<S: SecretSet> Injector<S> {
    pub(crate) fn new() -> Self {
        Injector {
            __names: S::NAMES,
            records: Vec::new(),
            default_resource: None,
            set: PhantomData,
        }
    }

    fn start(&mut self, name: &str) -> &mut Record {
        let at = self.records.len();
        self.records.push(Record {
            secret: name.to_owned(),
            target_name: None,
            strategy: None,
            resource: None,
        });
        &mut self.records[at]
    }

    /// Starts an injection of the secret `name` (a string or a `#[derive(SecretSet)]` variant),
    /// checked when the stack is built. Inside `stack!`, a string literal becomes
    /// `c.secret(c.names().NAME)`, checked by the compiler.
    pub fn secrets(&mut self, name: impl SecretRef) -> SecretInjection<'_, AnyProvider> {
        SecretInjection {
            record: self.start(name.secret_name()),
            provider: PhantomData,
        }
    }

    /// Starts an injection of a declared secret of this injector's set, e.g.
    /// `c.secret(c.names().DATABASE_URL)`: the name and the provider type `P` are checked by types.
    pub fn secret<P>(&mut self, name: SecretName<P, S>) -> SecretInjection<'_, P> {
        SecretInjection {
            record: self.start(name.name()),
            provider: PhantomData,
        }
    }

    /// [`secret`](Self::secret) with the name picked from this injector's names:
    /// `c.secret_by(|names| names.DATABASE_URL)`. What `stack!` writes for `X.secrets("NAME")` when
    /// `X` is not a plain variable (`self.c`, `helper(c)`): `X` is evaluated once, and is still
    /// written first, so an IDE completes after it as in plain Rust.
    pub fn secret_by<P>(
        &mut self,
        pick: impl FnOnce(&'static S::Names) -> SecretName<P, S>,
    ) -> SecretInjection<'_, P> {
        let name = pick(S::NAMES);
        self.secret(name)
    }

    /// The names of this injector's set, one field per declared secret (see [`SecretSet::Names`]).
    pub fn names(&self) -> &'static S::Names {
        S::NAMES
    }

    /// The resource that injections without `.into_resource(..)` write to.
    pub fn set_default_resource_id(&mut self, id: impl Into<String>) {
        self.default_resource = Some(id.into());
    }
}

/// A secret chosen for injection, delivered by a provider of type `P`; nothing happens until `.inject()`.
#[must_use = "this secret is never injected: call `.inject()` (or `.inject(env { .. })`, ...) on it"]
pub struct SecretInjection<'a, P = AnyProvider> {
    record: &'a mut Record,
    provider: PhantomData<fn() -> P>,
}

impl<'a, P: ProviderType> SecretInjection<'a, P> {
    /// The variable name in the container (default: the secret's name).
    pub fn for_name(self, name: impl Into<String>) -> Self {
        self.record.target_name = Some(name.into());
        self
    }

    fn with(self, strategy: Option<Strategy>) -> Injected<'a> {
        self.record.strategy = Some(strategy);
        Injected {
            record: self.record,
        }
    }

    /// Injects with the provider's only strategy; a provider type with several does not compile
    /// (for a provider known at run time, [`build`](crate::Stack::build) reports it).
    pub fn inject(self) -> Injected<'a>
    where
        P: InjectDefault,
    {
        self.with(None)
    }

    /// Injects with a strategy value built at run time (`kubricate::strategy::env().container_index(1)`,
    /// ...); it is checked against the provider when the stack is built.
    pub fn inject_as(self, strategy: impl Into<Strategy>) -> Injected<'a> {
        self.with(Some(strategy.into()))
    }

    /// `inject(env { .. })` without `key`: one env var reading the Secret key named after the secret.
    pub fn inject_env(self, strategy: EnvStrategy) -> Injected<'a>
    where
        P: SupportsEnv + EnvWithoutKey,
    {
        self.with(Some(Strategy::Env(strategy)))
    }

    /// `inject(env { key: "..", .. })`: one env var reading the Secret key `key` (basic-auth `username`,
    /// TLS `tls.crt`, ...; the key's value is checked when the stack is built).
    pub fn inject_env_key(self, key: impl Into<String>, strategy: EnvStrategy) -> Injected<'a>
    where
        P: SupportsEnv + EnvWithKey,
    {
        self.with(Some(Strategy::Env(strategy.key(key))))
    }

    /// `inject(env_from { .. })`.
    pub fn inject_env_from(self, strategy: EnvFromStrategy) -> Injected<'a>
    where
        P: SupportsEnvFrom,
    {
        self.with(Some(Strategy::EnvFrom(strategy)))
    }

    /// `inject(image_pull_secret)`.
    pub fn inject_image_pull_secret(self) -> Injected<'a>
    where
        P: SupportsImagePullSecret,
    {
        self.with(Some(Strategy::ImagePullSecret))
    }

    /// `inject(volume { mount_path: "..", .. })`.
    pub fn inject_volume(self, strategy: VolumeStrategy) -> Injected<'a>
    where
        P: SupportsVolume,
    {
        self.with(Some(Strategy::Volume(strategy)))
    }
}

/// An injection with its strategy; may still choose its resource.
pub struct Injected<'a> {
    record: &'a mut Record,
}

impl Injected<'_> {
    /// Writes into the resource `id` (default: the injector's default, else the stack's only workload).
    pub fn into_resource(self, id: impl Into<String>) -> Self {
        self.record.resource = Some(id.into());
        self
    }
}
