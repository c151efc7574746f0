use super::common::{keyed_injection, reject_unknown_fields};
use super::{Provider, ProviderError, ProviderInfo, ProviderType, SecretEntry, SecretTarget};
use crate::model::secret_value::{ExposeSecret, SecretBytes, SecretValue};
use crate::model::strategy::Strategy;

/// A Secret of any `type` (e.g. `vendor.example.com/api-credentials`) from a flat JSON object value:
/// each field becomes a key. With [`allowed_keys`](Self::allowed_keys), a field outside them is an error.
///
/// ```
/// use kubricate::{CustomTypeSecretProvider, Provider, SecretValue};
/// let p = CustomTypeSecretProvider::new("api-creds", "vendor.example.com/api").allowed_keys(["token", "endpoint"]);
/// let err = p.prepare("API", &SecretValue::parse(r#"{"token":"t","region":"eu"}"#)).unwrap_err().to_string();
/// assert!(err.contains("2nd field") && err.contains("allowed: token, endpoint"));
/// ```
#[derive(Debug, Clone)]
pub struct CustomTypeSecretProvider {
    target: SecretTarget,
    secret_type: String,
    allowed_keys: Option<Vec<String>>,
}

impl CustomTypeSecretProvider {
    /// Delivers a Secret `name` of type `secret_type`.
    pub fn new(name: impl Into<String>, secret_type: impl Into<String>) -> Self {
        CustomTypeSecretProvider {
            target: SecretTarget::new(name),
            secret_type: secret_type.into(),
            allowed_keys: None,
        }
    }
    /// Puts the Secret in `namespace`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.target.namespace = Some(namespace.into());
        self
    }
    /// Restricts the keys the Secret may hold.
    pub fn allowed_keys<K: Into<String>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.allowed_keys = Some(keys.into_iter().map(Into::into).collect());
        self
    }
    fn allowed(&self) -> Option<Vec<&str>> {
        self.allowed_keys
            .as_ref()
            .map(|k| k.iter().map(String::as_str).collect())
    }
}

super::facts::provider_facts!(CustomTypeSecretProvider {
    strategies: [Env, EnvFrom, Volume],
    env_key: checked
});

impl Provider for CustomTypeSecretProvider {
    fn info(&self) -> &'static ProviderInfo {
        &Self::INFO
    }
    fn target(&self) -> &SecretTarget {
        &self.target
    }
    fn secret_type(&self) -> &str {
        &self.secret_type
    }
    fn check_strategy(&self, secret: &str, strategy: &Strategy) -> Result<(), ProviderError> {
        if let (Strategy::Env(env), Some(allowed)) = (strategy, self.allowed()) {
            if let Some(key) = env.key.as_deref() {
                if !allowed.contains(&key) {
                    return Err(ProviderError::strategy(secret, format!(
                        "secret `{secret}`: key `{key}` is not allowed by CustomTypeSecretProvider `{}`; allowed: {}",
                        self.target.name,
                        allowed.join(", ")
                    )));
                }
            }
        }
        Ok(())
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
        let invalid = |m: String| ProviderError::value(secret, m);
        let SecretValue::Object(map) = value else {
            return Err(invalid(format!("secret `{secret}` for CustomTypeSecretProvider `{}` must be a flat JSON object of string fields", self.target.name)));
        };
        if let Some(allowed) = self.allowed() {
            reject_unknown_fields(Self::INFO.kind, secret, value, &allowed).map_err(invalid)?;
        }
        if map.has_repeated_field() {
            return Err(invalid(format!("secret `{secret}` for CustomTypeSecretProvider `{}`: a field of its value is given twice; keep one", self.target.name)));
        }
        let mut out = Vec::with_capacity(map.len());
        for (i, (key, field)) in map.iter().enumerate() {
            // The key is named only when the provider allows it: otherwise it came from the value.
            let Some(s) = field.as_secret_str() else {
                let which = if self.allowed().is_some() {
                    format!("`{key}`")
                } else {
                    format!("the {} field", super::common::ordinal(i + 1))
                };
                return Err(invalid(format!("secret `{secret}` for CustomTypeSecretProvider `{}`: {which} must be a string, found {}", self.target.name, field.type_name())));
            };
            out.push(SecretEntry {
                key: key.to_owned(),
                value: SecretBytes::from(s.expose_secret().as_bytes().to_vec()),
            });
        }
        Ok(out)
    }
}
