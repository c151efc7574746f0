use std::collections::BTreeMap;
use std::path::PathBuf;

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
use crate::seal::SealingKey;

/// The annotation holding the keyed checksum of every sealed value, as a JSON object `{key: hex}`.
pub const CHECKSUMS_ANNOTATION: &str = "kubricate.thaitype.dev/sealed-checksums";

/// A Secret the [Bitnami sealed-secrets](https://github.com/bitnami-labs/sealed-secrets) controller
/// decrypts in the cluster: values are loaded through the connectors and `generate` writes a
/// `SealedSecret` (`bitnami.com/v1alpha1`) whose `encryptedData` only the controller's private key
/// opens. The output is safe to commit; `secret apply` has nothing to push for it.
///
/// Each secret is one key (its name, or the key given with [`secret_key`](Self::secret_key)) holding
/// the value byte for byte. Encryption is kubeseal's hybrid format (RSA-OAEP + AES-256-GCM), randomised:
/// to keep re-runs byte-identical, each entry records a keyed checksum of its value (HMAC-SHA256, see
/// [`crate::checksum`]) and the previous ciphertext is reused when it still matches.
///
/// ```no_run
/// use kubricate::{SealedSecretProvider, SealingScope};
/// let p = SealedSecretProvider::new("app-secrets", "sealed-secrets-cert.pem") // kubeseal --fetch-cert
///     .scope(SealingScope::NamespaceWide);
/// ```
#[derive(Debug, Clone)]
pub struct SealedSecretProvider {
    target: SecretTarget,
    certificate: Certificate,
    scope: SealingScope,
    secret_type: String,
    keys: IndexMap<String, String>,
}

#[derive(Debug, Clone)]
enum Certificate {
    File(PathBuf),
    Pem(String),
}

/// Where a sealed value may be decrypted (the controller checks it through the encryption label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SealingScope {
    /// Only as this name in this namespace (label `namespace/name`); kubeseal's default.
    #[default]
    Strict,
    /// Under any name in this namespace (label `namespace`).
    NamespaceWide,
    /// Under any name in any namespace (empty label).
    ClusterWide,
}

impl SealingScope {
    /// `strict`, `namespace-wide`, `cluster-wide` (kubeseal's `--scope` values).
    pub fn as_str(self) -> &'static str {
        match self {
            SealingScope::Strict => "strict",
            SealingScope::NamespaceWide => "namespace-wide",
            SealingScope::ClusterWide => "cluster-wide",
        }
    }

    /// The RSA-OAEP label (`EncryptionLabel` of sealed-secrets).
    fn label(self, namespace: &str, name: &str) -> String {
        match self {
            SealingScope::Strict => format!("{namespace}/{name}"),
            SealingScope::NamespaceWide => namespace.to_owned(),
            SealingScope::ClusterWide => String::new(),
        }
    }

    /// The annotation the controller reads the scope from (none for strict).
    fn annotation(self) -> Option<&'static str> {
        match self {
            SealingScope::Strict => None,
            SealingScope::NamespaceWide => Some("sealedsecrets.bitnami.com/namespace-wide"),
            SealingScope::ClusterWide => Some("sealedsecrets.bitnami.com/cluster-wide"),
        }
    }
}

impl SealedSecretProvider {
    /// The Secret `name`, sealed for the controller whose certificate is the PEM file `certificate`
    /// (what `kubeseal --fetch-cert` writes). The file is read when `generate` seals.
    pub fn new(name: impl Into<String>, certificate: impl Into<PathBuf>) -> Self {
        Self::with(name, Certificate::File(certificate.into()))
    }
    /// The same, with the certificate's PEM text.
    pub fn from_pem(name: impl Into<String>, certificate_pem: impl Into<String>) -> Self {
        Self::with(name, Certificate::Pem(certificate_pem.into()))
    }
    fn with(name: impl Into<String>, certificate: Certificate) -> Self {
        SealedSecretProvider {
            target: SecretTarget::new(name),
            certificate,
            scope: SealingScope::Strict,
            secret_type: "Opaque".to_owned(),
            keys: IndexMap::new(),
        }
    }
    /// Puts the SealedSecret and its Secret in `namespace` (default: each workload's namespace).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.target.namespace = Some(namespace.into());
        self
    }
    /// Where the sealed values may be decrypted (default [`SealingScope::Strict`]).
    pub fn scope(mut self, scope: SealingScope) -> Self {
        self.scope = scope;
        self
    }
    /// The Secret's `type` (default `Opaque`), e.g. `kubernetes.io/tls` with
    /// `.secret_key("CERT", "tls.crt").secret_key("KEY", "tls.key")`.
    pub fn secret_type(mut self, secret_type: impl Into<String>) -> Self {
        self.secret_type = secret_type.into();
        self
    }
    /// Stores the value of `secret` under the Secret key `key` instead of the secret's name.
    pub fn secret_key(mut self, secret: impl Into<String>, key: impl Into<String>) -> Self {
        self.keys.insert(secret.into(), key.into());
        self
    }

    fn key_of<'a>(&'a self, secret: &'a str) -> &'a str {
        self.keys.get(secret).map_or(secret, String::as_str)
    }

    fn config_error(&self, message: String) -> ProviderError {
        ProviderError::Config {
            provider: Self::INFO.kind,
            name: self.target.name.clone(),
            message,
        }
    }

    fn sealing_key(&self) -> Result<SealingKey, ProviderError> {
        let (pem, place) = match &self.certificate {
            Certificate::Pem(pem) => (pem.clone(), "the given certificate".to_owned()),
            Certificate::File(path) => (
                std::fs::read_to_string(path).map_err(|source| ProviderError::Io {
                    provider: Self::INFO.kind,
                    name: self.target.name.clone(),
                    path: path.clone(),
                    source,
                })?,
                format!("certificate {}", path.display()),
            ),
        };
        SealingKey::from_certificate_pem(&pem).map_err(|e| {
            self.config_error(format!(
                "{place}: {e}; fetch the controller's certificate with `kubeseal --fetch-cert > cert.pem`"
            ))
        })
    }

    /// The previous SealedSecret of this name in `namespace`: its checksums and encryptedData.
    fn previous<'a>(
        &self,
        namespace: &str,
        previous: &'a [Value],
    ) -> (
        BTreeMap<String, String>,
        Option<&'a serde_json::Map<String, Value>>,
    ) {
        let Some(doc) = previous.iter().find(|d| {
            d["apiVersion"] == "bitnami.com/v1alpha1"
                && d["kind"] == "SealedSecret"
                && d["metadata"]["name"] == self.target.name.as_str()
                && d["metadata"]["namespace"] == namespace
        }) else {
            return (BTreeMap::new(), None);
        };
        let sums = doc["metadata"]["annotations"][CHECKSUMS_ANNOTATION]
            .as_str()
            .and_then(|s| serde_json::from_str::<BTreeMap<String, String>>(s).ok())
            .unwrap_or_default();
        (sums, doc["spec"]["encryptedData"].as_object())
    }
}

super::facts::provider_facts!(SealedSecretProvider {
    strategies: [Env, EnvFrom, Volume, ImagePullSecret],
    env_key: checked
});

impl Provider for SealedSecretProvider {
    fn info(&self) -> &'static ProviderInfo {
        &Self::INFO
    }
    fn delivery(&self) -> Delivery {
        Delivery::GeneratedManifests { needs_values: true }
    }
    fn target(&self) -> &SecretTarget {
        &self.target
    }
    fn secret_type(&self) -> &str {
        &self.secret_type
    }
    fn check_config(&self) -> Result<(), ProviderError> {
        self.sealing_key().map(|_| ())
    }
    fn check_strategy(&self, secret: &str, strategy: &Strategy) -> Result<(), ProviderError> {
        super::common::check_pull_secret_type(
            secret,
            strategy,
            &self.secret_type,
            &format!("SealedSecretProvider `{}` seals", self.target.name),
            &format!("set .secret_type(\"kubernetes.io/dockerconfigjson\") and .secret_key(\"{secret}\", \".dockerconfigjson\")"),
        )
    }
    fn injection(
        &self,
        secret: &str,
        target_name: &str,
        strategy: &Strategy,
    ) -> Result<crate::model::pod_patch::PodPatch, ProviderError> {
        keyed_injection(
            &self.target.name,
            target_name,
            self.key_of(secret),
            strategy,
        )
    }
    fn prepare(
        &self,
        secret: &str,
        value: &SecretValue,
    ) -> Result<Vec<SecretEntry>, ProviderError> {
        let key = self.key_of(secret);
        if !is_data_key(key) {
            return Err(self.config_error(format!(
                "secret `{secret}`: `{key}` cannot be a Secret key (letters, digits, `-`, `_` and `.`, at most 253)"
            )));
        }
        Ok(vec![SecretEntry {
            key: key.to_owned(),
            value: value.to_bytes(),
        }])
    }
    fn manifests(&self, request: &ManifestRequest<'_>) -> Result<Vec<Value>, ProviderError> {
        let keys: Vec<&str> = request.data.keys().map(String::as_str).collect();
        check_required(&self.secret_type, &keys).map_err(|m| self.config_error(m))?;
        let Some(checksum_key) = request.checksum_key else {
            return Err(self.config_error(
                "no checksum key was given to seal with: set KUBRICATE_CHECKSUM_KEY or Project::checksum_key(..)".to_owned(),
            ));
        };
        let sealing = self.sealing_key()?;
        let (ns, name) = (request.namespace, self.target.name.as_str());
        let label = self.scope.label(ns, name);
        let (previous_sums, previous_data) = self.previous(ns, request.previous);

        let mut encrypted = serde_json::Map::new();
        let mut sums = BTreeMap::new();
        for (key, value) in request.data {
            let context = [
                "kubricate sealed-secret v1",
                ns,
                name,
                self.scope.as_str(),
                key.as_str(),
                sealing.fingerprint(),
            ];
            let sum = checksum_key.checksum(&context, value.expose());
            let reused = previous_sums
                .get(key)
                .filter(|prev| checksum_key.verify(&context, value.expose(), prev))
                .and_then(|_| previous_data?.get(key)?.as_str());
            let sealed = match reused {
                Some(previous) => previous.to_owned(),
                None => {
                    use base64::Engine;
                    let ct = sealing
                        .seal(&label, value.expose())
                        .map_err(|e| self.config_error(format!("cannot seal key `{key}`: {e}")))?;
                    base64::engine::general_purpose::STANDARD.encode(ct)
                }
            };
            encrypted.insert(key.clone(), Value::String(sealed));
            sums.insert(key.clone(), sum);
        }
        let sums = serde_json::to_string(&sums).map_err(|e| self.config_error(e.to_string()))?;
        let mut annotations = serde_json::Map::new();
        let mut template_meta = serde_json::Map::new();
        template_meta.insert("name".into(), json!(name));
        template_meta.insert("namespace".into(), json!(ns));
        if let Some(scope) = self.scope.annotation() {
            annotations.insert(scope.into(), json!("true"));
            template_meta.insert("annotations".into(), json!({ scope: "true" }));
        }
        annotations.insert(CHECKSUMS_ANNOTATION.into(), Value::String(sums));
        Ok(vec![json!({
            "apiVersion": "bitnami.com/v1alpha1",
            "kind": "SealedSecret",
            "metadata": { "name": name, "namespace": ns, "annotations": Value::Object(annotations) },
            "spec": {
                "encryptedData": Value::Object(encrypted),
                "template": { "metadata": Value::Object(template_meta), "type": self.secret_type },
            },
        })])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::ChecksumKey;
    use crate::model::secret_value::SecretBytes;

    const CERT: &str = include_str!("../../../examples/sealed-secrets/TEST-ONLY-sealing-cert.pem");

    fn key() -> ChecksumKey {
        ChecksumKey::new(b"test-only checksum key, 32 bytes".to_vec()).unwrap()
    }

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, SecretBytes> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), SecretBytes::from(v.as_bytes().to_vec())))
            .collect()
    }

    fn seal(p: &SealedSecretProvider, d: &BTreeMap<String, SecretBytes>, prev: &[Value]) -> Value {
        let k = key();
        let secrets: Vec<&str> = d.keys().map(String::as_str).collect();
        let req = ManifestRequest::new("shop", &secrets, d)
            .previous(prev)
            .checksum_key(&k);
        p.manifests(&req).unwrap().remove(0)
    }

    #[test]
    fn reuses_ciphertext_while_the_checksum_matches() {
        let p = SealedSecretProvider::from_pem("app", CERT);
        let d = data(&[("A", "one"), ("B", "two")]);
        let first = seal(&p, &d, &[]);
        let again = seal(&p, &d, std::slice::from_ref(&first));
        assert_eq!(first, again);
        let changed = seal(
            &p,
            &data(&[("A", "one"), ("B", "2")]),
            std::slice::from_ref(&first),
        );
        let enc = |v: &Value, k: &str| v["spec"]["encryptedData"][k].clone();
        assert_eq!(enc(&first, "A"), enc(&changed, "A"));
        assert_ne!(enc(&first, "B"), enc(&changed, "B"));
        // Without the previous output every entry is fresh.
        assert_ne!(enc(&first, "A"), enc(&seal(&p, &d, &[]), "A"));
    }

    #[test]
    fn another_scope_or_namespace_does_not_reuse() {
        let d = data(&[("A", "one")]);
        let strict = SealedSecretProvider::from_pem("app", CERT);
        let first = seal(&strict, &d, &[]);
        let wide = strict.clone().scope(SealingScope::NamespaceWide);
        let other = seal(&wide, &d, std::slice::from_ref(&first));
        assert_ne!(
            first["spec"]["encryptedData"]["A"],
            other["spec"]["encryptedData"]["A"]
        );
        assert_eq!(
            other["metadata"]["annotations"]["sealedsecrets.bitnami.com/namespace-wide"],
            "true"
        );
        assert_eq!(
            other["spec"]["template"]["metadata"]["annotations"]
                ["sealedsecrets.bitnami.com/namespace-wide"],
            "true"
        );
    }

    #[test]
    fn image_pull_needs_a_dockerconfigjson_type_and_keys_are_renamed() {
        let p = SealedSecretProvider::from_pem("reg", CERT);
        let err = p
            .check_strategy("REG", &Strategy::ImagePullSecret)
            .unwrap_err()
            .to_string();
        assert!(err.contains("seals a Secret of type `Opaque`"), "{err}");
        let p = p
            .secret_type("kubernetes.io/dockerconfigjson")
            .secret_key("REG", ".dockerconfigjson");
        assert!(p.check_strategy("REG", &Strategy::ImagePullSecret).is_ok());
        let entries = p.prepare("REG", &SecretValue::text("{}")).unwrap();
        assert_eq!(entries[0].key, ".dockerconfigjson");
        let bad = SealedSecretProvider::from_pem("x", CERT).secret_key("A", "a/b");
        assert!(bad.prepare("A", &SecretValue::text("v")).is_err());
    }

    #[test]
    fn output_holds_no_value_and_errors_are_named() {
        let p = SealedSecretProvider::from_pem("app", CERT);
        let v = seal(&p, &data(&[("A", "CANARY-sealed-value")]), &[]);
        assert!(!v.to_string().contains("CANARY"));
        let sums = v["metadata"]["annotations"][CHECKSUMS_ANNOTATION]
            .as_str()
            .unwrap();
        assert_eq!(
            serde_json::from_str::<BTreeMap<String, String>>(sums)
                .unwrap()
                .len(),
            1
        );

        let d = data(&[("A", "x")]);
        let req = ManifestRequest::new("shop", &["A"], &d);
        let err = p.manifests(&req).unwrap_err().to_string();
        assert!(err.contains("no checksum key"), "{err}");

        let missing = SealedSecretProvider::new("app", "/nonexistent/cert.pem");
        let k = key();
        let err = missing
            .manifests(&ManifestRequest::new("shop", &["A"], &d).checksum_key(&k))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("SealedSecretProvider `app`: cannot read /nonexistent/cert.pem"),
            "{err}"
        );
        assert_eq!(
            missing.check_config().unwrap_err().to_string(),
            err,
            "secret validate reports it too"
        );
        assert!(p.check_config().is_ok());
        let tls = SealedSecretProvider::from_pem("t", CERT).secret_type("kubernetes.io/tls");
        let err = tls
            .manifests(&ManifestRequest::new("shop", &["A"], &d).checksum_key(&k))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("needs the key(s) `tls.crt`, `tls.key`"),
            "{err}"
        );
    }
}
