use super::common::keyed_injection;
use super::{
    target_builders, Provider, ProviderError, ProviderInfo, ProviderType, SecretEntry, SecretTarget,
};
use crate::model::secret_value::SecretValue;
use crate::model::strategy::Strategy;

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
    target: SecretTarget,
}

target_builders!(OpaqueSecretProvider);

super::facts::provider_facts!(OpaqueSecretProvider {
    strategies: [Env],
    env_key: secret_name
});

impl Provider for OpaqueSecretProvider {
    fn info(&self) -> &'static ProviderInfo {
        &Self::INFO
    }
    fn target(&self) -> &SecretTarget {
        &self.target
    }
    fn secret_type(&self) -> &str {
        "Opaque"
    }
    fn injection(
        &self,
        secret: &str,
        target_name: &str,
        strategy: &Strategy,
    ) -> Result<crate::model::pod_patch::PodPatch, ProviderError> {
        keyed_injection(&self.target.name, target_name, secret, strategy)
    }
    fn prepare(
        &self,
        secret: &str,
        value: &SecretValue,
    ) -> Result<Vec<SecretEntry>, ProviderError> {
        Ok(vec![SecretEntry {
            key: secret.to_owned(),
            value: value.to_bytes(),
        }])
    }
}
