use super::common::{keyed_injection, prepare_fixed, FieldMap};
use super::{KeyRule, Provider, ProviderInfo, ProviderType, SecretEntry};
use crate::strategy::{Strategy, StrategyKind};
use crate::SecretValue;

/// A `kubernetes.io/basic-auth` Secret from a value `{"username","password"}`; injected with `env`
/// (`key: username|password`) or `envFrom` (optional `prefix`).
#[derive(Debug, Clone)]
pub struct BasicAuthSecretProvider {
    name: String,
    namespace: Option<String>,
}

impl BasicAuthSecretProvider {
    /// Delivers the credential in the Secret `name`.
    pub fn new(name: impl Into<String>) -> Self {
        BasicAuthSecretProvider {
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
        json: "username",
        key: "username",
        required: true,
    },
    FieldMap {
        json: "password",
        key: "password",
        required: true,
    },
];

impl ProviderType for BasicAuthSecretProvider {
    const INFO: ProviderInfo = ProviderInfo {
        kind: "BasicAuthSecretProvider",
        strategies: &[StrategyKind::Env, StrategyKind::EnvFrom],
        env_key: KeyRule::OneOf(&["username", "password"]),
    };
}

impl Provider for BasicAuthSecretProvider {
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
        "kubernetes.io/basic-auth"
    }
    fn injection(
        &self,
        _secret: &str,
        target_name: &str,
        strategy: &Strategy,
    ) -> Result<crate::inject::PodPatch, String> {
        keyed_injection(&self.name, target_name, "username", strategy)
    }
    fn prepare(&self, secret: &str, value: &SecretValue) -> Result<Vec<SecretEntry>, String> {
        prepare_fixed(Self::INFO.kind, secret, value, FIELDS)
    }
}
