//! The secret flow: connectors load values, providers prepare Secret entries, entries are grouped by
//! target Secret and merged under the conflict strategies, and the result is checked against what the
//! stacks reference.
//!
//! A *source* is one provider instance of one manager. Several secrets of one source writing distinct
//! keys is the normal case, not a conflict. Conflicts are:
//! - `intraProvider`: two secrets of one source write the same key;
//! - `crossProvider`: two sources of one manager deliver the same Secret (`type`, namespace, name);
//! - `crossManager`: sources of different managers deliver the same Secret.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::provider::Provider;
use crate::{AnySecretManager, SecretBytes, Stack};

/// What to do when a conflict is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConflictStrategy {
    /// Fail, naming both sides.
    #[default]
    Error,
    /// Keep the last declared side, with a warning naming what was dropped.
    Overwrite,
    /// Merge the data keys; the same key from two sides is still an error.
    AutoMerge,
}

impl fmt::Display for ConflictStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConflictStrategy::Error => "error",
            ConflictStrategy::Overwrite => "overwrite",
            ConflictStrategy::AutoMerge => "autoMerge",
        })
    }
}

/// Conflict strategies per level, and strict mode.
///
/// ```
/// use kubricate::{ConflictOptions, ConflictStrategy};
/// let o = ConflictOptions::default();
/// assert_eq!(o.effective().unwrap(), [ConflictStrategy::AutoMerge, ConflictStrategy::Error, ConflictStrategy::Error]);
/// let strict = ConflictOptions { strict: true, ..Default::default() };
/// assert_eq!(strict.effective().unwrap(), [ConflictStrategy::Error; 3]);
/// let bad = ConflictOptions { strict: true, cross_manager: Some(ConflictStrategy::AutoMerge), ..Default::default() };
/// assert!(bad.effective().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConflictOptions {
    /// Same key from two secrets of one provider (default `autoMerge`).
    pub intra_provider: Option<ConflictStrategy>,
    /// One Secret from two providers of one manager (default `error`).
    pub cross_provider: Option<ConflictStrategy>,
    /// One Secret from two managers (default `error`).
    pub cross_manager: Option<ConflictStrategy>,
    /// Every level `error`; relaxed settings are rejected.
    pub strict: bool,
}

impl ConflictOptions {
    /// `[intraProvider, crossProvider, crossManager]` after defaults and strict mode.
    pub fn effective(&self) -> Result<[ConflictStrategy; 3], String> {
        use ConflictStrategy::*;
        let levels = [
            ("intraProvider", self.intra_provider, AutoMerge),
            ("crossProvider", self.cross_provider, Error),
            ("crossManager", self.cross_manager, Error),
        ];
        let mut out = [Error; 3];
        for (i, (name, set, default)) in levels.into_iter().enumerate() {
            out[i] = match (self.strict, set) {
                (true, Some(s)) if s != Error => {
                    return Err(format!("conflict strategy {name} = {s} is not allowed in strict mode; remove it or turn strict off"))
                }
                (true, _) => Error,
                (false, s) => s.unwrap_or(default),
            };
        }
        Ok(out)
    }
}

/// A Kubernetes Secret ready to apply. `Debug` never shows the data.
pub struct MergedSecret {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `type`.
    pub secret_type: String,
    /// `data`, by key.
    pub data: BTreeMap<String, SecretBytes>,
    /// `manager/provider` of every source that contributed.
    pub sources: Vec<String>,
}

impl fmt::Debug for MergedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergedSecret")
            .field("name", &self.name)
            .field("namespace", &self.namespace)
            .field("type", &self.secret_type)
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .field("sources", &self.sources)
            .finish()
    }
}

impl MergedSecret {
    /// The Secret object. With `reveal` false every value is replaced by a redaction marker.
    pub fn to_manifest(&self, reveal: bool) -> serde_json::Value {
        let mut data = serde_json::Map::new();
        for (k, v) in &self.data {
            let shown = if reveal {
                v.to_base64().to_string()
            } else {
                format!("<redacted: {} bytes>", v.len())
            };
            data.insert(k.clone(), serde_json::Value::String(shown));
        }
        serde_json::json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": { "name": self.name, "namespace": self.namespace },
            "type": self.secret_type,
            "data": data,
        })
    }
}

/// The outcome of a secret run: Secrets to apply and warnings.
#[derive(Debug, Default)]
pub struct SecretPlan {
    /// Merged Secrets, ordered by namespace then name.
    pub secrets: Vec<MergedSecret>,
    /// Non-fatal findings (dropped sources, unused secrets).
    pub warnings: Vec<String>,
}

/// Every problem found, reported together.
#[derive(Debug, thiserror::Error)]
#[error("{} secret problem(s):\n{}", problems.len(), problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct SecretError {
    /// Each problem.
    pub problems: Vec<String>,
}

struct Source<'a> {
    manager: &'a str,
    provider_id: String,
    provider: Arc<dyn Provider>,
    /// key -> (bytes, secret name)
    entries: IndexMap<String, (SecretBytes, String)>,
}

impl Source<'_> {
    fn label(&self) -> String {
        format!(
            "provider `{}` of manager `{}`",
            self.provider_id, self.manager
        )
    }
}

/// Loads, prepares, merges and cross-checks the secrets of `managers` used by `stacks`.
pub fn plan_secrets(
    managers: &[(String, &AnySecretManager)],
    stacks: &[(String, &Stack)],
    conflict: &ConflictOptions,
) -> Result<SecretPlan, SecretError> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let [intra, cross_provider, cross_manager] = match conflict.effective() {
        Ok(levels) => levels,
        Err(e) => return Err(SecretError { problems: vec![e] }),
    };

    // Namespaces each (manager, provider) is used from, in stack order.
    let mut used_in: IndexMap<(u64, String), Vec<String>> = IndexMap::new();
    let mut injected: IndexMap<(u64, String), ()> = IndexMap::new();
    for (_, stack) in stacks {
        let ns = stack.namespace().unwrap_or("default").to_owned();
        for inj in stack.injections() {
            let list = used_in
                .entry((inj.manager_id, inj.provider_id.clone()))
                .or_default();
            if !list.contains(&ns) {
                list.push(ns.clone());
            }
            injected.insert((inj.manager_id, inj.secret.clone()), ());
        }
    }

    // group key (type, namespace, name) -> sources
    let mut groups: IndexMap<(String, String, String), Vec<Source<'_>>> = IndexMap::new();
    for (manager_name, manager) in managers {
        if let Err(mut p) = manager.validate() {
            problems.extend(
                p.drain(..)
                    .map(|e| format!("manager `{manager_name}`: {e}")),
            );
            continue;
        }
        // One load per connector, in declaration order.
        let mut by_connector: IndexMap<&str, Vec<&str>> = IndexMap::new();
        for name in manager.secrets.keys() {
            if let Ok((cid, _)) = manager.connector_for(name) {
                by_connector.entry(cid).or_default().push(name.as_str());
            }
            if !injected.contains_key(&(manager.id, name.clone())) {
                warnings.push(format!("manager `{manager_name}`: secret `{name}` is registered but injected into no stack"));
            }
        }
        let mut values = IndexMap::new();
        for (cid, names) in &by_connector {
            let Some(connector) = manager.connectors.get(*cid) else {
                continue;
            };
            match connector.load(names) {
                Ok(v) => values.extend(v),
                Err(e) => problems.push(format!(
                    "manager `{manager_name}`, connector `{cid}`: {}",
                    e.to_string().replace('\n', "\n  ")
                )),
            }
        }
        let mut sources: IndexMap<String, Source<'_>> = IndexMap::new();
        for (secret, value) in &values {
            let Ok((pid, provider)) = manager.provider_for(secret) else {
                continue;
            };
            let entries = match provider.prepare(secret, value) {
                Ok(e) => e,
                Err(e) => {
                    problems.push(format!("manager `{manager_name}`: {e}"));
                    continue;
                }
            };
            let source = sources.entry(pid.to_owned()).or_insert_with(|| Source {
                manager: manager_name,
                provider_id: pid.to_owned(),
                provider: Arc::clone(provider),
                entries: IndexMap::new(),
            });
            for entry in entries {
                match source.entries.get(&entry.key) {
                    Some((_, first)) => {
                        let msg = format!(
                            "Secret `{}` key `{}` is written by secret `{first}` and by secret `{secret}` ({}): intraProvider conflict",
                            provider.secret_name(),
                            entry.key,
                            source.label()
                        );
                        match intra {
                            ConflictStrategy::Overwrite => {
                                warnings.push(format!("{msg}; overwrite keeps `{secret}`"));
                                source.entries.insert(entry.key, (entry.value, secret.clone()));
                            }
                            _ => problems.push(format!("{msg}; give each secret its own key or provider, or set intraProvider to overwrite")),
                        }
                    }
                    None => {
                        source
                            .entries
                            .insert(entry.key, (entry.value, secret.clone()));
                    }
                }
            }
        }
        for (pid, source) in sources {
            let provider = Arc::clone(&source.provider);
            let namespaces = match provider.namespace() {
                Some(ns) => vec![ns.to_owned()],
                None => used_in
                    .get(&(manager.id, pid))
                    .cloned()
                    .unwrap_or_else(|| vec!["default".to_owned()]),
            };
            for ns in namespaces {
                let key = (
                    provider.secret_type().to_owned(),
                    ns,
                    provider.secret_name().to_owned(),
                );
                groups.entry(key).or_default().push(Source {
                    manager: source.manager,
                    provider_id: source.provider_id.clone(),
                    provider: Arc::clone(&provider),
                    entries: source
                        .entries
                        .iter()
                        .map(|(k, (v, s))| (k.clone(), (v.clone(), s.clone())))
                        .collect(),
                });
            }
        }
    }

    // One Secret name in one namespace can only have one type.
    let mut seen: IndexMap<(String, String), String> = IndexMap::new();
    for (ty, ns, name) in groups.keys() {
        if let Some(other) = seen.insert((ns.clone(), name.clone()), ty.clone()) {
            problems.push(format!("Secret `{ns}/{name}` is delivered with two types ({other} and {ty}); a Secret has one type: rename one provider's Secret"));
        }
    }

    let mut secrets = Vec::new();
    for ((ty, ns, name), sources) in groups {
        let mut kept: Vec<Source<'_>> = Vec::new();
        for source in sources {
            let Some(prev) = kept.last() else {
                kept.push(source);
                continue;
            };
            let (level, strategy) = if prev.manager == source.manager {
                ("crossProvider", cross_provider)
            } else {
                ("crossManager", cross_manager)
            };
            let strategy = if strategy == ConflictStrategy::AutoMerge
                && !(prev.provider.allow_merge() && source.provider.allow_merge())
            {
                ConflictStrategy::Error
            } else {
                strategy
            };
            let msg = format!(
                "Secret `{ns}/{name}` is delivered by {} and by {}: {level} conflict",
                prev.label(),
                source.label()
            );
            match strategy {
                ConflictStrategy::Error => {
                    problems.push(format!("{msg}; give each provider its own Secret name, or set the {level} strategy to autoMerge or overwrite"));
                }
                ConflictStrategy::Overwrite => {
                    warnings.push(format!(
                        "{msg}; overwrite keeps {} and drops {}",
                        source.label(),
                        kept.iter()
                            .map(Source::label)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    kept.clear();
                    kept.push(source);
                }
                ConflictStrategy::AutoMerge => {
                    for (key, (_, secret)) in &source.entries {
                        if let Some((other, (_, other_secret))) =
                            kept.iter().find_map(|k| k.entries.get(key).map(|e| (k, e)))
                        {
                            problems.push(format!(
                                "Secret `{ns}/{name}` key `{key}` is written twice: by secret `{other_secret}` ({}) and by secret `{secret}` ({}); rename one key",
                                other.label(),
                                source.label()
                            ));
                        }
                    }
                    kept.push(source);
                }
            }
        }
        let Some(first) = kept.first() else { continue };
        let provider = Arc::clone(&first.provider);
        let mut entries = IndexMap::new();
        let mut labels = Vec::new();
        for s in &kept {
            labels.push(format!("{}/{}", s.manager, s.provider_id));
            for (k, (v, _)) in &s.entries {
                entries.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        if let Err(e) = crate::names::check_dns_subdomain(&name) {
            problems.push(format!("Secret name `{name}` {e}"));
        }
        secrets.push(MergedSecret {
            name,
            namespace: ns,
            secret_type: ty,
            data: provider.encode(&entries),
            sources: labels,
        });
    }
    secrets.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));

    // Cross-check: every reference an injection makes is delivered, with that key, in the workload's namespace.
    if problems.is_empty() {
        problems.extend(dangling_references(stacks, &secrets));
    }
    if problems.is_empty() {
        Ok(SecretPlan { secrets, warnings })
    } else {
        Err(SecretError { problems })
    }
}

fn dangling_references(stacks: &[(String, &Stack)], secrets: &[MergedSecret]) -> Vec<String> {
    use crate::inject::PodPatch;
    let mut out = Vec::new();
    for (stack_id, stack) in stacks {
        for inj in stack.injections() {
            let ns = stack
                .resources()
                .get(&inj.resource_id)
                .and_then(|r| r.namespace())
                .or(stack.namespace())
                .unwrap_or("default");
            let name = inj.provider.secret_name();
            let delivered = secrets.iter().find(|s| s.namespace == ns && s.name == name);
            let site = format!("stack `{stack_id}`, resource `{}`", inj.resource_id);
            let Some(delivered) = delivered else {
                out.push(format!(
                    "{site}: secret `{}` refers to Secret `{name}` in namespace `{ns}`, but no provider delivers it there (a pod can only read Secrets of its own namespace); remove the provider's explicit namespace or set it to `{ns}`",
                    inj.secret
                ));
                continue;
            };
            if let PodPatch::Env { var, container, .. } = &inj.patch {
                let key = var
                    .pointer("/valueFrom/secretKeyRef/key")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                if !delivered.data.contains_key(key) {
                    out.push(format!(
                        "{site}, {container}: env var `{}` reads key `{key}` of Secret `{ns}/{name}`, which holds only: {}; fix the `key` option or the secret's value",
                        inj.target_name,
                        delivered.data.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        }
    }
    out
}
