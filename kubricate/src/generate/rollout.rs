//! Rollout on rotation (`generate --secret-checksums`): a pod-template annotation per workload that
//! changes when a value the workload consumes changes, so `kubectl apply` of the new manifests rolls
//! the pods, as Helm's `checksum/` annotations do.
//!
//! The annotation is a keyed hash ([`ChecksumKey`], HMAC-SHA256) of exactly the Secret entries the
//! workload's pod template references (`secretKeyRef` keys; every key for `envFrom`,
//! `imagePullSecrets` and whole-Secret volumes; a volume's `items`), looked up in the workload's
//! namespace as the cross-check does. A plain hash would let anyone holding the manifests test
//! guesses of a low-entropy value offline; under a key they do not hold, they cannot.
//!
//! It is added after the resource hash is taken, so a rotation changes this annotation and nothing
//! else. Secrets created outside kubricate (`Project::external_secret`) have no value here and are
//! left out.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use zeroize::Zeroizing;

use crate::checksum::ChecksumKey;
use crate::deliver::check::{pod_references, ReferenceUsage};
use crate::deliver::secret::MergedSecret;
use crate::model::resource::ResourceMap;
use crate::model::workload::pod_spec_path;

/// The pod-template annotation holding the checksum.
pub const ANNOTATION_SECRET_CHECKSUM: &str = "kubricate.thaitype.dev/secret-checksum";

/// The context every rollout checksum is bound to, so it can never equal a checksum made by the same
/// key for another purpose (a SealedSecret's, say).
const PURPOSE: &str = "kubricate.thaitype.dev/secret-checksum/v1";

/// Checksums by `(stack id, resource id)`, for the workloads that consume at least one value.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RolloutChecksums {
    by_resource: HashMap<(String, String), String>,
}

impl RolloutChecksums {
    /// Computes the checksum of every workload of `stacks` that references a Secret of `secrets`.
    pub fn compute(
        stacks: &[(String, ResourceMap)],
        secrets: &[MergedSecret],
        key: &ChecksumKey,
    ) -> RolloutChecksums {
        let mut sums = RolloutChecksums::default();
        for (stack_id, resources) in stacks {
            sums.add(stack_id, resources, secrets, key);
        }
        sums
    }

    /// Adds the checksums of the workloads of one stack (see [`compute`](Self::compute)).
    pub fn add(
        &mut self,
        stack_id: &str,
        resources: &ResourceMap,
        secrets: &[MergedSecret],
        key: &ChecksumKey,
    ) {
        let by_place: HashMap<(Option<&str>, &str), &MergedSecret> = secrets
            .iter()
            .map(|s| ((s.namespace.as_deref(), s.name.as_str()), s))
            .collect();
        {
            for (resource_id, manifest) in resources {
                let ns = manifest.namespace();
                // (Secret, key) -> value, sorted and deduplicated: the order of references in the
                // pod spec is not a change of value.
                let mut consumed: BTreeMap<(&str, &str), &[u8]> = BTreeMap::new();
                for r in pod_references(manifest) {
                    let Some(secret) = by_place.get(&(ns, r.secret_name.as_str())) else {
                        continue;
                    };
                    let wanted = |k: &str| match &r.usage {
                        ReferenceUsage::EnvKey { key, .. } => key == k,
                        ReferenceUsage::Volume { keys, .. } if !keys.is_empty() => {
                            keys.iter().any(|i| i == k)
                        }
                        _ => true,
                    };
                    for (k, v) in secret.data.iter().filter(|(k, _)| wanted(k)) {
                        consumed.insert((secret.name.as_str(), k.as_str()), v.expose());
                    }
                }
                if consumed.is_empty() {
                    continue;
                }
                // Length-prefixed fields: no two different sets of entries frame to the same bytes.
                // Sized up front: a growing buffer would leave copies of the values in freed memory.
                let size: usize = consumed
                    .iter()
                    .map(|((name, k), v)| 24 + name.len() + k.len() + v.len())
                    .sum();
                let mut framed = Zeroizing::new(Vec::with_capacity(size));
                for ((name, k), v) in consumed {
                    for field in [name.as_bytes(), k.as_bytes(), v] {
                        framed.extend_from_slice(&(field.len() as u64).to_be_bytes());
                        framed.extend_from_slice(field);
                    }
                }
                let sum = key.checksum(&[PURPOSE, stack_id, resource_id], &framed);
                self.by_resource
                    .insert((stack_id.to_owned(), resource_id.clone()), sum);
            }
        }
    }

    /// The checksum of one workload, if it consumes any value.
    pub fn get(&self, stack_id: &str, resource_id: &str) -> Option<&str> {
        self.by_resource
            .get(&(stack_id.to_owned(), resource_id.to_owned()))
            .map(String::as_str)
    }

    /// Writes the annotation into the pod template of `resource` (a workload of kind `kind`).
    pub(crate) fn annotate(&self, resource: &mut Value, stack_id: &str, resource_id: &str) {
        let Some(sum) = self.get(stack_id, resource_id) else {
            return;
        };
        let kind = resource.get("kind").and_then(Value::as_str).unwrap_or("");
        let Some(path) = pod_spec_path(kind) else {
            return;
        };
        // The pod template's metadata sits beside its spec (the Pod's own, for a bare Pod).
        let Some((_, parent)) = path.split_last() else {
            return;
        };
        let mut at = resource;
        for seg in parent {
            match at.get_mut(*seg) {
                Some(v) => at = v,
                None => return,
            }
        }
        let Some(obj) = at.as_object_mut() else {
            return;
        };
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if !meta.is_object() {
            *meta = Value::Object(Default::default());
        }
        let Some(meta) = meta.as_object_mut() else {
            return;
        };
        let ann = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if !ann.is_object() {
            *ann = Value::Object(Default::default());
        }
        if let Some(ann) = ann.as_object_mut() {
            ann.insert(ANNOTATION_SECRET_CHECKSUM.into(), Value::from(sum));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resource::Manifest;
    use crate::model::secret_value::SecretBytes;
    use serde_json::json;

    fn key() -> ChecksumKey {
        ChecksumKey::new(b"test-only rollout key, 32 bytes!".to_vec()).unwrap()
    }

    fn secret(name: &str, data: &[(&str, &str)]) -> MergedSecret {
        MergedSecret {
            name: name.into(),
            namespace: None,
            secret_type: "Opaque".into(),
            data: data
                .iter()
                .map(|(k, v)| ((*k).to_owned(), SecretBytes::from(v.as_bytes().to_vec())))
                .collect(),
            sources: vec![],
        }
    }

    fn deployment(env: Value) -> Vec<(String, ResourceMap)> {
        let d = Manifest::new(json!({ "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": { "name": "web" },
            "spec": { "template": { "spec": { "containers": [{ "name": "web", "env": env }] } } } }))
        .unwrap();
        vec![("s".into(), ResourceMap::from([("d".to_owned(), d)]))]
    }

    fn env(keys: &[&str]) -> Value {
        Value::Array(
            keys.iter()
                .map(|k| json!({ "name": k, "valueFrom": { "secretKeyRef": { "name": "app", "key": k } } }))
                .collect(),
        )
    }

    #[test]
    fn changes_with_a_consumed_value_only() {
        let stacks = deployment(env(&["A", "B"]));
        let sum = |a: &str, c: &str| {
            let s = [secret("app", &[("A", a), ("B", "b"), ("C", c)])];
            RolloutChecksums::compute(&stacks, &s, &key())
                .get("s", "d")
                .map(str::to_owned)
                .unwrap()
        };
        let base = sum("$ecret 'quoted' \"ü\"", "c");
        assert_eq!(base.len(), 64);
        assert_eq!(base, sum("$ecret 'quoted' \"ü\"", "c"), "deterministic");
        assert_ne!(base, sum("$ecret 'quoted' \"ü\"!", "c"), "A is consumed");
        assert_eq!(
            base,
            sum("$ecret 'quoted' \"ü\"", "other"),
            "C is not consumed"
        );
        // The order of the env entries is not a change of value.
        let swapped = deployment(env(&["B", "A"]));
        let s = [secret("app", &[("A", "$ecret 'quoted' \"ü\""), ("B", "b")])];
        assert_eq!(
            RolloutChecksums::compute(&swapped, &s, &key()).get("s", "d"),
            Some(base.as_str())
        );
    }

    #[test]
    fn is_keyed_not_a_plain_hash() {
        let stacks = deployment(env(&["A"]));
        let s = [secret("app", &[("A", "1234")])];
        let a = RolloutChecksums::compute(&stacks, &s, &key());
        let other = ChecksumKey::new(b"another rollout key of 32 bytes!".to_vec()).unwrap();
        let b = RolloutChecksums::compute(&stacks, &s, &other);
        assert_ne!(a.get("s", "d"), b.get("s", "d"));
        assert_ne!(
            a.get("s", "d"),
            Some(crate::hash::sha256_hex(b"1234").as_str())
        );
    }

    #[test]
    fn annotates_the_pod_template_of_each_kind() {
        let cron = Manifest::new(json!({ "apiVersion": "batch/v1", "kind": "CronJob", "metadata": { "name": "c" },
            "spec": { "schedule": "* * * * *", "jobTemplate": { "spec": { "template": { "spec": {
                "containers": [{ "name": "c", "envFrom": [{ "secretRef": { "name": "app" } }] }] } } } } } }))
        .unwrap();
        let pod = Manifest::new(json!({ "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "p" },
            "spec": { "containers": [{ "name": "c", "envFrom": [{ "secretRef": { "name": "app" } }] }] } }))
        .unwrap();
        let stacks = vec![(
            "s".to_owned(),
            ResourceMap::from([("c".to_owned(), cron), ("p".to_owned(), pod)]),
        )];
        let sums = RolloutChecksums::compute(&stacks, &[secret("app", &[("A", "a")])], &key());
        let mut c = stacks[0].1["c"].body().clone();
        sums.annotate(&mut c, "s", "c");
        assert!(
            c["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["annotations"]
                [ANNOTATION_SECRET_CHECKSUM]
                .is_string()
        );
        let mut p = stacks[0].1["p"].body().clone();
        sums.annotate(&mut p, "s", "p");
        assert!(p["metadata"]["annotations"][ANNOTATION_SECRET_CHECKSUM].is_string());
    }

    #[test]
    fn a_workload_consuming_nothing_gets_no_annotation() {
        let stacks = deployment(json!([{ "name": "PLAIN", "value": "1" }]));
        let sums = RolloutChecksums::compute(&stacks, &[secret("app", &[("A", "a")])], &key());
        assert_eq!(sums.get("s", "d"), None);
    }
}
