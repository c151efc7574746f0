//! The cross-check: every reference the generated manifests make to a Secret must be delivered as a
//! Secret of that name, holding that key, in the workload's namespace (a pod can only read Secrets of
//! its own namespace).
//!
//! References are read from the built manifests, not from the planned injections, so that a reference
//! written by a template or an `.override(..)` is checked too.
//!
//! [`pod_references`] lists what one manifest references (its unit tests show each kind).

use std::collections::HashMap;

use serde_json::Value;

use crate::deliver::secret::{DroppedKeys, MergedSecret};
use crate::model::resource::{value_at, Manifest, ResourceMap};
use crate::model::workload::pod_spec_path;

/// One reference a pod makes to a Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretReference {
    /// The Secret's name.
    pub secret: String,
    /// The container making it (`container 0 (`api`)`), or `None` for pod-level references
    /// (`imagePullSecrets`, volumes).
    pub container: Option<String>,
    /// How the Secret is used.
    pub usage: ReferenceUsage,
    /// Marked `optional: true`: Kubernetes starts the pod without it.
    pub optional: bool,
}

/// How a pod uses a Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceUsage {
    /// `env[].valueFrom.secretKeyRef`: one key.
    EnvKey {
        /// The variable.
        var: String,
        /// The key read.
        key: String,
    },
    /// `envFrom[].secretRef`: every key.
    EnvFrom,
    /// `imagePullSecrets[]`.
    ImagePullSecret,
    /// A `secret` volume (or a `projected` volume's `secret` source).
    Volume {
        /// The volume's name.
        volume: String,
        /// The `items` keys (empty: every key).
        keys: Vec<String>,
    },
}

impl ReferenceUsage {
    fn describe(&self) -> String {
        match self {
            ReferenceUsage::EnvKey { var, .. } => format!("env var `{var}`"),
            ReferenceUsage::EnvFrom => "envFrom".to_owned(),
            ReferenceUsage::ImagePullSecret => "imagePullSecrets".to_owned(),
            ReferenceUsage::Volume { volume, .. } => format!("volume `{volume}`"),
        }
    }
}

/// Every Secret reference in the pod template of `manifest` (none for kinds without pods).
pub fn pod_references(manifest: &Manifest) -> Vec<SecretReference> {
    let Some(path) = pod_spec_path(manifest.kind()) else {
        return Vec::new();
    };
    let mut pod = manifest.body();
    for seg in path {
        match pod.get(*seg) {
            Some(v) => pod = v,
            None => return Vec::new(),
        }
    }
    let mut out = Vec::new();
    for (field, label) in [
        ("initContainers", "init container"),
        ("containers", "container"),
    ] {
        for (i, c) in list(pod, field).iter().enumerate() {
            let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
            let container = format!("{label} {i} (`{name}`)");
            container_references(c, &container, &mut out);
        }
    }
    for entry in list(pod, "imagePullSecrets") {
        if let Some(name) = str_at(entry, "name") {
            out.push(SecretReference {
                secret: name.to_owned(),
                container: None,
                usage: ReferenceUsage::ImagePullSecret,
                optional: false,
            });
        }
    }
    for volume in list(pod, "volumes") {
        let vname = str_at(volume, "name").unwrap_or("?").to_owned();
        if let Some(secret) = volume.get("secret") {
            if let Some(name) = str_at(secret, "secretName") {
                out.push(volume_reference(name, &vname, secret));
            }
        }
        for source in list(volume.get("projected").unwrap_or(&Value::Null), "sources") {
            if let Some(secret) = source.get("secret") {
                if let Some(name) = str_at(secret, "name") {
                    out.push(volume_reference(name, &vname, secret));
                }
            }
        }
    }
    out
}

fn container_references(c: &Value, container: &str, out: &mut Vec<SecretReference>) {
    for var in list(c, "env") {
        let Some(r) = value_at(var, &["valueFrom", "secretKeyRef"]) else {
            continue;
        };
        if let Some(secret) = str_at(r, "name") {
            out.push(SecretReference {
                secret: secret.to_owned(),
                container: Some(container.to_owned()),
                usage: ReferenceUsage::EnvKey {
                    var: str_at(var, "name").unwrap_or("?").to_owned(),
                    key: str_at(r, "key").unwrap_or_default().to_owned(),
                },
                optional: is_optional(r),
            });
        }
    }
    for from in list(c, "envFrom") {
        let Some(r) = from.get("secretRef") else {
            continue;
        };
        if let Some(secret) = str_at(r, "name") {
            out.push(SecretReference {
                secret: secret.to_owned(),
                container: Some(container.to_owned()),
                usage: ReferenceUsage::EnvFrom,
                optional: is_optional(r),
            });
        }
    }
}

fn volume_reference(secret: &str, volume: &str, source: &Value) -> SecretReference {
    SecretReference {
        secret: secret.to_owned(),
        container: None,
        usage: ReferenceUsage::Volume {
            volume: volume.to_owned(),
            keys: list(source, "items")
                .iter()
                .filter_map(|i| str_at(i, "key"))
                .map(str::to_owned)
                .collect(),
        },
        optional: is_optional(source),
    }
}

fn list<'v>(obj: &'v Value, field: &str) -> &'v [Value] {
    obj.get(field)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn str_at<'v>(v: &'v Value, field: &str) -> Option<&'v str> {
    v.get(field).and_then(Value::as_str)
}

fn is_optional(v: &Value) -> bool {
    v.get("optional").and_then(Value::as_bool) == Some(true)
}

/// Secret types the kubelet reads from `imagePullSecrets`.
const PULL_SECRET_TYPES: [&str; 2] = ["kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg"];

/// Checks every reference of the built stacks against the merged Secrets.
///
/// Returns the problems (each naming stack, resource, container and the fix) and the number of
/// references checked. References to `external` Secret names are not checked: they are created
/// outside kubricate.
///
/// `dropped` explains keys an `overwrite` removed, so that a reference to one names that cause
/// rather than the strategy's options.
pub fn dangling_references(
    stacks: &[(String, ResourceMap)],
    secrets: &[MergedSecret],
    external: &[String],
    dropped: &DroppedKeys,
) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut checked = 0;
    // Looked up once per reference: a scan of every Secret made the check references × Secrets.
    let mut by_place: HashMap<(&str, &str), &MergedSecret> = HashMap::new();
    for s in secrets {
        by_place
            .entry((s.namespace.as_str(), s.name.as_str()))
            .or_insert(s);
    }
    for (stack_id, resources) in stacks {
        for (resource_id, manifest) in resources {
            let ns = manifest.namespace().unwrap_or("default");
            for r in pod_references(manifest) {
                if external.contains(&r.secret) {
                    continue;
                }
                checked += 1;
                // Formatted only for a problem: most references are fine.
                let site = || match &r.container {
                    Some(c) => format!("stack `{stack_id}`, resource `{resource_id}`, {c}"),
                    None => format!("stack `{stack_id}`, resource `{resource_id}`"),
                };
                let found = by_place.get(&(ns, r.secret.as_str())).copied();
                let why = |key: &str| {
                    dropped
                        .get(&(ns.to_owned(), r.secret.clone()))
                        .and_then(|keys| keys.get(key))
                        .cloned()
                };
                if let Some(p) = check_one(site, ns, &r, found, secrets, why) {
                    problems.push(p);
                }
            }
        }
    }
    (problems, checked)
}

/// The problem with reference `r` from namespace `ns`, if any; `found` is the Secret of that name
/// delivered in `ns`.
fn check_one(
    site: impl Fn() -> String,
    ns: &str,
    r: &SecretReference,
    found: Option<&MergedSecret>,
    secrets: &[MergedSecret],
    dropped_because: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let name = &r.secret;
    let what = || r.usage.describe();
    let Some(secret) = found else {
        if r.optional {
            return None;
        }
        let (site, what) = (site(), what());
        let elsewhere: Vec<String> = secrets
            .iter()
            .filter(|s| s.name == *name)
            .map(|s| format!("`{}`", s.namespace))
            .collect();
        return Some(if elsewhere.is_empty() {
            format!(
                "{site}: {what} refers to Secret `{name}`, which no provider of the project delivers; fix the name, give a provider of a registered secret manager the Secret name `{name}`, or declare a Secret created elsewhere with Project::external_secret(\"{name}\")"
            )
        } else {
            format!(
                "{site}: {what} refers to Secret `{name}` in namespace `{ns}`, but it is delivered only in namespace {}; a pod can only read Secrets of its own namespace: remove the provider's explicit namespace, or set it to `{ns}`",
                elsewhere.join(", ")
            )
        });
    };
    let held = || {
        if secret.data.is_empty() {
            "no keys".to_owned()
        } else {
            secret
                .data
                .keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    match &r.usage {
        ReferenceUsage::EnvKey { key, .. } if !r.optional && !secret.data.contains_key(key) => {
            if let Some(why) = dropped_because(key) {
                return Some(format!(
                    "{}: {} reads key `{key}` of Secret `{ns}/{name}`, but {why}",
                    site(),
                    what()
                ));
            }
            Some(format!(
                "{}: {} reads key `{key}` of Secret `{ns}/{name}`, which holds only {}; fix the env strategy's `key` option, or the secret's value",
                site(),
                what(),
                held()
            ))
        }
        ReferenceUsage::Volume { keys, .. } if !r.optional => {
            let missing: Vec<String> = keys
                .iter()
                .filter(|k| !secret.data.contains_key(*k))
                .map(|k| format!("`{k}`"))
                .collect();
            let why: Vec<String> = keys.iter().filter_map(|k| dropped_because(k)).collect();
            if let Some(why) = why.first() {
                return Some(format!(
                    "{}: {} mounts key(s) {} of Secret `{ns}/{name}`, but {why}",
                    site(),
                    what(),
                    missing.join(", ")
                ));
            }
            (!missing.is_empty()).then(|| {
                format!(
                    "{}: {} mounts key(s) {} of Secret `{ns}/{name}`, which holds only {}; fix the volume strategy's items",
                    site(),
                    what(),
                    missing.join(", "),
                    held()
                )
            })
        }
        ReferenceUsage::ImagePullSecret if !PULL_SECRET_TYPES.contains(&secret.secret_type.as_str()) => Some(format!(
            "{}: {} names Secret `{ns}/{name}` of type `{}`, but the kubelet only reads kubernetes.io/dockerconfigjson Secrets there; deliver it with DockerConfigSecretProvider",
            site(),
            what(),
            secret.secret_type
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretBytes;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn secret(ns: &str, name: &str, ty: &str, keys: &[&str]) -> MergedSecret {
        MergedSecret {
            name: name.into(),
            namespace: ns.into(),
            secret_type: ty.into(),
            data: keys
                .iter()
                .map(|k| ((*k).to_owned(), SecretBytes::from(b"v".to_vec())))
                .collect::<BTreeMap<_, _>>(),
            sources: vec![],
        }
    }

    fn stack(ns: Option<&str>, pod: Value) -> Vec<(String, ResourceMap)> {
        let mut meta = json!({ "name": "web" });
        if let Some(ns) = ns {
            meta["namespace"] = json!(ns);
        }
        let d = Manifest::new(
            json!({ "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": { "template": { "spec": pod } } }),
        )
        .unwrap();
        vec![(
            "web".to_owned(),
            ResourceMap::from([("deployment".to_owned(), d)]),
        )]
    }

    #[test]
    fn a_pod_references_its_env_keys_and_pull_secrets() {
        let pod = Manifest::new(json!({ "apiVersion": "v1", "kind": "Pod", "spec": {
            "imagePullSecrets": [{ "name": "registry-secrets" }],
            "containers": [{ "name": "api", "env": [
                { "name": "DB", "valueFrom": { "secretKeyRef": { "name": "app-secrets", "key": "DATABASE_URL" } } }
            ] }] } })).unwrap();
        let refs = pod_references(&pod);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].secret, "app-secrets");
        assert_eq!(refs[0].container.as_deref(), Some("container 0 (`api`)"));
        assert!(
            matches!(&refs[0].usage, ReferenceUsage::EnvKey { var, key } if var == "DB" && key == "DATABASE_URL")
        );
        assert!(matches!(refs[1].usage, ReferenceUsage::ImagePullSecret));
    }

    #[test]
    fn every_reference_kind_is_found() {
        let stacks = stack(
            None,
            json!({
                "initContainers": [{ "name": "init", "envFrom": [{ "secretRef": { "name": "a" } }] }],
                "containers": [{ "name": "api",
                    "env": [{ "name": "X", "valueFrom": { "secretKeyRef": { "name": "b", "key": "k" } } }, { "name": "PLAIN", "value": "1" }] }],
                "imagePullSecrets": [{ "name": "c" }],
                "volumes": [
                    { "name": "v1", "secret": { "secretName": "d", "items": [{ "key": "tls.crt", "path": "crt" }] } },
                    { "name": "v2", "projected": { "sources": [{ "secret": { "name": "e" } }, { "configMap": { "name": "cm" } }] } },
                    { "name": "v3", "emptyDir": {} }
                ]
            }),
        );
        let refs = pod_references(&stacks[0].1["deployment"]);
        let names: Vec<&str> = refs.iter().map(|r| r.secret.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d", "e"]);
        assert_eq!(
            refs[0].container.as_deref(),
            Some("init container 0 (`init`)")
        );
        assert!(
            matches!(&refs[3].usage, ReferenceUsage::Volume { volume, keys } if volume == "v1" && keys == &["tls.crt"])
        );
    }

    #[test]
    fn each_dangling_reference_names_its_site_and_fix() {
        let stacks = stack(
            Some("shop"),
            json!({
                "containers": [{ "name": "api",
                    "env": [{ "name": "X", "valueFrom": { "secretKeyRef": { "name": "app", "key": "MISSING" } } }],
                    "envFrom": [{ "secretRef": { "name": "elsewhere" } }] }],
                "imagePullSecrets": [{ "name": "app" }, { "name": "nowhere" }],
                "volumes": [{ "name": "certs", "secret": { "secretName": "app", "items": [{ "key": "K", "path": "k" }, { "key": "tls.key", "path": "key" }] } }]
            }),
        );
        let secrets = [
            secret("shop", "app", "Opaque", &["K"]),
            secret("default", "elsewhere", "Opaque", &["A"]),
        ];
        let (problems, checked) = dangling_references(&stacks, &secrets, &[], &DroppedKeys::new());
        assert_eq!(checked, 5);
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(problems[0].starts_with("stack `web`, resource `deployment`, container 0 (`api`): env var `X` reads key `MISSING` of Secret `shop/app`, which holds only `K`"), "{}", problems[0]);
        assert!(problems[1].contains("envFrom refers to Secret `elsewhere` in namespace `shop`, but it is delivered only in namespace `default`"), "{}", problems[1]);
        assert!(problems[1].contains("set it to `shop`"));
        assert!(problems[2].starts_with("stack `web`, resource `deployment`: imagePullSecrets names Secret `shop/app` of type `Opaque`"), "{}", problems[2]);
        assert!(
            problems[3].contains("Secret `nowhere`, which no provider of the project delivers")
                && problems[3].contains("external_secret(\"nowhere\")"),
            "{}",
            problems[3]
        );
        assert!(
            problems[4].contains("volume `certs` mounts key(s) `tls.key` of Secret `shop/app`"),
            "{}",
            problems[4]
        );

        let (problems, _) = dangling_references(
            &stacks,
            &secrets,
            &["nowhere".to_owned()],
            &DroppedKeys::new(),
        );
        assert_eq!(problems.len(), 4);
    }

    #[test]
    fn optional_references_may_be_absent() {
        let stacks = stack(
            None,
            json!({ "containers": [{ "name": "api",
                "env": [{ "name": "X", "valueFrom": { "secretKeyRef": { "name": "s", "key": "k", "optional": true } } }],
                "envFrom": [{ "secretRef": { "name": "t", "optional": true } }] }] }),
        );
        let (problems, checked) = dangling_references(&stacks, &[], &[], &DroppedKeys::new());
        assert_eq!((problems.len(), checked), (0, 2));
    }
}
