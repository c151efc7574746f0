use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::common::{keyed_injection, string_fields};
use super::{
    target_builders, Provider, ProviderError, ProviderInfo, ProviderType, SecretEntry, SecretTarget,
};
use crate::model::secret_value::{zeroizing_json, ZeroizingJson};
use crate::model::secret_value::{SecretBytes, SecretValue};
use crate::model::strategy::Strategy;

/// A `kubernetes.io/dockerconfigjson` Secret, added to the pod's `imagePullSecrets`.
///
/// Each secret's value is `{"username","password","registry"}`; secrets of several registries merge into
/// one `.dockerconfigjson` with an `auths` entry per registry, as `kubectl create secret docker-registry`
/// writes it.
#[derive(Debug, Clone)]
pub struct DockerConfigSecretProvider {
    target: SecretTarget,
}

target_builders!(DockerConfigSecretProvider);

super::facts::provider_facts!(DockerConfigSecretProvider {
    strategies: [ImagePullSecret],
    env_key: secret_name
});

impl Provider for DockerConfigSecretProvider {
    fn info(&self) -> &'static ProviderInfo {
        &Self::INFO
    }
    fn target(&self) -> &SecretTarget {
        &self.target
    }
    fn secret_type(&self) -> &str {
        "kubernetes.io/dockerconfigjson"
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
        let fields = string_fields(
            Self::INFO.kind,
            secret,
            value,
            &["username", "password", "registry"],
            &[],
        )
        .map_err(invalid)?;
        let [Some(user), Some(pass), Some(registry)] = <[Option<SecretBytes>; 3]>::try_from(fields)
            .map_err(|_| invalid("internal: field count".to_owned()))?
        else {
            return Err(invalid(format!("secret `{secret}` for DockerConfigSecretProvider: username, password and registry must be strings")));
        };
        let registry = String::from_utf8_lossy(registry.expose()).into_owned();
        if registry.trim().is_empty() {
            return Err(invalid(format!(
                "secret `{secret}` for DockerConfigSecretProvider: `registry` is empty"
            )));
        }
        // Every copy of a value made here is zeroized: the strings, the `user:pass` text, the JSON tree
        // and the buffer it is written to (sized up front, so it never grows and leaves a copy behind).
        let user = zeroize::Zeroizing::new(String::from_utf8_lossy(user.expose()).into_owned());
        let pass = zeroize::Zeroizing::new(String::from_utf8_lossy(pass.expose()).into_owned());
        let mut user_pass =
            zeroize::Zeroizing::new(Vec::with_capacity(user.len() + 1 + pass.len()));
        user_pass.extend_from_slice(user.as_bytes());
        user_pass.push(b':');
        user_pass.extend_from_slice(pass.as_bytes());
        let auth = SecretBytes::from_zeroizing(user_pass).to_base64();
        let mut entry = serde_json::Map::new();
        entry.insert(
            "username".into(),
            serde_json::Value::String(String::clone(&user)),
        );
        entry.insert(
            "password".into(),
            serde_json::Value::String(String::clone(&pass)),
        );
        entry.insert(
            "auth".into(),
            serde_json::Value::String(String::clone(&auth)),
        );
        let entry = ZeroizingJson(serde_json::Value::Object(entry));
        let bytes = SecretBytes::from_zeroizing(zeroizing_json(&entry.0));
        Ok(vec![SecretEntry {
            key: registry,
            value: bytes,
        }])
    }
    fn encode(&self, entries: &IndexMap<String, SecretBytes>) -> BTreeMap<String, SecretBytes> {
        // `{"auths":{"<registry>":<entry>,...}}`, joined from the entries' own compact JSON (what
        // re-serializing a parsed tree would give) instead of parsing them again: no tree of values to
        // drop unzeroized, and a buffer sized up front that never grows.
        let keys: Vec<String> = entries
            .keys()
            .map(|r| serde_json::to_string(r).unwrap_or_else(|_| "\"\"".to_owned()))
            .collect();
        let len = br#"{"auths":{}}"#.len()
            + keys.iter().map(|k| k.len() + 1).sum::<usize>()
            + entries.values().map(|b| b.len() + 1).sum::<usize>();
        let mut doc = zeroize::Zeroizing::new(Vec::with_capacity(len));
        doc.extend_from_slice(br#"{"auths":{"#);
        for (i, (key, bytes)) in keys.iter().zip(entries.values()).enumerate() {
            if i > 0 {
                doc.push(b',');
            }
            doc.extend_from_slice(key.as_bytes());
            doc.push(b':');
            doc.extend_from_slice(bytes.expose());
        }
        doc.extend_from_slice(b"}}");
        let bytes = SecretBytes::from_zeroizing(doc);
        BTreeMap::from([(".dockerconfigjson".to_owned(), bytes)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_errors_name_fields_not_values() {
        let p = DockerConfigSecretProvider::new("r");
        let err = p
            .prepare("TOKEN", &SecretValue::parse(r#"{"username":"CANARY-x"}"#))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("missing field(s): password, registry"),
            "{err}"
        );
        assert!(!err.contains("CANARY"));
        let err = p
            .prepare("TOKEN", &SecretValue::parse("CANARY-plain"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a JSON object") && !err.contains("CANARY"),
            "{err}"
        );
        let err = p
            .prepare(
                "TOKEN",
                &SecretValue::parse(r#"{"username":"u","password":1,"registry":"r"}"#),
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`password` must be a string, found number"),
            "{err}"
        );
    }

    #[test]
    fn several_registries_merge_into_auths() {
        let p = DockerConfigSecretProvider::new("r");
        let mut entries = IndexMap::new();
        for (reg, user) in [("ghcr.io", "a"), ("registry.example.com", "b")] {
            let v = SecretValue::parse(&format!(
                r#"{{"username":"{user}","password":"p","registry":"{reg}"}}"#
            ));
            for e in p.prepare("S", &v).unwrap() {
                entries.insert(e.key, e.value);
            }
        }
        let data = p.encode(&entries);
        let doc: serde_json::Value =
            serde_json::from_slice(data[".dockerconfigjson"].expose()).unwrap();
        assert_eq!(doc["auths"]["ghcr.io"]["auth"], "YTpw");
        assert_eq!(doc["auths"]["registry.example.com"]["username"], "b");
    }
}
