//! The cross-check: every reference the generated manifests make to a Secret must be delivered as a
//! Secret of that name, holding that key, in the workload's namespace (a pod can only read Secrets of
//! its own namespace).
//!
//! References are read from the built manifests, not from the planned injections, so that a reference
//! written by a template or an `.override(..)` is checked too.
//!
//! A workload without `metadata.namespace` lands wherever it is applied (`kubectl -n X`); its
//! references are satisfied only by Secrets delivered without a namespace, which land beside it.
//!
//! [`resource_references`] lists what one manifest references: the pod template of every workload
//! kind, an Ingress's `tls[].secretName`, a ServiceAccount's `imagePullSecrets` and `secrets`
//! (its unit tests show each kind).

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::deliver::secret::{place, DroppedKeys, MergedSecret};
use crate::model::resource::{value_at, Manifest, ResourceMap};
use crate::model::workload::pod_spec_path;

/// One reference a pod makes to a Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretReference {
    /// The Kubernetes Secret's name.
    pub secret_name: String,
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
    /// An Ingress's `spec.tls[].secretName` or a Gateway listener's `tls.certificateRefs`: the
    /// controller reads `tls.crt` and `tls.key`.
    IngressTls {
        /// The hosts of that `tls` entry (for messages).
        hosts: Vec<String>,
    },
    /// A ServiceAccount's `secrets[]` (legacy token Secrets, any type).
    ServiceAccountSecret,
}

/// `env var `DB``, `envFrom`, `imagePullSecrets`, `volume `certs``: the usage in messages.
impl fmt::Display for ReferenceUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReferenceUsage::EnvKey { var, .. } => write!(f, "env var `{var}`"),
            ReferenceUsage::EnvFrom => f.write_str("envFrom"),
            ReferenceUsage::ImagePullSecret => f.write_str("imagePullSecrets"),
            ReferenceUsage::Volume { volume, .. } => write!(f, "volume `{volume}`"),
            ReferenceUsage::IngressTls { hosts } if hosts.is_empty() => f.write_str("tls"),
            ReferenceUsage::IngressTls { hosts } => write!(f, "tls for {}", hosts.join(", ")),
            ReferenceUsage::ServiceAccountSecret => f.write_str("secrets"),
        }
    }
}

/// Every Secret reference `manifest` makes: its pod template's, or those of an Ingress
/// (`spec.tls[].secretName`), a Gateway API Gateway (`spec.listeners[].tls.certificateRefs`) or a
/// ServiceAccount (`imagePullSecrets`, `secrets`).
pub fn resource_references(manifest: &Manifest) -> Vec<SecretReference> {
    let body = manifest.body();
    let named = |entries: &[Value], field: &str, usage: &dyn Fn(&Value) -> ReferenceUsage| {
        entries
            .iter()
            .filter_map(|e| {
                str_at(e, field).map(|name| SecretReference {
                    secret_name: name.to_owned(),
                    container: None,
                    usage: usage(e),
                    optional: false,
                })
            })
            .collect::<Vec<_>>()
    };
    match manifest.kind() {
        "Ingress" => named(
            list(body.get("spec").unwrap_or(&Value::Null), "tls"),
            "secretName",
            &|e| ReferenceUsage::IngressTls {
                hosts: list(e, "hosts")
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            },
        ),
        // Gateway API: each listener's TLS certificates, Secrets of the Gateway's namespace unless a
        // ref names another (that needs a ReferenceGrant, and is left to the cluster).
        "Gateway"
            if manifest
                .api_version()
                .starts_with("gateway.networking.k8s.io/") =>
        {
            let listeners = list(body.get("spec").unwrap_or(&Value::Null), "listeners");
            let mut out = Vec::new();
            for l in listeners {
                let refs = value_at(l, &["tls", "certificateRefs"])
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                let local: Vec<Value> = refs
                    .iter()
                    .filter(|r| {
                        str_at(r, "kind").is_none_or(|k| k == "Secret")
                            && str_at(r, "group").is_none_or(str::is_empty)
                            && str_at(r, "namespace")
                                .is_none_or(|n| Some(n) == manifest.namespace())
                    })
                    .cloned()
                    .collect();
                let hosts: Vec<String> = str_at(l, "hostname")
                    .map(str::to_owned)
                    .into_iter()
                    .collect();
                out.extend(named(&local, "name", &|_| ReferenceUsage::IngressTls {
                    hosts: hosts.clone(),
                }));
            }
            out
        }
        "ServiceAccount" => {
            let mut out = named(list(body, "imagePullSecrets"), "name", &|_| {
                ReferenceUsage::ImagePullSecret
            });
            out.extend(named(list(body, "secrets"), "name", &|_| {
                ReferenceUsage::ServiceAccountSecret
            }));
            out
        }
        _ => pod_references(manifest),
    }
}

/// Where a reference is: `stack `web`, resource `deployment`, container 0 (`api`)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceSite {
    /// The stack id.
    pub stack: String,
    /// The resource id.
    pub resource: String,
    /// The container (`container 0 (`api`)`), unless the pod itself refers (`imagePullSecrets`,
    /// volumes).
    pub container: Option<String>,
}

impl fmt::Display for ReferenceSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stack `{}`, resource `{}`", self.stack, self.resource)?;
        match &self.container {
            Some(c) => write!(f, ", {c}"),
            None => Ok(()),
        }
    }
}

/// A reference of the generated manifests that the delivered Secrets do not satisfy. Each message
/// names the site, the Secret and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceProblem {
    /// No provider delivers a Secret of that name anywhere.
    #[error("{site}: {usage} refers to Secret `{secret_name}`, which no provider of the project delivers; fix the name, give a provider of a registered secret manager the Secret name `{secret_name}`, or declare a Secret created elsewhere with Project::external_secret(\"{secret_name}\")")]
    NotDelivered {
        /// Where.
        site: ReferenceSite,
        /// How the pod uses it.
        usage: ReferenceUsage,
        /// The Kubernetes Secret's name.
        secret_name: String,
    },
    /// The Secret is delivered, but not in the workload's namespace.
    #[error("{site}: {usage} refers to Secret `{secret_name}` {}", other_namespace(namespace.as_deref(), delivered_in))]
    OtherNamespace {
        /// Where.
        site: ReferenceSite,
        /// How the pod uses it.
        usage: ReferenceUsage,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// The workload's namespace (`None`: it has none, and lands wherever it is applied).
        namespace: Option<String>,
        /// The namespaces it is delivered in (`None`: delivered without one).
        delivered_in: Vec<Option<String>>,
    },
    /// An env var reads a key the Secret does not hold.
    #[error("{site}: {usage} reads key `{key}` of Secret `{}`, which holds only {}; fix the env strategy's `key` option, or the secret's value", place(namespace.as_deref(), secret_name), held(keys_held))]
    MissingKey {
        /// Where.
        site: ReferenceSite,
        /// How the pod uses it.
        usage: ReferenceUsage,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// Its namespace, if it has one.
        namespace: Option<String>,
        /// The key read.
        key: String,
        /// The keys the Secret holds.
        keys_held: Vec<String>,
    },
    /// A volume mounts keys the Secret does not hold.
    #[error("{site}: {usage} mounts key(s) {} of Secret `{}`, which holds only {}; fix the volume strategy's items", quoted(missing), place(namespace.as_deref(), secret_name), held(keys_held))]
    MissingVolumeKeys {
        /// Where.
        site: ReferenceSite,
        /// How the pod uses it.
        usage: ReferenceUsage,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// Its namespace, if it has one.
        namespace: Option<String>,
        /// The keys mounted but not held.
        missing: Vec<String>,
        /// The keys the Secret holds.
        keys_held: Vec<String>,
    },
    /// An env var reads a key that a conflict overwrite dropped from the Secret.
    #[error("{site}: {usage} reads key `{key}` of Secret `{}`, but {why}", place(namespace.as_deref(), secret_name))]
    DroppedKey {
        /// Where.
        site: ReferenceSite,
        /// How the pod uses it.
        usage: ReferenceUsage,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// Its namespace, if it has one.
        namespace: Option<String>,
        /// The key read.
        key: String,
        /// Which overwrite dropped it, naming both sides, and the fix.
        why: String,
    },
    /// A volume mounts keys that a conflict overwrite dropped from the Secret.
    #[error(
        "{site}: {usage} mounts key(s) {} of Secret `{}`, but {why}",
        quoted(missing),
        place(namespace.as_deref(), secret_name)
    )]
    DroppedVolumeKeys {
        /// Where.
        site: ReferenceSite,
        /// How the pod uses it.
        usage: ReferenceUsage,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// Its namespace, if it has one.
        namespace: Option<String>,
        /// The keys mounted but not held.
        missing: Vec<String>,
        /// Which overwrite dropped them, naming both sides, and the fix.
        why: String,
    },
    /// An Ingress's or Gateway's TLS reference names a Secret without `tls.crt` and `tls.key`.
    #[error("{site}: {usage} names Secret `{}`, which lacks key(s) {} (holds {}); the controller terminating TLS reads tls.crt and tls.key: deliver it with TlsSecretProvider", place(namespace.as_deref(), secret_name), quoted(missing), held(keys_held))]
    NotATlsSecret {
        /// Where.
        site: ReferenceSite,
        /// How the resource uses it.
        usage: ReferenceUsage,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// Its namespace, if it has one.
        namespace: Option<String>,
        /// `tls.crt` and/or `tls.key`, not held.
        missing: Vec<String>,
        /// The keys the Secret holds.
        keys_held: Vec<String>,
    },
    /// `imagePullSecrets` names a Secret that is not a docker-config Secret.
    #[error("{site}: {usage} names Secret `{}` of type `{secret_type}`, but the kubelet only reads kubernetes.io/dockerconfigjson Secrets there; deliver it with DockerConfigSecretProvider", place(namespace.as_deref(), secret_name))]
    NotAPullSecret {
        /// Where.
        site: ReferenceSite,
        /// How the pod uses it.
        usage: ReferenceUsage,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// Its namespace, if it has one.
        namespace: Option<String>,
        /// Its type.
        secret_type: String,
    },
}

/// The rest of [`ReferenceProblem::OtherNamespace`]'s message, for a workload in `namespace` or
/// (`None`) in whatever namespace it is applied to.
fn other_namespace(namespace: Option<&str>, delivered_in: &[Option<String>]) -> String {
    let only = delivered_in
        .iter()
        .map(|ns| match ns {
            Some(ns) => format!("namespace `{ns}`"),
            None => "no namespace (wherever it is applied)".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    match namespace {
        Some(ns) => format!("in namespace `{ns}`, but it is delivered only in {only}; a pod can only read Secrets of its own namespace: remove the provider's explicit namespace, or set it to `{ns}`"),
        None => format!("from a resource without a namespace (it lands wherever it is applied), but the Secret is delivered only in {only}; a pod can only read Secrets of its own namespace: remove the provider's explicit namespace, or give the resource that namespace"),
    }
}

/// `` `a`, `b` ``.
fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The keys a Secret holds, for messages: `` `a`, `b` `` or `no keys`.
fn held(keys: &[String]) -> String {
    if keys.is_empty() {
        "no keys".to_owned()
    } else {
        quoted(keys)
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
                secret_name: name.to_owned(),
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
        // Volume plugins that read credentials from a Secret of the pod's namespace (every key).
        for (plugin, path) in PLUGIN_SECRET_REFS {
            let Some(r) = volume.get(plugin).and_then(|p| value_at(p, path)) else {
                continue;
            };
            let name =
                if path.is_empty() { None } else { r.as_str() }.or_else(|| str_at(r, "name"));
            if let Some(name) = name {
                out.push(SecretReference {
                    secret_name: name.to_owned(),
                    container: None,
                    usage: ReferenceUsage::Volume {
                        volume: vname.clone(),
                        keys: Vec::new(),
                    },
                    optional: false,
                });
            }
        }
    }
    out
}

/// Pod volume plugins and where each names its credentials Secret: a `{name}` object, or the name
/// itself (`azureFile.secretName`).
const PLUGIN_SECRET_REFS: [(&str, &[&str]); 8] = [
    ("csi", &["nodePublishSecretRef"]),
    ("azureFile", &["secretName"]),
    ("cephfs", &["secretRef"]),
    ("rbd", &["secretRef"]),
    ("flexVolume", &["secretRef"]),
    ("iscsi", &["secretRef"]),
    ("scaleIO", &["secretRef"]),
    ("storageos", &["secretRef"]),
];

fn container_references(c: &Value, container: &str, out: &mut Vec<SecretReference>) {
    for var in list(c, "env") {
        let Some(r) = value_at(var, &["valueFrom", "secretKeyRef"]) else {
            continue;
        };
        if let Some(secret) = str_at(r, "name") {
            out.push(SecretReference {
                secret_name: secret.to_owned(),
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
                secret_name: secret.to_owned(),
                container: Some(container.to_owned()),
                usage: ReferenceUsage::EnvFrom,
                optional: is_optional(r),
            });
        }
    }
}

fn volume_reference(secret: &str, volume: &str, source: &Value) -> SecretReference {
    SecretReference {
        secret_name: secret.to_owned(),
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
#[cfg(test)]
pub fn dangling_references(
    stacks: &[(String, ResourceMap)],
    secrets: &[MergedSecret],
    external: &[String],
    dropped: &DroppedKeys,
) -> (Vec<ReferenceProblem>, usize) {
    let mut check = ReferenceCheck::new(secrets, external, dropped);
    for (stack_id, resources) in stacks {
        check.stack(stack_id, resources);
    }
    check.finish()
}

/// [`dangling_references`] one stack at a time: the stacks need not all be built at once.
pub(crate) struct ReferenceCheck<'a> {
    secrets: &'a [MergedSecret],
    external: &'a [String],
    dropped: &'a DroppedKeys,
    // Looked up once per reference: a scan of every Secret made the check references × Secrets.
    by_place: HashMap<(Option<&'a str>, &'a str), &'a MergedSecret>,
    problems: Vec<ReferenceProblem>,
    checked: usize,
}

impl<'a> ReferenceCheck<'a> {
    /// A check against `secrets` (see [`dangling_references`] for the others).
    pub(crate) fn new(
        secrets: &'a [MergedSecret],
        external: &'a [String],
        dropped: &'a DroppedKeys,
    ) -> ReferenceCheck<'a> {
        let mut by_place: HashMap<(Option<&str>, &str), &MergedSecret> = HashMap::new();
        for s in secrets {
            by_place
                .entry((s.namespace.as_deref(), s.name.as_str()))
                .or_insert(s);
        }
        ReferenceCheck {
            secrets,
            external,
            dropped,
            by_place,
            problems: Vec::new(),
            checked: 0,
        }
    }

    /// Checks the references of one built stack.
    pub(crate) fn stack(&mut self, stack_id: &str, resources: &ResourceMap) {
        let (secrets, dropped) = (self.secrets, self.dropped);
        for (resource_id, manifest) in resources {
            let ns = manifest.namespace();
            for r in resource_references(manifest) {
                if self.external.contains(&r.secret_name) {
                    continue;
                }
                self.checked += 1;
                // Built only for a problem: most references are fine.
                let site = || ReferenceSite {
                    stack: stack_id.to_owned(),
                    resource: resource_id.clone(),
                    container: r.container.clone(),
                };
                let found = self.by_place.get(&(ns, r.secret_name.as_str())).copied();
                let why = |key: &str| {
                    dropped
                        .get(&(ns.map(str::to_owned), r.secret_name.clone()))
                        .and_then(|keys| keys.get(key))
                        .cloned()
                };
                if let Some(p) = check_one(site, ns, &r, found, secrets, why) {
                    self.problems.push(p);
                }
            }
        }
    }

    /// The problems found and the number of references checked.
    pub(crate) fn finish(self) -> (Vec<ReferenceProblem>, usize) {
        (self.problems, self.checked)
    }
}

/// The problem with reference `r` from namespace `ns` (`None`: wherever the workload is applied), if
/// any; `found` is the Secret of that name delivered in `ns`.
fn check_one(
    site: impl Fn() -> ReferenceSite,
    ns: Option<&str>,
    r: &SecretReference,
    found: Option<&MergedSecret>,
    secrets: &[MergedSecret],
    dropped_because: impl Fn(&str) -> Option<String>,
) -> Option<ReferenceProblem> {
    // Everything below is cloned only on the way to a problem: most references are fine.
    let (secret_name, usage) = (|| r.secret_name.clone(), || r.usage.clone());
    let Some(delivered) = found else {
        if r.optional {
            return None;
        }
        let delivered_in: Vec<Option<String>> = secrets
            .iter()
            .filter(|s| s.name == r.secret_name)
            .map(|s| s.namespace.clone())
            .collect();
        let site = site();
        return Some(if delivered_in.is_empty() {
            ReferenceProblem::NotDelivered {
                site,
                usage: usage(),
                secret_name: secret_name(),
            }
        } else {
            ReferenceProblem::OtherNamespace {
                site,
                usage: usage(),
                secret_name: secret_name(),
                namespace: ns.map(str::to_owned),
                delivered_in,
            }
        });
    };
    let keys_held = || delivered.data.keys().cloned().collect::<Vec<_>>();
    let namespace = || ns.map(str::to_owned);
    match &r.usage {
        ReferenceUsage::EnvKey { key, .. } if !r.optional && !delivered.data.contains_key(key) => {
            if let Some(why) = dropped_because(key) {
                return Some(ReferenceProblem::DroppedKey {
                    site: site(),
                    usage: usage(),
                    secret_name: secret_name(),
                    namespace: namespace(),
                    key: key.clone(),
                    why,
                });
            }
            Some(ReferenceProblem::MissingKey {
                site: site(),
                usage: usage(),
                secret_name: secret_name(),
                namespace: namespace(),
                key: key.clone(),
                keys_held: keys_held(),
            })
        }
        ReferenceUsage::Volume { keys, .. } if !r.optional => {
            let missing: Vec<String> = keys
                .iter()
                .filter(|k| !delivered.data.contains_key(*k))
                .cloned()
                .collect();
            let why: Vec<String> = keys.iter().filter_map(|k| dropped_because(k)).collect();
            if let Some(why) = why.into_iter().next() {
                return Some(ReferenceProblem::DroppedVolumeKeys {
                    site: site(),
                    usage: usage(),
                    secret_name: secret_name(),
                    namespace: namespace(),
                    missing,
                    why,
                });
            }
            (!missing.is_empty()).then(|| ReferenceProblem::MissingVolumeKeys {
                site: site(),
                usage: usage(),
                secret_name: secret_name(),
                namespace: namespace(),
                missing,
                keys_held: keys_held(),
            })
        }
        ReferenceUsage::IngressTls { .. } => {
            let missing: Vec<String> = ["tls.crt", "tls.key"]
                .iter()
                .filter(|k| !delivered.data.contains_key(**k))
                .map(|k| (*k).to_owned())
                .collect();
            (!missing.is_empty()).then(|| ReferenceProblem::NotATlsSecret {
                site: site(),
                usage: usage(),
                secret_name: secret_name(),
                namespace: namespace(),
                missing,
                keys_held: keys_held(),
            })
        }
        ReferenceUsage::ImagePullSecret
            if !PULL_SECRET_TYPES.contains(&delivered.secret_type.as_str()) =>
        {
            Some(ReferenceProblem::NotAPullSecret {
                site: site(),
                usage: usage(),
                secret_name: secret_name(),
                namespace: namespace(),
                secret_type: delivered.secret_type.clone(),
            })
        }
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
            namespace: (!ns.is_empty()).then(|| ns.to_owned()),
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
        assert_eq!(refs[0].secret_name, "app-secrets");
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
        let names: Vec<&str> = refs.iter().map(|r| r.secret_name.as_str()).collect();
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
        let site = |container: Option<&str>| ReferenceSite {
            stack: "web".into(),
            resource: "deployment".into(),
            container: container.map(str::to_owned),
        };
        assert_eq!(
            problems[0],
            ReferenceProblem::MissingKey {
                site: site(Some("container 0 (`api`)")),
                usage: ReferenceUsage::EnvKey {
                    var: "X".into(),
                    key: "MISSING".into()
                },
                secret_name: "app".into(),
                namespace: Some("shop".into()),
                key: "MISSING".into(),
                keys_held: vec!["K".into()],
            }
        );
        assert_eq!(problems[0].to_string(), "stack `web`, resource `deployment`, container 0 (`api`): env var `X` reads key `MISSING` of Secret `shop/app`, which holds only `K`; fix the env strategy's `key` option, or the secret's value");
        assert!(
            matches!(&problems[1], ReferenceProblem::OtherNamespace { secret_name, namespace, delivered_in, .. }
                if secret_name == "elsewhere" && namespace.as_deref() == Some("shop") && delivered_in == &[Some("default".to_owned())]),
            "{:?}",
            problems[1]
        );
        let text = problems[1].to_string();
        assert!(text.contains("envFrom refers to Secret `elsewhere` in namespace `shop`, but it is delivered only in namespace `default`"), "{text}");
        assert!(text.contains("set it to `shop`"));
        assert!(
            matches!(&problems[2], ReferenceProblem::NotAPullSecret { site: s, secret_type, .. }
                if *s == site(None) && secret_type == "Opaque"),
            "{:?}",
            problems[2]
        );
        assert!(problems[2].to_string().starts_with("stack `web`, resource `deployment`: imagePullSecrets names Secret `shop/app` of type `Opaque`"));
        assert!(
            matches!(&problems[3], ReferenceProblem::NotDelivered { secret_name, usage: ReferenceUsage::ImagePullSecret, .. } if secret_name == "nowhere")
        );
        let text = problems[3].to_string();
        assert!(
            text.contains("Secret `nowhere`, which no provider of the project delivers")
                && text.contains("external_secret(\"nowhere\")"),
            "{text}"
        );
        assert!(
            matches!(&problems[4], ReferenceProblem::MissingVolumeKeys { missing, keys_held, .. }
                if missing == &["tls.key"] && keys_held == &["K"]),
            "{:?}",
            problems[4]
        );
        assert!(problems[4].to_string().contains(
            "volume `certs` mounts key(s) `tls.key` of Secret `shop/app`, which holds only `K`"
        ));
        // A Secret without data says so rather than listing nothing.
        assert!(ReferenceProblem::MissingKey {
            site: site(None),
            usage: ReferenceUsage::EnvFrom,
            secret_name: "s".into(),
            namespace: Some("ns".into()),
            key: "k".into(),
            keys_held: vec![],
        }
        .to_string()
        .contains("which holds only no keys"));

        let (problems, _) = dangling_references(
            &stacks,
            &secrets,
            &["nowhere".to_owned()],
            &DroppedKeys::new(),
        );
        assert_eq!(problems.len(), 4);
    }

    #[test]
    fn volume_plugins_gateways_and_service_accounts_reference_secrets() {
        let stacks = stack(
            None,
            json!({ "containers": [{ "name": "api" }], "volumes": [
                { "name": "vault", "csi": { "driver": "secrets-store.csi.k8s.io", "nodePublishSecretRef": { "name": "csi-creds" } } },
                { "name": "share", "azureFile": { "secretName": "azure-creds", "shareName": "s" } },
                { "name": "ceph", "cephfs": { "monitors": ["m"], "secretRef": { "name": "ceph-creds" } } }
            ] }),
        );
        let names: Vec<String> = pod_references(&stacks[0].1["deployment"])
            .into_iter()
            .map(|r| r.secret_name)
            .collect();
        assert_eq!(names, ["csi-creds", "azure-creds", "ceph-creds"]);

        let gw = Manifest::new(json!({ "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
            "metadata": { "name": "gw", "namespace": "edge" }, "spec": { "gatewayClassName": "c", "listeners": [
                { "name": "https", "hostname": "shop.example.com", "port": 443, "protocol": "HTTPS",
                  "tls": { "certificateRefs": [{ "name": "shop-tls" }, { "kind": "Secret", "name": "other", "namespace": "certs" },
                                               { "group": "example.com", "kind": "Vault", "name": "v" }] } }] } }))
        .unwrap();
        let refs = resource_references(&gw);
        assert_eq!(refs.len(), 1, "{refs:?}");
        assert_eq!(refs[0].secret_name, "shop-tls");
        assert_eq!(refs[0].usage.to_string(), "tls for shop.example.com");

        let sa = Manifest::new(
            json!({ "apiVersion": "v1", "kind": "ServiceAccount", "metadata": { "name": "sa" },
            "imagePullSecrets": [{ "name": "regcred" }], "secrets": [{ "name": "token" }] }),
        )
        .unwrap();
        let refs = resource_references(&sa);
        assert!(matches!(refs[0].usage, ReferenceUsage::ImagePullSecret));
        assert!(matches!(
            refs[1].usage,
            ReferenceUsage::ServiceAccountSecret
        ));

        // A Secret without tls.crt/tls.key behind an Ingress is named with the fix.
        let ing = Manifest::new(
            json!({ "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": { "name": "web" }, "spec": { "tls": [{ "secretName": "app" }] } }),
        )
        .unwrap();
        let stacks = vec![(
            "web".to_owned(),
            ResourceMap::from([("ingress".to_owned(), ing)]),
        )];
        let (problems, checked) = dangling_references(
            &stacks,
            &[secret("", "app", "Opaque", &["tls.crt"])],
            &[],
            &DroppedKeys::new(),
        );
        assert_eq!(checked, 1);
        assert!(
            matches!(&problems[0], ReferenceProblem::NotATlsSecret { missing, namespace: None, .. } if missing == &["tls.key"]),
            "{problems:?}"
        );
        assert!(
            problems[0].to_string().ends_with("tls names Secret `app`, which lacks key(s) `tls.key` (holds `tls.crt`); the controller terminating TLS reads tls.crt and tls.key: deliver it with TlsSecretProvider"),
            "{problems:?}"
        );
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
