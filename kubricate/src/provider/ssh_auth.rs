use super::common::{keyed_injection, prepare_fixed, FieldMap};
use super::{KeyRule, Provider, ProviderInfo, ProviderType, SecretEntry};
use crate::strategy::{Strategy, StrategyKind};
use crate::SecretValue;

/// A `kubernetes.io/ssh-auth` Secret from a value `{"ssh-privatekey", "known_hosts"?}`; `known_hosts` is
/// omitted when absent or empty. Injected with `env` (`key`), `envFrom` or `volume`.
#[derive(Debug, Clone)]
pub struct SshAuthSecretProvider {
    name: String,
    namespace: Option<String>,
}

impl SshAuthSecretProvider {
    /// Delivers the credential in the Secret `name`.
    pub fn new(name: impl Into<String>) -> Self {
        SshAuthSecretProvider {
            name: name.into(),
            namespace: None,
        }
    }
    /// Puts the Secret in `namespace`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }
}

const FIELDS: &[FieldMap] = &[
    FieldMap {
        json: "ssh-privatekey",
        key: "ssh-privatekey",
        required: true,
    },
    FieldMap {
        json: "known_hosts",
        key: "known_hosts",
        required: false,
    },
];

impl ProviderType for SshAuthSecretProvider {
    const INFO: ProviderInfo = ProviderInfo {
        kind: "SshAuthSecretProvider",
        strategies: &[
            StrategyKind::Env,
            StrategyKind::EnvFrom,
            StrategyKind::Volume,
        ],
        env_key: KeyRule::OneOf(&["ssh-privatekey", "known_hosts"]),
    };
}

impl Provider for SshAuthSecretProvider {
    fn info(&self) -> &'static ProviderInfo {
        &Self::INFO
    }
    fn secret_name(&self) -> &str {
        &self.name
    }
    fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
    fn secret_type(&self) -> &str {
        "kubernetes.io/ssh-auth"
    }
    fn injection(
        &self,
        _secret: &str,
        target_name: &str,
        strategy: &Strategy,
    ) -> Result<crate::inject::PodPatch, String> {
        keyed_injection(&self.name, target_name, "ssh-privatekey", strategy)
    }
    fn prepare(&self, secret: &str, value: &SecretValue) -> Result<Vec<SecretEntry>, String> {
        prepare_fixed(Self::INFO.kind, secret, value, FIELDS)
    }
}
