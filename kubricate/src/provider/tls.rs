use super::common::{keyed_injection, prepare_fixed, FieldMap};
use super::{KeyRule, Provider, ProviderInfo, ProviderType, SecretEntry};
use crate::strategy::{Strategy, StrategyKind};
use crate::SecretValue;

/// A `kubernetes.io/tls` Secret from a value `{"cert","key"}` (PEM), as keys `tls.crt` and `tls.key`;
/// injected with `env` (`key: tls.crt|tls.key`), `envFrom` or `volume`.
#[derive(Debug, Clone)]
pub struct TlsSecretProvider {
    name: String,
    namespace: Option<String>,
}

impl TlsSecretProvider {
    /// Delivers the credential in the Secret `name`.
    pub fn new(name: impl Into<String>) -> Self {
        TlsSecretProvider {
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
        json: "cert",
        key: "tls.crt",
        required: true,
    },
    FieldMap {
        json: "key",
        key: "tls.key",
        required: true,
    },
];

impl ProviderType for TlsSecretProvider {
    const INFO: ProviderInfo = ProviderInfo {
        kind: "TlsSecretProvider",
        strategies: &[
            StrategyKind::Env,
            StrategyKind::EnvFrom,
            StrategyKind::Volume,
        ],
        env_key: KeyRule::OneOf(&["tls.crt", "tls.key"]),
    };
}

impl Provider for TlsSecretProvider {
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
        "kubernetes.io/tls"
    }
    fn injection(
        &self,
        _secret: &str,
        target_name: &str,
        strategy: &Strategy,
    ) -> Result<crate::inject::PodPatch, String> {
        keyed_injection(&self.name, target_name, "tls.crt", strategy)
    }
    fn prepare(&self, secret: &str, value: &SecretValue) -> Result<Vec<SecretEntry>, String> {
        prepare_fixed(Self::INFO.kind, secret, value, FIELDS)
    }
}
