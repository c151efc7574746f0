use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::common::{keyed_injection, string_fields};
use super::{
    target_builders, Provider, ProviderError, ProviderInfo, ProviderType, SecretEntry, SecretTarget,
};
use crate::model::secret_value::{zeroizing_json, ZeroizingJson};
use crate::model::secret_value::{ExposeSecret, SecretBytes, SecretValue};
use crate::model::strategy::Strategy;

/// A `kubernetes.io/dockerconfigjson` Secret, added to the pod's `imagePullSecrets`.
///
/// Each secret's value is `{"username","password","registry"}`; secrets of several registries merge into
/// one `.dockerconfigjson` with an `auths` entry per registry, as `kubectl create secret docker-registry`
/// writes it.
///
/// A value may also be a whole docker `config.json` (`{"auths":{"<registry>":{"auth":".."}}}`, e.g. read
/// by a [`FileConnector`](crate::FileConnector) from `~/.docker/config.json`), as `kubectl create secret
/// generic --from-file=.dockerconfigjson=..` takes it: its shape is checked (an `auths` object whose
/// entries hold `auth`, or `username` and `password`, as strings; no `credsStore`/`credHelpers`, whose
/// credentials are not in the file) and, when it is the provider's only secret, it is delivered byte for
/// byte. Merged with other secrets, its `auths` entries are merged (and re-serialised).
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
        if let Some(text) = value.as_text() {
            if let Some(entry) = whole_config(secret, text.expose_secret()).map_err(invalid)? {
                return Ok(vec![entry]);
            }
        }
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
    fn key_label(&self, _key: &str) -> String {
        // The entry key is the registry host of a value.
        "one registry entry (the same `registry`)".to_owned()
    }
    fn encode(&self, entries: &IndexMap<String, SecretBytes>) -> BTreeMap<String, SecretBytes> {
        if let (1, Some(whole)) = (entries.len(), entries.get(WHOLE_CONFIG)) {
            return BTreeMap::from([(".dockerconfigjson".to_owned(), whole.clone())]);
        }
        // A whole config.json merged with other secrets contributes its `auths` entries one by one
        // (a registry that another secret names explicitly keeps that secret's entry).
        let mut parts: Vec<(String, SecretBytes)> = Vec::with_capacity(entries.len());
        for (registry, bytes) in entries {
            if registry != WHOLE_CONFIG {
                parts.push((registry.clone(), bytes.clone()));
                continue;
            }
            let doc = ZeroizingJson(
                serde_json::from_slice(bytes.expose()).unwrap_or(serde_json::Value::Null),
            );
            if let Some(serde_json::Value::Object(auths)) = doc.0.get("auths") {
                for (reg, entry) in auths {
                    if !entries.contains_key(reg) {
                        parts.push((
                            reg.clone(),
                            SecretBytes::from_zeroizing(zeroizing_json(entry)),
                        ));
                    }
                }
            }
        }
        // `{"auths":{"<registry>":<entry>,...}}`, joined from the entries' own compact JSON (what
        // re-serializing a parsed tree would give) instead of parsing them again: no tree of values to
        // drop unzeroized, and a buffer sized up front that never grows.
        let keys: Vec<String> = parts
            .iter()
            .map(|(r, _)| serde_json::to_string(r).unwrap_or_else(|_| "\"\"".to_owned()))
            .collect();
        let len = br#"{"auths":{}}"#.len()
            + keys.iter().map(|k| k.len() + 1).sum::<usize>()
            + parts.iter().map(|(_, b)| b.len() + 1).sum::<usize>();
        let mut doc = zeroize::Zeroizing::new(Vec::with_capacity(len));
        doc.extend_from_slice(br#"{"auths":{"#);
        for (i, (key, (_, bytes))) in keys.iter().zip(&parts).enumerate() {
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

/// The entry key of a value that is a whole docker config (no registry host is spelt like this).
const WHOLE_CONFIG: &str = ".dockerconfigjson";

/// A value that is a whole docker `config.json`, checked, as one entry; `None` for any other shape.
fn whole_config(secret: &str, text: &str) -> Result<Option<SecretEntry>, String> {
    let parsed = ZeroizingJson(serde_json::from_str(text).unwrap_or(serde_json::Value::Null));
    let serde_json::Value::Object(doc) = &parsed.0 else {
        return Ok(None);
    };
    let err = |problem: &str| {
        format!("secret `{secret}` for DockerConfigSecretProvider is a docker config.json, but {problem}")
    };
    let looks_like_config = ["auths", "credsStore", "credHelpers"]
        .iter()
        .any(|k| doc.contains_key(*k));
    if !looks_like_config {
        return Ok(None);
    }
    if doc.contains_key("credsStore") || doc.contains_key("credHelpers") {
        return Err(err("it names a credential store (`credsStore`/`credHelpers`): its credentials are not in the file; log in with a plain `auths` entry (e.g. `docker login` with no helper configured) or give {\"username\",\"password\",\"registry\"}"));
    }
    let Some(serde_json::Value::Object(auths)) = doc.get("auths") else {
        return Err(err("its `auths` is not an object"));
    };
    if auths.is_empty() {
        return Err(err("its `auths` is empty"));
    }
    for (i, entry) in auths.values().enumerate() {
        let n = super::common::ordinal(i + 1);
        let Some(entry) = entry.as_object() else {
            return Err(err(&format!("the {n} entry of `auths` is not an object")));
        };
        let s = |k: &str| {
            entry
                .get(k)
                .and_then(serde_json::Value::as_str)
                .filter(|v| !v.is_empty())
        };
        let auth_ok = match s("auth") {
            Some(a) => {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .decode(a)
                    .ok()
                    .is_some_and(|d| d.contains(&b':'))
            }
            None => false,
        };
        if !auth_ok && (s("username").is_none() || s("password").is_none()) {
            return Err(err(&format!("the {n} entry of `auths` has neither a base64 `auth` of `user:password` nor a `username` and `password`")));
        }
    }
    Ok(Some(SecretEntry {
        key: WHOLE_CONFIG.to_owned(),
        value: SecretBytes::from(text.as_bytes().to_vec()),
    }))
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
    fn a_whole_config_json_is_checked_and_delivered_byte_for_byte() {
        let p = DockerConfigSecretProvider::new("r");
        let raw = "{\n  \"auths\": {\n    \"ghcr.io\": { \"auth\": \"dTpDQU5BUlk=\" }\n  }\n}\n";
        let entries: IndexMap<String, SecretBytes> = p
            .prepare("CFG", &SecretValue::parse(raw))
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect();
        assert_eq!(
            p.encode(&entries)[".dockerconfigjson"].expose(),
            raw.as_bytes()
        );
        for (bad, why) in [
            (
                r#"{"auths":{"CANARY.example":{"auth":"bm9jb2xvbg=="}}}"#,
                "neither a base64",
            ),
            (
                r#"{"auths":{"CANARY.example":{"username":"CANARY"}}}"#,
                "neither a base64",
            ),
            (r#"{"auths":[],"x":"CANARY"}"#, "not an object"),
            (r#"{"auths":{}}"#, "is empty"),
            (
                r#"{"auths":{"CANARY":{"auth":"dTpw"}},"credsStore":"desktop"}"#,
                "credential store",
            ),
        ] {
            let err = p
                .prepare("CFG", &SecretValue::parse(bad))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(why) && err.contains("`CFG`") && !err.contains("CANARY"),
                "{err}"
            );
        }
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
