use indexmap::IndexMap;
use serde_json::{json, Value};

use super::common::keyed_injection;
use super::typed_keys::{check_required, is_data_key};
use super::{
    Delivery, ManifestRequest, Provider, ProviderError, ProviderInfo, ProviderType, SecretEntry,
    SecretTarget,
};
use crate::model::secret_value::SecretValue;
use crate::model::strategy::Strategy;

/// A Secret synced by the [External Secrets Operator](https://external-secrets.io) from a secret store
/// (Vault, AWS/GCP/Azure secret managers, ...): `generate` writes an `ExternalSecret`
/// (`external-secrets.io/v1`) beside the workloads, and the operator in the cluster makes the Secret.
///
/// No value is loaded and no connector is needed; `secret apply` has nothing to push for it.
/// Each secret becomes one `data[]` entry: `secretKey` (the Secret key, by default the secret's name)
/// read from `remoteRef` (by default the remote key named like the secret).
///
/// ```
/// use kubricate::{ExternalSecretProvider, Provider, RemoteRef, SecretStoreRef};
/// let p = ExternalSecretProvider::new("app-secrets", SecretStoreRef::cluster("vault-backend"))
///     .refresh_interval("15m")
///     .remote("DATABASE_URL", RemoteRef::new("prod/app/db").property("url"));
/// assert_eq!(p.secret_name(), "app-secrets");
/// assert_eq!(p.declared_keys("DATABASE_URL"), Some(vec!["DATABASE_URL".to_owned()]));
/// ```
#[derive(Debug, Clone)]
pub struct ExternalSecretProvider {
    target: SecretTarget,
    store: SecretStoreRef,
    refresh_interval: String,
    creation_policy: CreationPolicy,
    secret_type: String,
    remotes: IndexMap<String, (String, RemoteRef)>,
}

/// The `SecretStore` (in the ExternalSecret's namespace) or `ClusterSecretStore` to read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretStoreRef {
    kind: &'static str,
    name: String,
}

impl SecretStoreRef {
    /// A `SecretStore` of the ExternalSecret's namespace.
    pub fn namespaced(name: impl Into<String>) -> Self {
        SecretStoreRef {
            kind: "SecretStore",
            name: name.into(),
        }
    }
    /// A `ClusterSecretStore`.
    pub fn cluster(name: impl Into<String>) -> Self {
        SecretStoreRef {
            kind: "ClusterSecretStore",
            name: name.into(),
        }
    }
}

/// Where one value lives in the store: a key and, for stores holding maps (JSON documents, Vault
/// KV), an optional property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRef {
    key: String,
    property: Option<String>,
}

impl RemoteRef {
    /// The remote key (a path or name in the store).
    pub fn new(key: impl Into<String>) -> Self {
        RemoteRef {
            key: key.into(),
            property: None,
        }
    }
    /// One property of the remote value.
    pub fn property(mut self, property: impl Into<String>) -> Self {
        self.property = Some(property.into());
        self
    }
}

/// `spec.target.creationPolicy`: who owns the Secret the operator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CreationPolicy {
    /// The operator creates the Secret and owns it (deleted with the ExternalSecret).
    #[default]
    Owner,
    /// The operator creates the Secret but does not own it.
    Orphan,
    /// The operator only merges into an existing Secret.
    Merge,
    /// The operator does not create or update a Secret.
    None,
}

impl CreationPolicy {
    fn as_str(self) -> &'static str {
        match self {
            CreationPolicy::Owner => "Owner",
            CreationPolicy::Orphan => "Orphan",
            CreationPolicy::Merge => "Merge",
            CreationPolicy::None => "None",
        }
    }
}

impl ExternalSecretProvider {
    /// The Secret `name`, synced from `store` every hour.
    pub fn new(name: impl Into<String>, store: SecretStoreRef) -> Self {
        ExternalSecretProvider {
            target: SecretTarget::new(name),
            store,
            refresh_interval: "1h".to_owned(),
            creation_policy: CreationPolicy::Owner,
            secret_type: "Opaque".to_owned(),
            remotes: IndexMap::new(),
        }
    }
    /// Puts the ExternalSecret and its Secret in `namespace` (default: each workload's namespace).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.target.namespace = Some(namespace.into());
        self
    }
    /// How often the operator re-reads the store (a Go duration: `1h`, `15m`, `0` for never).
    pub fn refresh_interval(mut self, interval: impl Into<String>) -> Self {
        self.refresh_interval = interval.into();
        self
    }
    /// `spec.target.creationPolicy` (default `Owner`).
    pub fn creation_policy(mut self, policy: CreationPolicy) -> Self {
        self.creation_policy = policy;
        self
    }
    /// The Secret's `type` (default `Opaque`), written as the target template's type:
    /// `kubernetes.io/dockerconfigjson`, `kubernetes.io/basic-auth`, `kubernetes.io/tls`,
    /// `kubernetes.io/ssh-auth`, ... Typed Secrets need their keys (map secrets with
    /// [`remote_into`](Self::remote_into)).
    pub fn secret_type(mut self, secret_type: impl Into<String>) -> Self {
        self.secret_type = secret_type.into();
        self
    }
    /// Reads `secret` from `remote`; its Secret key is the secret's name.
    pub fn remote(self, secret: impl Into<String>, remote: RemoteRef) -> Self {
        let secret = secret.into();
        let key = secret.clone();
        self.remote_into(secret, key, remote)
    }
    /// Reads `secret` from `remote` into the Secret key `secret_key` (`tls.crt`, `.dockerconfigjson`, ...).
    pub fn remote_into(
        mut self,
        secret: impl Into<String>,
        secret_key: impl Into<String>,
        remote: RemoteRef,
    ) -> Self {
        self.remotes
            .insert(secret.into(), (secret_key.into(), remote));
        self
    }

    /// The Secret key and remote reference of `secret`.
    fn mapping(&self, secret: &str) -> (String, RemoteRef) {
        self.remotes
            .get(secret)
            .cloned()
            .unwrap_or_else(|| (secret.to_owned(), RemoteRef::new(secret)))
    }

    fn config_error(&self, message: String) -> ProviderError {
        ProviderError::Config {
            provider: Self::INFO.kind,
            name: self.target.name.clone(),
            message,
        }
    }
}

super::facts::provider_facts!(ExternalSecretProvider {
    strategies: [Env, EnvFrom, Volume, ImagePullSecret],
    env_key: checked
});

/// Whether `s` is a Go duration as `time.ParseDuration` reads it (`1h30m`, `15m`, `0`).
fn is_go_duration(s: &str) -> bool {
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 || rest[..digits].matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .iter()
            .filter(|u| rest.starts_with(*u))
            .max_by_key(|u| u.len())
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

impl Provider for ExternalSecretProvider {
    fn info(&self) -> &'static ProviderInfo {
        &Self::INFO
    }
    fn delivery(&self) -> Delivery {
        Delivery::GeneratedManifests {
            needs_values: false,
        }
    }
    fn target(&self) -> &SecretTarget {
        &self.target
    }
    fn secret_type(&self) -> &str {
        &self.secret_type
    }
    fn check_strategy(&self, secret: &str, strategy: &Strategy) -> Result<(), ProviderError> {
        super::common::check_pull_secret_type(
            secret,
            strategy,
            &self.secret_type,
            &format!("ExternalSecretProvider `{}` makes", self.target.name),
            "set .secret_type(\"kubernetes.io/dockerconfigjson\") and map the secret to `.dockerconfigjson`",
        )
    }
    fn injection(
        &self,
        secret: &str,
        target_name: &str,
        strategy: &Strategy,
    ) -> Result<crate::model::pod_patch::PodPatch, ProviderError> {
        let (key, _) = self.mapping(secret);
        keyed_injection(&self.target.name, target_name, &key, strategy)
    }
    fn prepare(
        &self,
        secret: &str,
        _value: &SecretValue,
    ) -> Result<Vec<SecretEntry>, ProviderError> {
        // Never called: the delivery needs no values. Refuse rather than silently hold one.
        Err(ProviderError::value(
            secret,
            format!(
                "secret `{secret}`: ExternalSecretProvider `{}` does not take values: the External Secrets Operator reads them from the store",
                self.target.name
            ),
        ))
    }
    fn declared_keys(&self, secret: &str) -> Option<Vec<String>> {
        Some(vec![self.mapping(secret).0])
    }
    fn manifests(&self, request: &ManifestRequest<'_>) -> Result<Vec<Value>, ProviderError> {
        if !is_go_duration(&self.refresh_interval) {
            return Err(self.config_error(format!(
                "refresh interval `{}` is not a duration; write it like `1h`, `15m` or `0` (never refresh)",
                self.refresh_interval
            )));
        }
        if let Err(e) = crate::model::names::check_dns_subdomain(&self.store.name) {
            return Err(self.config_error(format!(
                "{} name `{}` {e}",
                self.store.kind, self.store.name
            )));
        }
        let mut data = Vec::with_capacity(request.secrets.len());
        let mut keys: IndexMap<String, &str> = IndexMap::new();
        for secret in request.secrets {
            let (key, remote) = self.mapping(secret);
            if !is_data_key(&key) {
                return Err(self.config_error(format!(
                    "secret `{secret}`: `{key}` cannot be a Secret key (letters, digits, `-`, `_` and `.`, at most 253)"
                )));
            }
            if remote.key.is_empty() {
                return Err(self.config_error(format!(
                    "secret `{secret}`: the remote key is empty; give RemoteRef::new(..) the key in the store"
                )));
            }
            if let Some(first) = keys.insert(key.clone(), secret) {
                return Err(self.config_error(format!(
                    "secrets `{first}` and `{secret}` both write Secret key `{key}`; one key holds one value: map one to another key with remote_into(..)"
                )));
            }
            let mut remote_ref = serde_json::Map::new();
            remote_ref.insert("key".into(), json!(remote.key));
            if let Some(p) = &remote.property {
                remote_ref.insert("property".into(), json!(p));
            }
            data.push(json!({ "secretKey": key, "remoteRef": Value::Object(remote_ref) }));
        }
        let key_list: Vec<&str> = keys.keys().map(String::as_str).collect();
        check_required(&self.secret_type, &key_list).map_err(|m| self.config_error(m))?;
        let mut target = serde_json::Map::new();
        target.insert("name".into(), json!(self.target.name));
        target.insert(
            "creationPolicy".into(),
            json!(self.creation_policy.as_str()),
        );
        if self.secret_type != "Opaque" {
            target.insert("template".into(), json!({ "type": self.secret_type }));
        }
        Ok(vec![json!({
            "apiVersion": "external-secrets.io/v1",
            "kind": "ExternalSecret",
            "metadata": { "name": self.target.name, "namespace": request.namespace },
            "spec": {
                "refreshInterval": self.refresh_interval,
                "secretStoreRef": { "name": self.store.name, "kind": self.store.kind },
                "target": Value::Object(target),
                "data": data,
            },
        })])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn manifest(p: &ExternalSecretProvider, secrets: &[&str]) -> Result<Value, ProviderError> {
        let data = BTreeMap::new();
        let mut docs = p.manifests(&ManifestRequest::new("shop", secrets, &data))?;
        assert_eq!(docs.len(), 1);
        Ok(docs.remove(0))
    }

    #[test]
    fn writes_store_target_and_data() {
        let p = ExternalSecretProvider::new("app", SecretStoreRef::namespaced("vault"))
            .remote("DB", RemoteRef::new("prod/db").property("url"))
            .creation_policy(CreationPolicy::Orphan);
        let doc = manifest(&p, &["DB", "API_KEY"]).unwrap();
        assert_eq!(
            doc["spec"],
            json!({
                "refreshInterval": "1h",
                "secretStoreRef": { "name": "vault", "kind": "SecretStore" },
                "target": { "name": "app", "creationPolicy": "Orphan" },
                "data": [
                    { "secretKey": "DB", "remoteRef": { "key": "prod/db", "property": "url" } },
                    { "secretKey": "API_KEY", "remoteRef": { "key": "API_KEY" } },
                ],
            })
        );
        assert_eq!(
            doc["metadata"],
            json!({ "name": "app", "namespace": "shop" })
        );
    }

    #[test]
    fn typed_targets_need_their_keys() {
        let p = ExternalSecretProvider::new("web-tls", SecretStoreRef::cluster("vault"))
            .secret_type("kubernetes.io/tls")
            .remote_into("CERT", "tls.crt", RemoteRef::new("web").property("crt"));
        let err = manifest(&p, &["CERT"]).unwrap_err().to_string();
        assert!(
            err.starts_with("ExternalSecretProvider `web-tls`: a `kubernetes.io/tls` Secret needs the key(s) `tls.key`"),
            "{err}"
        );
        let p = p.remote_into("KEY", "tls.key", RemoteRef::new("web").property("key"));
        let doc = manifest(&p, &["CERT", "KEY"]).unwrap();
        assert_eq!(
            doc["spec"]["target"]["template"],
            json!({ "type": "kubernetes.io/tls" })
        );
    }

    #[test]
    fn configuration_mistakes_are_named() {
        let store = SecretStoreRef::cluster("vault");
        let p = ExternalSecretProvider::new("a", store.clone()).refresh_interval("hourly");
        let err = manifest(&p, &["X"]).unwrap_err().to_string();
        assert!(
            err.contains("refresh interval `hourly` is not a duration"),
            "{err}"
        );
        let p = ExternalSecretProvider::new("a", store.clone())
            .remote_into("X", "k", RemoteRef::new("x"))
            .remote_into("Y", "k", RemoteRef::new("y"));
        let err = manifest(&p, &["X", "Y"]).unwrap_err().to_string();
        assert!(
            err.contains("secrets `X` and `Y` both write Secret key `k`"),
            "{err}"
        );
        let p = ExternalSecretProvider::new("a", store.clone()).remote_into(
            "X",
            "a/b",
            RemoteRef::new("x"),
        );
        assert!(manifest(&p, &["X"]).is_err());
        let p = ExternalSecretProvider::new("a", SecretStoreRef::cluster("Vault_1"));
        let err = manifest(&p, &["X"]).unwrap_err().to_string();
        assert!(err.contains("ClusterSecretStore name `Vault_1`"), "{err}");
    }

    #[test]
    fn go_durations() {
        for ok in ["0", "1h", "15m", "1h30m", "1.5h", "300ms", "10s"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["", "h", "1", "1d", "1h-", "-1h", "1..5h"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn image_pull_needs_a_dockerconfigjson_target() {
        let p = ExternalSecretProvider::new("reg", SecretStoreRef::cluster("vault"));
        let err = p
            .check_strategy("REG", &Strategy::ImagePullSecret)
            .unwrap_err()
            .to_string();
        assert!(err.contains("type `Opaque`"), "{err}");
        let p = p.secret_type("kubernetes.io/dockerconfigjson");
        assert!(p.check_strategy("REG", &Strategy::ImagePullSecret).is_ok());
        assert!(p.prepare("REG", &SecretValue::text("x")).is_err());
    }
}
