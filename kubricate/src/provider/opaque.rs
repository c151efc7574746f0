use super::common::keyed_injection;
use super::{KeyRule, Provider, ProviderInfo, ProviderType, SecretEntry};
use crate::strategy::{Strategy, StrategyKind};
use crate::SecretValue;

/// An `Opaque` Secret; each secret is one key, read by one container env var.
///
/// ```
/// use kubricate::{OpaqueSecretProvider, Provider};
/// let p = OpaqueSecretProvider::new("app-secrets");
/// assert_eq!(p.secret_name(), "app-secrets");
/// assert_eq!(p.secret_type(), "Opaque");
/// ```
#[derive(Debug, Clone)]
pub struct OpaqueSecretProvider {
    name: String,
    namespace: Option<String>,
}

impl OpaqueSecretProvider {
    /// Delivers secrets in the Secret `name`.
    pub fn new(name: impl Into<String>) -> Self {
        OpaqueSecretProvider {
            name: name.into(),
            namespace: None,
        }
    }
    /// Puts the Secret in `namespace` (default: the namespace of the stacks that use it, else `default`).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }
}

impl ProviderType for OpaqueSecretProvider {
    const INFO: ProviderInfo = ProviderInfo {
        kind: "OpaqueSecretProvider",
        strategies: &[StrategyKind::Env],
        env_key: KeyRule::SecretName,
    };
}

impl Provider for OpaqueSecretProvider {
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
        "Opaque"
    }
    fn injection(
        &self,
        secret: &str,
        target_name: &str,
        strategy: &Strategy,
    ) -> Result<crate::inject::PodPatch, String> {
        keyed_injection(&self.name, target_name, secret, strategy)
    }
    fn prepare(&self, secret: &str, value: &SecretValue) -> Result<Vec<SecretEntry>, String> {
        Ok(vec![SecretEntry {
            key: secret.to_owned(),
            value: value.to_bytes(),
        }])
    }
}
