//! The merge behind `.override(..)`, strategic-merge style (as `kubectl patch` and kustomize do):
//!
//! - objects merge key by key;
//! - a `null` value removes the key (`{"spec": {"type": null}}` drops `spec.type`);
//! - lists of named items (`containers`, `initContainers`, `env`, `ports`, `volumes`,
//!   `volumeMounts`) merge item by item on `name`: an item of the patch changes the item of that name
//!   (merged the same way, recursively) or, if there is none, is appended. A list where some item has
//!   no string `name` (a Service's unnamed `ports`) is replaced as a whole, as is every other list;
//! - everything else is replaced.
//!
//! So `containers: [{ name: "web", env: [..] }]` adds variables to the container `web` and keeps its
//! `image` and `ports`. [`missing_required`] then says which required field an override left out.

use serde_json::{Map, Value};

use crate::model::workload::pod_spec_path;

/// The lists merged by `name` (the Kubernetes fields whose strategic-merge key is `name`, plus
/// `ports`, merged by `name` when every port is named).
const NAMED_LISTS: [&str; 6] = [
    "containers",
    "initContainers",
    "env",
    "ports",
    "volumes",
    "volumeMounts",
];

/// Merges `patch` into `base` (see the module documentation).
///
/// ```text
/// base:  {"spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}
/// patch: {"spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}}
/// =>     {"spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}}   (unnamed ports: replaced)
/// ```
pub fn deep_merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => merge_objects(b, p),
        (b, p) => *b = without_nulls(p),
    }
}

fn merge_objects(base: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        if v.is_null() {
            // `shift_remove` keeps the order of the remaining keys (the output is ordered).
            base.shift_remove(&k);
            continue;
        }
        match (base.get_mut(&k), v) {
            (Some(Value::Array(items)), Value::Array(patch_items))
                if NAMED_LISTS.contains(&k.as_str()) =>
            {
                merge_named_list(items, patch_items);
            }
            (Some(existing), v) => deep_merge(existing, v),
            (None, v) => {
                base.insert(k, without_nulls(v));
            }
        }
    }
}

/// Merges two lists by `name` when every item of both has one; otherwise `patch` replaces `base`.
fn merge_named_list(base: &mut Vec<Value>, patch: Vec<Value>) {
    let named = |items: &[Value]| items.iter().all(|i| item_name(i).is_some());
    if !named(base) || !named(&patch) {
        *base = patch.into_iter().map(without_nulls).collect();
        return;
    }
    for item in patch {
        let name = item_name(&item).map(str::to_owned);
        match base.iter_mut().find(|b| item_name(b) == name.as_deref()) {
            Some(existing) => deep_merge(existing, item),
            None => base.push(without_nulls(item)),
        }
    }
}

fn item_name(item: &Value) -> Option<&str> {
    item.get("name").and_then(Value::as_str)
}

/// A new value written where there was none: its `null`s remove nothing, so they are dropped (the
/// output never holds a `null` an override asked to remove).
fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// The first required field missing from `resource` of kind `kind`, as a path
/// (`spec.template.spec.containers[0].image`), checked where an override can break a resource the
/// API server would then reject: `metadata.name`; in a pod template, each container's and init
/// container's `name` and `image`, each `env` entry's `name`, each volume's `name`, each volume
/// mount's `name` and `mountPath`, each container port's `containerPort`; a Service's
/// `spec.ports[].port`.
pub fn missing_required(kind: &str, resource: &Value) -> Option<String> {
    if !resource
        .get("metadata")
        .and_then(|m| m.get("name"))
        .is_some_and(non_empty_str)
    {
        return Some("metadata.name".to_owned());
    }
    if kind == "Service" {
        return missing_in_list(resource, &["spec", "ports"], &["port"]);
    }
    let path = pod_spec_path(kind)?;
    let mut pod = resource;
    for seg in path {
        pod = pod.get(*seg)?;
    }
    let prefix = path.join(".");
    for list in ["initContainers", "containers"] {
        for (i, c) in items(pod, list).iter().enumerate() {
            let at = format!("{prefix}.{list}[{i}]");
            for field in ["name", "image"] {
                if !c.get(field).is_some_and(non_empty_str) {
                    return Some(format!("{at}.{field}"));
                }
            }
            for (field, required) in [
                ("env", &["name"][..]),
                ("volumeMounts", &["name", "mountPath"][..]),
                ("ports", &["containerPort"][..]),
            ] {
                if let Some(m) = missing_in_list(c, &[field], required) {
                    return Some(format!("{at}.{m}"));
                }
            }
        }
    }
    missing_in_list(pod, &["volumes"], &["name"]).map(|m| format!("{prefix}.{m}"))
}

/// `ports[1].port` for the first item of the list at `path` without one of `required`.
fn missing_in_list(obj: &Value, path: &[&str], required: &[&str]) -> Option<String> {
    let mut list = obj;
    for seg in path {
        list = list.get(*seg)?;
    }
    let list = list.as_array()?;
    list.iter().enumerate().find_map(|(i, item)| {
        required
            .iter()
            .find(|f| item.get(**f).is_none_or(|v| v.is_null() || v == ""))
            .map(|f| format!("{}[{i}].{f}", path.join(".")))
    })
}

fn items<'v>(obj: &'v Value, field: &str) -> &'v [Value] {
    obj.get(field)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn non_empty_str(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(containers: Value) -> Value {
        json!({ "metadata": { "name": "web" }, "spec": { "template": { "spec": { "containers": containers } } } })
    }

    #[test]
    fn objects_merge_and_unnamed_lists_are_replaced() {
        let mut base = json!({ "spec": { "type": "ClusterIP", "ports": [{ "port": 80 }] } });
        deep_merge(
            &mut base,
            json!({ "spec": { "type": "LoadBalancer", "ports": [{ "port": 443 }] } }),
        );
        assert_eq!(
            base,
            json!({ "spec": { "type": "LoadBalancer", "ports": [{ "port": 443 }] } })
        );
    }

    #[test]
    fn keeps_untouched_keys_and_order() {
        let mut base = json!({ "a": 1, "b": { "c": 2, "d": 3 } });
        deep_merge(&mut base, json!({ "b": { "d": 4, "e": 5 } }));
        assert_eq!(
            serde_json::to_string(&base).unwrap(),
            r#"{"a":1,"b":{"c":2,"d":4,"e":5}}"#
        );
    }

    #[test]
    fn a_partial_container_keeps_its_image_and_ports() {
        let mut base = deployment(json!([
            { "name": "web", "image": "web:1", "ports": [{ "containerPort": 80 }],
              "env": [{ "name": "A", "value": "1" }] },
            { "name": "side", "image": "side:1" }
        ]));
        deep_merge(
            &mut base,
            deployment(json!([
                { "name": "web", "env": [{ "name": "A", "value": "2" }, { "name": "B", "value": "$HOME \"q\"" }] },
                { "name": "new", "image": "new:1" }
            ])),
        );
        assert_eq!(
            base["spec"]["template"]["spec"]["containers"],
            json!([
                { "name": "web", "image": "web:1", "ports": [{ "containerPort": 80 }],
                  "env": [{ "name": "A", "value": "2" }, { "name": "B", "value": "$HOME \"q\"" }] },
                { "name": "side", "image": "side:1" },
                { "name": "new", "image": "new:1" }
            ])
        );
    }

    #[test]
    fn every_named_list_merges_by_name() {
        for list in NAMED_LISTS {
            let mut base = json!({ list: [{ "name": "a", "x": 1 }, { "name": "b", "x": 2 }] });
            deep_merge(&mut base, json!({ list: [{ "name": "b", "y": 3 }] }));
            assert_eq!(
                base[list],
                json!([{ "name": "a", "x": 1 }, { "name": "b", "x": 2, "y": 3 }]),
                "{list}"
            );
        }
        // Other lists are replaced even when their items are named.
        let mut base = json!({ "imagePullSecrets": [{ "name": "a" }] });
        deep_merge(&mut base, json!({ "imagePullSecrets": [{ "name": "b" }] }));
        assert_eq!(base["imagePullSecrets"], json!([{ "name": "b" }]));
    }

    #[test]
    fn null_removes_a_field_and_never_lands_in_the_output() {
        let mut base =
            json!({ "spec": { "type": "ClusterIP", "selector": { "app": "x" }, "z": 1 } });
        deep_merge(
            &mut base,
            json!({ "spec": { "type": null, "absent": null, "new": { "k": null, "v": 1 } } }),
        );
        assert_eq!(
            serde_json::to_string(&base).unwrap(),
            r#"{"spec":{"selector":{"app":"x"},"z":1,"new":{"v":1}}}"#
        );
        // In a named item too: the container keeps everything but its `ports`.
        let mut base = deployment(json!([{ "name": "web", "image": "w", "ports": [] }]));
        deep_merge(
            &mut base,
            deployment(json!([{ "name": "web", "ports": null }])),
        );
        assert_eq!(
            base["spec"]["template"]["spec"]["containers"],
            json!([{ "name": "web", "image": "w" }])
        );
    }

    #[test]
    fn required_fields_are_named_by_path() {
        let ok = deployment(
            json!([{ "name": "web", "image": "w", "ports": [{ "containerPort": 80 }] }]),
        );
        assert_eq!(missing_required("Deployment", &ok), None);
        for (containers, want) in [
            (
                json!([{ "name": "web" }]),
                "spec.template.spec.containers[0].image",
            ),
            (
                json!([{ "name": "web", "image": "w" }, { "image": "x" }]),
                "spec.template.spec.containers[1].name",
            ),
            (
                json!([{ "name": "web", "image": "" }]),
                "spec.template.spec.containers[0].image",
            ),
            (
                json!([{ "name": "web", "image": "w", "env": [{ "value": "1" }] }]),
                "spec.template.spec.containers[0].env[0].name",
            ),
            (
                json!([{ "name": "web", "image": "w", "volumeMounts": [{ "name": "v" }] }]),
                "spec.template.spec.containers[0].volumeMounts[0].mountPath",
            ),
            (
                json!([{ "name": "web", "image": "w", "ports": [{ "name": "http" }] }]),
                "spec.template.spec.containers[0].ports[0].containerPort",
            ),
        ] {
            assert_eq!(
                missing_required("Deployment", &deployment(containers)).as_deref(),
                Some(want)
            );
        }
        let service =
            json!({ "metadata": { "name": "s" }, "spec": { "ports": [{ "targetPort": 80 }] } });
        assert_eq!(
            missing_required("Service", &service).as_deref(),
            Some("spec.ports[0].port")
        );
        assert_eq!(
            missing_required("ConfigMap", &json!({ "metadata": {} })).as_deref(),
            Some("metadata.name")
        );
        let cron = json!({ "metadata": { "name": "c" }, "spec": { "jobTemplate": { "spec": { "template": { "spec": {
            "initContainers": [{ "name": "i" }], "containers": [{ "name": "c", "image": "c" }] } } } } } });
        assert_eq!(
            missing_required("CronJob", &cron).as_deref(),
            Some("spec.jobTemplate.spec.template.spec.initContainers[0].image")
        );
    }
}
