//! Manifests that deliver Secrets through a controller in the cluster (an `ExternalSecret`, a
//! `SealedSecret`): what `generate` writes for [`Delivery::GeneratedManifests`] providers.
//!
//! Each provider instance writes its objects once per namespace it is used in, into the **first
//! stack** (declaration order) that injects one of its secrets there, as one more resource of that
//! stack (its id is the Secret name). So the object sits beside the workloads that read the Secret,
//! and a GitOps tool never sees the same object in two files.
//!
//! Providers that need values (sealed) get them through the connectors, and the previous output
//! (the files listed in `<out>/.kubricate-generated`) so that unchanged values keep their
//! ciphertext, and the checksum key of the project.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;

use indexmap::IndexMap;
use serde_json::Value;

use crate::checksum::{ChecksumKey, ChecksumKeySource};
use crate::declare::manager::AnySecretManager;
use crate::declare::source::Stacks;
use crate::deliver::plan::{load_values, SecretError, SecretProblem};
use crate::model::resource::Manifest;
use crate::model::secret_value::SecretBytes;
use crate::provider::{Delivery, ManifestRequest, Provider};

/// Extra resources per stack id, in order.
pub(crate) type Extras = IndexMap<String, Vec<(String, Manifest)>>;

/// Whether any provider of `managers` writes manifests.
pub(crate) fn any(managers: &[(String, AnySecretManager)]) -> bool {
    managers.iter().any(|(_, m)| {
        m.providers
            .values()
            .any(|p| matches!(p.delivery(), Delivery::GeneratedManifests { .. }))
    })
}

/// The manifests of every generated-manifests provider, placed into the stacks that use them.
pub(crate) fn for_stacks(
    managers: &[(String, AnySecretManager)],
    stacks: &Stacks,
    out_dir: &Path,
    checksum: &ChecksumKeySource,
) -> Result<Extras, SecretError> {
    let mut problems = Vec::new();
    let mut extras: Extras = IndexMap::new();
    let mut previous: Option<Vec<Value>> = None;
    let mut key: Option<Result<ChecksumKey, String>> = None;
    let mut key_reported = false;
    let mut written: IndexMap<String, String> = IndexMap::new();
    let all_places = placements(managers, stacks);
    for (manager_name, manager) in managers {
        for (pid, provider) in &manager.providers {
            let Delivery::GeneratedManifests { needs_values } = provider.delivery() else {
                continue;
            };
            let secrets: Vec<&str> = manager
                .secrets
                .keys()
                .filter(|s| manager.provider_for(s).is_ok_and(|(p, _)| p == pid))
                .map(String::as_str)
                .collect();
            let places = all_places
                .get(&(manager.id, pid.clone()))
                .cloned()
                .unwrap_or_default();
            if secrets.is_empty() || places.is_empty() {
                continue;
            }
            let label = format!("manager `{manager_name}`, provider `{pid}`");
            let mut data = BTreeMap::new();
            if needs_values {
                match prepared(manager_name, manager, provider.as_ref(), &secrets) {
                    Ok(d) => data = d,
                    Err(p) => {
                        problems.extend(p);
                        continue;
                    }
                }
            }
            let key = if needs_values {
                match key.get_or_insert_with(|| checksum.resolve().map_err(|e| e.to_string())) {
                    Ok(k) => Some(&*k),
                    Err(e) => {
                        // One key for the project: said once, for the first provider needing it.
                        if !key_reported {
                            problems.push(format!("{label}: {e}"));
                            key_reported = true;
                        }
                        continue;
                    }
                }
            } else {
                None
            };
            // Read once, and only for providers whose output depends on it (sealed values).
            let previous: &[Value] = if needs_values {
                previous.get_or_insert_with(|| previous_output(out_dir))
            } else {
                &[]
            };
            for (ns, stack_id) in places {
                let in_ns: Vec<Value> = previous
                    .iter()
                    .filter(|d| d["metadata"]["namespace"] == ns.as_str())
                    .cloned()
                    .collect();
                let mut request = ManifestRequest::new(&ns, &secrets, &data).previous(&in_ns);
                if let Some(k) = key {
                    request = request.checksum_key(k);
                }
                let docs = match provider.manifests(&request) {
                    Ok(d) => d,
                    Err(e) => {
                        problems.push(format!("{label}: {e}"));
                        continue;
                    }
                };
                let Some(stack) = stacks.get(&stack_id) else {
                    continue;
                };
                let list = extras.entry(stack_id.clone()).or_default();
                for doc in docs {
                    let manifest = match Manifest::new(doc) {
                        Ok(m) => m,
                        Err(e) => {
                            problems.push(format!("{label}: {e}"));
                            continue;
                        }
                    };
                    // Two providers writing one object would overwrite each other in the cluster.
                    let object = format!(
                        "{} {}/{}",
                        manifest.kind(),
                        manifest.namespace().unwrap_or("default"),
                        manifest.name().unwrap_or("?")
                    );
                    if let Some(first) = written.insert(object.clone(), label.clone()) {
                        problems.push(format!(
                            "{object} is written by {first} and by {label}; one object has one author: give one provider another Secret name"
                        ));
                        continue;
                    }
                    let taken =
                        |id: &str| stack.has_resource(id) || list.iter().any(|(r, _)| r == id);
                    let name = provider.secret_name();
                    let id = [name.to_owned(), format!("{name}.{ns}")]
                        .into_iter()
                        .find(|id| !taken(id));
                    match id {
                        Some(id) => list.push((id, manifest)),
                        None => problems.push(format!(
                            "{label}: stack `{stack_id}` already has a resource `{name}`, the id of the {} that delivers Secret `{name}`; rename that resource",
                            manifest.kind()
                        )),
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(extras)
    } else {
        Err(SecretError {
            problems: problems.into_iter().map(SecretProblem::Generated).collect(),
            warnings: Vec::new(),
        })
    }
}

/// For each generated-manifests provider `(manager id, provider id)` of `managers`: `namespace ->
/// first stack` that injects one of its secrets there. One walk over the stacks, whatever the
/// number of providers.
fn placements(
    managers: &[(String, AnySecretManager)],
    stacks: &Stacks,
) -> IndexMap<(u64, String), IndexMap<String, String>> {
    let mut places: IndexMap<(u64, String), IndexMap<String, String>> = IndexMap::new();
    let _ = stacks.each(|stack_id, stack| {
        for inj in stack.injections() {
            let Some(manager) = managers
                .iter()
                .map(|(_, m)| m)
                .find(|m| m.id == inj.manager_id())
            else {
                continue;
            };
            let Some(provider) = manager.providers.get(inj.provider_id()) else {
                continue;
            };
            if !matches!(provider.delivery(), Delivery::GeneratedManifests { .. }) {
                continue;
            }
            let ns = provider
                .namespace()
                .or_else(|| stack.resource_namespace(inj.resource_id()))
                .unwrap_or("default")
                .to_owned();
            places
                .entry((manager.id, inj.provider_id().to_owned()))
                .or_default()
                .entry(ns)
                .or_insert_with(|| stack_id.to_owned());
        }
        ControlFlow::Continue(())
    });
    places
}

/// Loads and prepares the values of `secrets` into the Secret's encoded `data`.
fn prepared(
    manager_name: &str,
    manager: &AnySecretManager,
    provider: &dyn Provider,
    secrets: &[&str],
) -> Result<BTreeMap<String, SecretBytes>, Vec<String>> {
    let mut load_problems = Vec::new();
    let values = load_values(manager_name, manager, secrets, &mut load_problems);
    let mut problems: Vec<String> = load_problems.iter().map(ToString::to_string).collect();
    let mut entries: IndexMap<String, (SecretBytes, &str)> = IndexMap::new();
    for secret in secrets {
        let Some(value) = values.get(*secret) else {
            continue;
        };
        match provider.prepare(secret, value) {
            Ok(list) => {
                for e in list {
                    if let Some((_, first)) = entries.get(&e.key) {
                        problems.push(format!(
                            "manager `{manager_name}`: Secret `{}` key `{}` is written by secret `{first}` and by secret `{secret}`; one Secret key holds one value: map one to another key",
                            provider.secret_name(),
                            e.key
                        ));
                    } else {
                        entries.insert(e.key, (e.value, secret));
                    }
                }
            }
            Err(e) => problems.push(format!("manager `{manager_name}`: {e}")),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let entries: IndexMap<String, SecretBytes> =
        entries.into_iter().map(|(k, (v, _))| (k, v)).collect();
    Ok(provider.encode(&entries))
}

/// Every document of the files the previous run listed in `<out>/.kubricate-generated`. Anything
/// unreadable is skipped: at worst a value is encrypted afresh.
fn previous_output(out_dir: &Path) -> Vec<Value> {
    let Ok(list) = std::fs::read_to_string(out_dir.join(crate::generate::write::MARKER)) else {
        return Vec::new();
    };
    let mut docs = Vec::new();
    for rel in list.lines() {
        let rel = Path::new(rel);
        // Only plain relative paths inside the directory, and no symbolic links.
        if rel.as_os_str().is_empty()
            || !rel
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            continue;
        }
        let path = out_dir.join(rel);
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if let Ok(parsed) = crate::yaml::from_str_multi(&text) {
            docs.extend(parsed);
        }
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_output_reads_only_listed_plain_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.yml"), "kind: A\n---\nkind: B\n").unwrap();
        std::fs::write(d.join("foreign.yml"), "kind: F\n").unwrap();
        std::fs::write(d.join("bad.yml"), "kind: [\n").unwrap();
        std::fs::write(
            d.join(crate::generate::write::MARKER),
            "a.yml\nbad.yml\n../escape.yml\n/etc/passwd\nmissing.yml\n",
        )
        .unwrap();
        let docs = previous_output(d);
        let kinds: Vec<&str> = docs.iter().filter_map(|v| v["kind"].as_str()).collect();
        assert_eq!(kinds, ["A", "B"]);
        assert!(previous_output(&d.join("nope")).is_empty());
    }
}
