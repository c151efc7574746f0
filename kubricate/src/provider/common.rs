//! Pieces every provider shares: env vars, `envFrom`, volumes, and reading structured values.

use serde_json::{json, Value};

use crate::model::pod_patch::PodPatch;
use crate::model::secret_value::{ExposeSecret, SecretBytes, SecretField, SecretValue};
use crate::model::strategy::{Strategy, VolumeStrategy};

/// `{name, valueFrom: {secretKeyRef: {name, key}}}`.
pub(crate) fn env_var(var_name: &str, secret_name: &str, key: &str) -> Value {
    json!({ "name": var_name, "valueFrom": { "secretKeyRef": { "name": secret_name, "key": key } } })
}

/// The patch of the `env`, `envFrom` and `volume` strategies for a Secret with keyed data.
pub(crate) fn keyed_injection(
    secret_name: &str,
    var_name: &str,
    default_key: &str,
    strategy: &Strategy,
) -> Result<PodPatch, super::ProviderError> {
    match strategy {
        Strategy::Env(s) => Ok(PodPatch::Env {
            container: s.container.clone(),
            var: env_var(
                var_name,
                secret_name,
                s.key.as_deref().unwrap_or(default_key),
            ),
            target_path: s.target_path.clone(),
        }),
        Strategy::EnvFrom(s) => Ok(PodPatch::EnvFrom {
            container: s.container.clone(),
            secret: secret_name.to_owned(),
            prefix: s.prefix.clone(),
        }),
        Strategy::Volume(v) => Ok(volume(secret_name, v)),
        Strategy::ImagePullSecret => Ok(PodPatch::ImagePullSecret {
            name: secret_name.to_owned(),
        }),
    }
}

/// A deterministic, valid volume name for a Secret: `secret-<name>` as a DNS-1123 label.
pub(crate) fn volume_name(secret_name: &str) -> String {
    let mut name: String = format!("secret-{secret_name}")
        .chars()
        .map(|c| if c == '.' { '-' } else { c })
        .collect();
    if name.len() > 63 {
        let digest = crate::hash::sha256_hex(secret_name.as_bytes());
        name.truncate(54);
        while name.ends_with('-') {
            name.pop();
        }
        name.push('-');
        name.push_str(&digest[..8]);
    }
    name
}

fn volume(secret_name: &str, v: &VolumeStrategy) -> PodPatch {
    let name = v
        .volume_name
        .clone()
        .unwrap_or_else(|| volume_name(secret_name));
    let mut secret = serde_json::Map::new();
    secret.insert("secretName".into(), json!(secret_name));
    if !v.items.is_empty() {
        secret.insert(
            "items".into(),
            Value::Array(
                v.items
                    .iter()
                    .map(|i| json!({ "key": i.key, "path": i.path }))
                    .collect(),
            ),
        );
    }
    if let Some(mode) = v.default_mode {
        secret.insert("defaultMode".into(), json!(mode));
    }
    PodPatch::Volume {
        container: v.container.clone(),
        volume: json!({ "name": name, "secret": Value::Object(secret) }),
        mount: json!({ "name": name, "mountPath": v.mount_path, "readOnly": true }),
    }
}

/// Reads named string fields of an object value, reporting every missing or mistyped field at once.
///
/// `required` fields must be present and strings; `optional` fields may be absent or null.
/// Returns the fields in the order of `required` then `optional` (`None` for an absent optional).
pub(crate) fn string_fields(
    provider: &str,
    secret: &str,
    value: &SecretValue,
    required: &[&str],
    optional: &[&str],
) -> Result<Vec<Option<SecretBytes>>, String> {
    let expected = required
        .iter()
        .chain(optional)
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let SecretValue::Object(map) = value else {
        return Err(format!(
            "secret `{secret}` for {provider} must be a JSON object with fields {{{expected}}}, but its value is not a JSON object"
        ));
    };
    if map.has_repeated_field() {
        return Err(format!(
            "secret `{secret}` for {provider} must be a JSON object with fields {{{expected}}}: a field is given twice; keep one"
        ));
    }
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    let mut out = Vec::with_capacity(required.len() + optional.len());
    for (i, field) in required.iter().chain(optional).enumerate() {
        let is_required = i < required.len();
        match map.get(field) {
            Some(f) => match f.as_secret_str() {
                Some(s) => out.push(Some(SecretBytes::from(
                    s.expose_secret().as_bytes().to_vec(),
                ))),
                None if !is_required && matches!(f, SecretField::Null) => out.push(None),
                None => {
                    wrong.push(format!(
                        "`{field}` must be a string, found {}",
                        f.type_name()
                    ));
                    out.push(None);
                }
            },
            None if is_required => missing.push(*field),
            None => out.push(None),
        }
    }
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("missing field(s): {}", missing.join(", ")));
    }
    problems.extend(wrong);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "secret `{secret}` for {provider} must be a JSON object with fields {{{expected}}}: {}",
            problems.join("; ")
        ))
    }
}

/// Rejects object fields outside `allowed`, naming their positions and the allowed names (a field name
/// outside the schema comes from the value, so it is not shown).
pub(crate) fn reject_unknown_fields(
    provider: &str,
    secret: &str,
    value: &SecretValue,
    allowed: &[&str],
) -> Result<(), String> {
    let unknown: Vec<String> = value
        .field_names()
        .into_iter()
        .enumerate()
        .filter(|(_, f)| !allowed.contains(f))
        .map(|(i, _)| ordinal(i + 1))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "secret `{secret}` for {provider} has {} unknown field(s) (the {} field of its value); allowed: {}",
            unknown.len(),
            unknown.join(", "),
            allowed.join(", ")
        ))
    }
}

/// `1st`, `2nd`, `3rd`, `4th`, ... for naming a field by position.
pub(crate) fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// One field of a fixed-shape value: its JSON name, the Secret key it becomes, and whether it is required.
pub(crate) struct FieldMap {
    pub json: &'static str,
    pub key: &'static str,
    pub required: bool,
}

/// Prepares a fixed-shape value (basic-auth, TLS, SSH): checks the JSON shape, rejects unknown fields,
/// and maps fields to Secret keys. Absent or empty optional fields are omitted.
pub(crate) fn prepare_fixed(
    provider: &str,
    secret: &str,
    value: &SecretValue,
    fields: &[FieldMap],
) -> Result<Vec<super::SecretEntry>, String> {
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.json)
        .collect();
    let optional: Vec<&str> = fields
        .iter()
        .filter(|f| !f.required)
        .map(|f| f.json)
        .collect();
    let values = string_fields(provider, secret, value, &required, &optional)?;
    let all: Vec<&str> = required.iter().chain(&optional).copied().collect();
    reject_unknown_fields(provider, secret, value, &all)?;
    let mut out = Vec::new();
    for (json_name, v) in all.iter().zip(values) {
        let Some(v) = v else { continue };
        let spec = fields
            .iter()
            .find(|f| f.json == *json_name)
            .map(|f| (f.key, f.required));
        let Some((key, required)) = spec else {
            continue;
        };
        if v.is_empty() {
            if required {
                return Err(format!(
                    "secret `{secret}` for {provider}: field `{json_name}` is empty"
                ));
            }
            continue;
        }
        out.push(super::SecretEntry {
            key: key.to_owned(),
            value: v,
        });
    }
    Ok(out)
}

/// The kubelet reads `imagePullSecrets` only from a `kubernetes.io/dockerconfigjson` Secret, so a
/// provider whose Secret is made by a controller with another type cannot serve that strategy.
/// `made` says who makes the Secret (``ExternalSecretProvider `app` makes``), `fix` how to map it.
pub(crate) fn check_pull_secret_type(
    secret: &str,
    strategy: &Strategy,
    secret_type: &str,
    made: &str,
    fix: &str,
) -> Result<(), super::ProviderError> {
    if matches!(strategy, Strategy::ImagePullSecret)
        && secret_type != "kubernetes.io/dockerconfigjson"
    {
        return Err(super::ProviderError::strategy(
            secret,
            format!(
                "secret `{secret}`: {made} a Secret of type `{secret_type}`, which the kubelet does not read from imagePullSecrets; {fix}"
            ),
        ));
    }
    Ok(())
}
