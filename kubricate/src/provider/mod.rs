//! Providers: how a secret is delivered to Kubernetes.
//!
//! A provider instance owns one Kubernetes Secret (its `name`, in its namespace). It says three things:
//! how that Secret reaches the cluster (its [`Delivery`]), what injecting a secret adds to a pod (an
//! env var, an `envFrom`, an image pull secret, a volume), and which `data` keys the Secret holds.
//!
//! Adding a provider is one file here and one `mod`/`pub use` line below.

mod common;
mod custom_type;
mod docker_config;
mod external_secret;
pub mod facts;
mod fixed;
mod opaque;
#[cfg(feature = "sealed-secrets")]
mod sealed_secret;
mod typed_keys;
pub(crate) mod value;
pub use value::DataProblem;

pub use custom_type::CustomTypeSecretProvider;
pub use docker_config::DockerConfigSecretProvider;
pub use external_secret::{CreationPolicy, ExternalSecretProvider, RemoteRef, SecretStoreRef};
pub use facts::AnyProvider;
pub use fixed::{BasicAuthSecretProvider, SshAuthSecretProvider, TlsSecretProvider};
pub use opaque::OpaqueSecretProvider;
#[cfg(feature = "sealed-secrets")]
pub use sealed_secret::{SealedSecretProvider, SealingScope};

/// How a provider's Secret reaches the cluster.
///
/// | Delivery | values loaded | `generate` writes | `secret apply` applies |
/// |---|---|---|---|
/// | `AppliedSecret` | yes | nothing | the Secret |
/// | `GeneratedManifests { needs_values: false }` (ExternalSecret) | no, no connector needed | the manifests | nothing |
/// | `GeneratedManifests { needs_values: true }` (SealedSecret) | yes | the manifests | nothing |
/// | `External` | no, no connector needed | nothing | nothing |
///
/// `secret validate` checks every reference of the workloads against all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// `secret apply` builds the Secret from loaded values and applies it with kubectl.
    AppliedSecret,
    /// `generate` writes manifests beside the workloads (an `ExternalSecret`, a `SealedSecret`) from
    /// which a controller in the cluster makes the Secret; [`Provider::manifests`] writes them.
    GeneratedManifests {
        /// Whether the manifests are made from loaded values (sealed) or from configuration alone.
        needs_values: bool,
    },
    /// The Secret is made outside kubricate (by hand, by another tool): nothing is written or applied,
    /// and references are checked against [`Provider::declared_keys`] when it knows them.
    External,
}

impl Delivery {
    /// Whether the provider's secrets are loaded through connectors.
    pub fn needs_values(self) -> bool {
        match self {
            Delivery::AppliedSecret => true,
            Delivery::GeneratedManifests { needs_values } => needs_values,
            Delivery::External => false,
        }
    }
}

/// Why a provider cannot serve a secret. Messages name secrets, fields and files, never values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// A loaded value does not have the shape the provider needs.
    #[error("{message}")]
    Value {
        /// The secret.
        secret: String,
        /// What is wrong, naming fields (never their content).
        message: String,
    },
    /// An injection option the provider instance cannot serve.
    #[error("{message}")]
    Strategy {
        /// The secret.
        secret: String,
        /// What is wrong and the fix.
        message: String,
    },
    /// The provider's configuration is unusable (a certificate that does not parse, a key the Secret
    /// type does not allow).
    #[error("{provider} `{name}`: {message}")]
    Config {
        /// The provider kind.
        provider: &'static str,
        /// The Secret name of the instance.
        name: String,
        /// What is wrong and the fix.
        message: String,
    },
    /// A file the provider reads cannot be read.
    #[error("{provider} `{name}`: cannot read {}: {source}", path.display())]
    Io {
        /// The provider kind.
        provider: &'static str,
        /// The Secret name of the instance.
        name: String,
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// No keyed checksum key for output that must stay byte-identical across runs.
    #[error("{provider} `{name}`: {source}")]
    ChecksumKey {
        /// The provider kind.
        provider: &'static str,
        /// The Secret name of the instance.
        name: String,
        /// Why the key is missing.
        #[source]
        source: crate::checksum::ChecksumKeyError,
    },
}

impl ProviderError {
    /// A value-shape problem of `secret`.
    pub fn value(secret: &str, message: impl Into<String>) -> Self {
        ProviderError::Value {
            secret: secret.to_owned(),
            message: message.into(),
        }
    }

    /// A strategy problem of `secret`.
    pub fn strategy(secret: &str, message: impl Into<String>) -> Self {
        ProviderError::Strategy {
            secret: secret.to_owned(),
            message: message.into(),
        }
    }
}

/// What [`Provider::manifests`] gets: one Secret of the provider in one namespace.
#[non_exhaustive]
pub struct ManifestRequest<'a> {
    /// The namespace the Secret is delivered in.
    pub namespace: &'a str,
    /// The provider's secrets, in declaration order.
    pub secrets: &'a [&'a str],
    /// The Secret's `data` after [`Provider::encode`] (empty when the provider needs no values).
    pub data: &'a BTreeMap<String, SecretBytes>,
    /// The documents of the previous output in this namespace, for output that must not change when
    /// the input did not (ciphertext is random: a SealedSecret reuses the previous one).
    pub previous: &'a [serde_json::Value],
    /// The keyed checksum key, when the delivery needs values.
    pub checksum_key: Option<&'a crate::checksum::ChecksumKey>,
}

impl<'a> ManifestRequest<'a> {
    /// A request; `previous` empty and no checksum key.
    pub fn new(
        namespace: &'a str,
        secrets: &'a [&'a str],
        data: &'a BTreeMap<String, SecretBytes>,
    ) -> Self {
        ManifestRequest {
            namespace,
            secrets,
            data,
            previous: &[],
            checksum_key: None,
        }
    }

    /// With the previous output's documents.
    pub fn previous(mut self, previous: &'a [serde_json::Value]) -> Self {
        self.previous = previous;
        self
    }

    /// With the checksum key.
    pub fn checksum_key(mut self, key: &'a crate::checksum::ChecksumKey) -> Self {
        self.checksum_key = Some(key);
        self
    }
}

/// The Kubernetes Secret a provider instance owns: its name and, when set, its namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretTarget {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; `None`: the namespace of the workloads that use it.
    pub namespace: Option<String>,
}

impl SecretTarget {
    /// A Secret called `name`, namespace left to the workloads.
    pub fn new(name: impl Into<String>) -> Self {
        SecretTarget {
            name: name.into(),
            namespace: None,
        }
    }
}

/// `new(name)` and `namespace(ns)` for providers whose only configuration is their [`SecretTarget`].
macro_rules! target_builders {
    ($ty:ident) => {
        impl $ty {
            /// Delivers secrets in the Secret `name`.
            pub fn new(name: impl Into<String>) -> Self {
                $ty {
                    target: $crate::provider::SecretTarget::new(name),
                }
            }
            /// Puts the Secret in `namespace` (default: the namespace of each workload that uses it).
            pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
                self.target.namespace = Some(namespace.into());
                self
            }
        }
    };
}
pub(crate) use target_builders;

use std::collections::BTreeMap;

use indexmap::IndexMap;

use crate::model::pod_patch::PodPatch;
use crate::model::secret_value::{SecretBytes, SecretValue};
use crate::model::strategy::{Strategy, StrategyKind};

/// What a provider type supports, known at compile time (the `stack!` checks read it).
#[derive(Debug, Clone, Copy)]
pub struct ProviderInfo {
    /// Type name, e.g. `"OpaqueSecretProvider"`.
    pub kind: &'static str,
    /// Supported strategies; the first is the default when it is the only one.
    pub strategies: &'static [StrategyKind],
    /// What the `key` option of `env` means for this provider.
    pub env_key: KeyRule,
}

/// The `key` option of the `env` strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRule {
    /// The key is the secret's own name; `key` is not an option.
    SecretName,
    /// `key` is required and must be one of these.
    OneOf(&'static [&'static str]),
    /// `key` is required; the provider instance checks it (custom Secret types).
    Checked,
}

impl ProviderInfo {
    /// The strategy `.inject()` uses when no kind is given: the only one supported, if there is one.
    pub const fn default_strategy(&self) -> Option<StrategyKind> {
        if self.strategies.len() == 1 {
            Some(self.strategies[0])
        } else {
            None
        }
    }

    /// Whether `kind` is supported.
    pub fn supports(&self, kind: StrategyKind) -> bool {
        self.strategies.contains(&kind)
    }

    /// `env, env_from` — for messages, spelled as `stack!` and the typed chain write them.
    pub fn strategy_list(&self) -> String {
        self.strategies
            .iter()
            .map(|s| s.rust_name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Static facts of a provider type; implemented by every provider.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a secret provider type",
    label = "not a provider: expected a type such as `OpaqueSecretProvider`",
    note = "a secret's provider is a type implementing `kubricate::ProviderType`, e.g. OpaqueSecretProvider, DockerConfigSecretProvider, BasicAuthSecretProvider"
)]
pub trait ProviderType {
    /// The facts.
    const INFO: ProviderInfo;
}

/// One `data` entry a loaded value becomes, before encoding (docker config entries are per registry).
#[derive(Debug)]
pub struct SecretEntry {
    /// Entry key (a `data` key, or a registry for docker config).
    pub key: String,
    /// The bytes.
    pub value: SecretBytes,
}

/// A provider instance.
pub trait Provider: Send + Sync + 'static {
    /// The static facts of this provider's type.
    fn info(&self) -> &'static ProviderInfo;

    /// How the Secret reaches the cluster (default: applied by `secret apply`).
    fn delivery(&self) -> Delivery {
        Delivery::AppliedSecret
    }

    /// The Kubernetes Secret this instance delivers.
    fn target(&self) -> &SecretTarget;

    /// The Secret's `metadata.name`.
    fn secret_name(&self) -> &str {
        &self.target().name
    }

    /// The namespace set on the instance, if any.
    fn namespace(&self) -> Option<&str> {
        self.target().namespace.as_deref()
    }

    /// The Secret's `type`.
    fn secret_type(&self) -> &str;

    /// Checks options that depend on the instance (allowed keys of a custom type). The static checks
    /// (strategy supported, `key` among the fixed ones) are done by the caller from [`ProviderInfo`].
    fn check_strategy(&self, _secret: &str, _strategy: &Strategy) -> Result<(), ProviderError> {
        Ok(())
    }

    /// What injecting `secret` as variable `target_name` with `strategy` adds to a pod.
    fn injection(
        &self,
        secret: &str,
        target_name: &str,
        strategy: &Strategy,
    ) -> Result<PodPatch, ProviderError>;

    /// The entries that the value of `secret` becomes. Errors name the secret and fields, never values.
    /// Called only when [`Delivery::needs_values`].
    fn prepare(&self, secret: &str, value: &SecretValue)
        -> Result<Vec<SecretEntry>, ProviderError>;

    /// Checks the instance's own configuration (a certificate that must parse, ...), so that
    /// `secret validate` reports it before `generate` needs it. Default: nothing to check.
    fn check_config(&self) -> Result<(), ProviderError> {
        Ok(())
    }

    /// The `data` keys the Secret holds for `secret`, for providers that load no values (an
    /// ExternalSecret's `secretKey`s); `None`: not known, references to the Secret are not key-checked.
    fn declared_keys(&self, _secret: &str) -> Option<Vec<String>> {
        None
    }

    /// The manifests `generate` writes for one Secret of a [`Delivery::GeneratedManifests`] provider,
    /// beside the workloads that use it. Default: none.
    fn manifests(
        &self,
        _request: &ManifestRequest<'_>,
    ) -> Result<Vec<serde_json::Value>, ProviderError> {
        Ok(Vec::new())
    }

    /// Encodes merged entries into the Secret's `data` (default: entries are the data).
    fn encode(&self, entries: &IndexMap<String, SecretBytes>) -> BTreeMap<String, SecretBytes> {
        entries
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Whether several secrets may be merged into this provider's Secret.
    fn allow_merge(&self) -> bool {
        true
    }

    /// How messages name the entry `key` (default: ``key `KEY` ``). A provider whose entry keys come
    /// from values (a docker registry host, a custom type's fields) names them without the key.
    fn key_label(&self, key: &str) -> String {
        format!("key `{key}`")
    }
}

/// Checks a strategy against a provider's static facts with the wording of the compile-time checks.
pub(crate) fn check_static(
    info: &ProviderInfo,
    secret: &str,
    strategy: &Strategy,
) -> Result<(), String> {
    let kind = strategy.kind();
    if !info.supports(kind) {
        return Err(format!(
            "secret `{secret}`: `{}` does not support the `{}` strategy; it supports: {}",
            info.kind,
            kind.rust_name(),
            info.strategy_list()
        ));
    }
    if let Strategy::Env(env) = strategy {
        match info.env_key {
            KeyRule::SecretName if env.key.is_some() => {
                return Err(format!(
                    "secret `{secret}`: option `key` does not apply to {}: its Secret key is the secret's name; remove `key`",
                    info.kind
                ));
            }
            KeyRule::OneOf(keys) if !env.key.as_deref().is_some_and(|k| keys.contains(&k)) => {
                let got = env
                    .key
                    .as_deref()
                    .map(|k| format!(" (got `{k}`)"))
                    .unwrap_or_default();
                return Err(format!(
                    "secret `{secret}`: {} needs `key` for the `env` strategy, one of: {}{got}",
                    info.kind,
                    keys.join(", ")
                ));
            }
            KeyRule::Checked if env.key.is_none() => {
                return Err(format!(
                    "secret `{secret}`: {} needs `key` for the `env` strategy",
                    info.kind
                ));
            }
            _ => {}
        }
    }
    if let Strategy::Volume(v) = strategy {
        if v.mount_path.is_empty() || !v.mount_path.starts_with('/') {
            return Err(format!("secret `{secret}`: the `volume` strategy needs an absolute `mount_path`, e.g. \"/etc/secrets\""));
        }
    }
    Ok(())
}
