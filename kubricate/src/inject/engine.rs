//! The injection engine: writes a provider's patch into a resource at the path its kind implies.

use serde_json::{Map, Value};

use crate::resource::pod_spec_path;
use crate::strategy::{ContainerSelector, ContainerTarget};
use crate::Manifest;

/// What an injection adds to a pod.
#[derive(Debug, Clone, PartialEq)]
pub enum PodPatch {
    /// An entry of a container's `env`.
    Env {
        /// Which container.
        container: ContainerTarget,
        /// The `EnvVar` object.
        var: Value,
        /// An explicit path to the env list, instead of the container's.
        target_path: Option<String>,
    },
    /// An entry of a container's `envFrom`.
    EnvFrom {
        /// Which container.
        container: ContainerTarget,
        /// The Secret's name.
        secret: String,
        /// Optional variable prefix.
        prefix: Option<String>,
    },
    /// An entry of the pod's `imagePullSecrets`.
    ImagePullSecret {
        /// The Secret's name.
        name: String,
    },
    /// A pod volume and its mount in a container.
    Volume {
        /// Which container mounts it.
        container: ContainerTarget,
        /// The `Volume` object.
        volume: Value,
        /// The `VolumeMount` object.
        mount: Value,
    },
}

/// Where an injection goes, for messages: `stack `s`, resource `deployment``.
pub(crate) struct Site<'a> {
    pub stack: &'a str,
    pub resource: &'a str,
}

impl std::fmt::Display for Site<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stack `{}`, resource `{}`", self.stack, self.resource)
    }
}

/// Applies `patch` to `resource`. Never leaves a null or sparse entry; every refusal names the site.
pub fn apply_patch(
    stack: &str,
    resource_id: &str,
    resource: &mut Manifest,
    patch: &PodPatch,
) -> Result<(), String> {
    let site = Site {
        stack,
        resource: resource_id,
    };
    let kind = resource.kind().to_owned();
    if let PodPatch::Env {
        var,
        target_path: Some(path),
        ..
    } = patch
    {
        let list = walk_path(resource.body_mut(), path)
            .map_err(|e| format!("{site}: target path `{path}`: {e}"))?;
        return push_env(list, var, &site, &format!("`{path}`"));
    }
    let path = pod_spec_path(&kind).ok_or_else(|| {
        format!("{site}: a {kind} has no pod template, so secrets cannot be injected into it; inject into a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod")
    })?;
    let pod = descend(resource.body_mut(), path)
        .ok_or_else(|| format!("{site}: the {kind} has no `{}` object", path.join(".")))?;
    match patch {
        PodPatch::Env { container, var, .. } => {
            let c = container_mut(pod, container, &site)?;
            let where_ = describe(container, c);
            if let Some(conflict) = env_from_of(c, secret_ref_name(var)) {
                return Err(format!("{site}: {where_} already gets Secret `{conflict}` through envFrom; use either env or envFrom for one Secret in one container"));
            }
            push_env(array_field(c, "env", &site)?, var, &site, &where_)
        }
        PodPatch::EnvFrom {
            container,
            secret,
            prefix,
        } => {
            let c = container_mut(pod, container, &site)?;
            let where_ = describe(container, c);
            if env_uses_secret(c, secret) {
                return Err(format!("{site}: {where_} already reads Secret `{secret}` through env; use either env or envFrom for one Secret in one container"));
            }
            let list = array_field(c, "envFrom", &site)?;
            for existing in list.iter() {
                if existing.pointer("/secretRef/name").and_then(Value::as_str) == Some(secret) {
                    let existing_prefix = existing.get("prefix").and_then(Value::as_str);
                    if existing_prefix == prefix.as_deref() {
                        return Ok(());
                    }
                    return Err(format!(
                        "{site}: {where_} gets Secret `{secret}` through envFrom with two different prefixes ({} and {}); use one",
                        show_prefix(existing_prefix),
                        show_prefix(prefix.as_deref())
                    ));
                }
            }
            let mut entry = Map::new();
            if let Some(p) = prefix {
                entry.insert("prefix".into(), Value::from(p.as_str()));
            }
            entry.insert("secretRef".into(), serde_json::json!({ "name": secret }));
            list.push(Value::Object(entry));
            Ok(())
        }
        PodPatch::ImagePullSecret { name } => {
            let list = array_field(pod, "imagePullSecrets", &site)?;
            if !list
                .iter()
                .any(|e| e.get("name").and_then(Value::as_str) == Some(name))
            {
                list.push(serde_json::json!({ "name": name }));
            }
            Ok(())
        }
        PodPatch::Volume {
            container,
            volume,
            mount,
        } => {
            let vname = volume
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            {
                let volumes = array_field(pod, "volumes", &site)?;
                match volumes.iter().find(|v| v.get("name").and_then(Value::as_str) == Some(&vname)) {
                    Some(existing) if existing == volume => {}
                    Some(_) => return Err(format!("{site}: the pod already has a different volume named `{vname}`; set another volume_name")),
                    None => volumes.push(volume.clone()),
                }
            }
            let c = container_mut(pod, container, &site)?;
            let where_ = describe(container, c);
            let mounts = array_field(c, "volumeMounts", &site)?;
            let mount_path = mount.get("mountPath").cloned().unwrap_or(Value::Null);
            match mounts.iter().find(|m| m.get("mountPath") == Some(&mount_path)) {
                Some(existing) if existing == mount => Ok(()),
                Some(_) => Err(format!("{site}: {where_} already mounts something at {mount_path}; choose another mount_path")),
                None => {
                    mounts.push(mount.clone());
                    Ok(())
                }
            }
        }
    }
}

fn show_prefix(p: Option<&str>) -> String {
    p.map_or_else(|| "no prefix".to_owned(), |p| format!("`{p}`"))
}

fn secret_ref_name(var: &Value) -> Option<&str> {
    var.pointer("/valueFrom/secretKeyRef/name")
        .and_then(Value::as_str)
}

fn env_from_of<'a>(container: &'a Map<String, Value>, secret: Option<&str>) -> Option<&'a str> {
    let secret = secret?;
    container.get("envFrom")?.as_array()?.iter().find_map(|e| {
        let name = e.pointer("/secretRef/name").and_then(Value::as_str)?;
        (name == secret).then_some(name)
    })
}

fn env_uses_secret(container: &Map<String, Value>, secret: &str) -> bool {
    container
        .get("env")
        .and_then(Value::as_array)
        .is_some_and(|env| env.iter().any(|e| secret_ref_name(e) == Some(secret)))
}

fn push_env(
    list: &mut Vec<Value>,
    var: &Value,
    site: &Site<'_>,
    where_: &str,
) -> Result<(), String> {
    let name = var.get("name").and_then(Value::as_str).unwrap_or_default();
    if list
        .iter()
        .any(|e| e.get("name").and_then(Value::as_str) == Some(name))
    {
        return Err(format!(
            "{site}: env var `{name}` is defined twice in {where_}: two injections (or the template and an injection) use the same name; rename one with .for_name(\"...\") or remove the duplicate"
        ));
    }
    list.push(var.clone());
    Ok(())
}

fn describe(target: &ContainerTarget, container: &Map<String, Value>) -> String {
    let name = container.get("name").and_then(Value::as_str).unwrap_or("?");
    match &target.selector {
        ContainerSelector::Index(i) => format!(
            "{} {i} (`{name}`)",
            if target.init {
                "init container"
            } else {
                "container"
            }
        ),
        ContainerSelector::Name(_) => format!(
            "{} `{name}`",
            if target.init {
                "init container"
            } else {
                "container"
            }
        ),
    }
}

/// Walks `path` of objects, which must exist.
fn descend<'v>(mut v: &'v mut Value, path: &[&str]) -> Option<&'v mut Map<String, Value>> {
    for seg in path {
        v = v.as_object_mut()?.get_mut(*seg)?;
    }
    v.as_object_mut()
}

/// The array `field` of `obj`, created when absent (never replaced when present).
fn array_field<'v>(
    obj: &'v mut Map<String, Value>,
    field: &str,
    site: &Site<'_>,
) -> Result<&'v mut Vec<Value>, String> {
    let slot = obj
        .entry(field.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if slot.is_null() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut()
        .ok_or_else(|| format!("{site}: `{field}` is not a list"))
}

fn container_mut<'v>(
    pod: &'v mut Map<String, Value>,
    target: &ContainerTarget,
    site: &Site<'_>,
) -> Result<&'v mut Map<String, Value>, String> {
    let field = target.list_field();
    let list = match pod.get_mut(field).and_then(Value::as_array_mut) {
        Some(list) => list,
        None => {
            return Err(format!(
                "{site}: the pod has no `{field}`, so {target} does not exist"
            ))
        }
    };
    let names = || list_names(list);
    let index =
        match &target.selector {
            ContainerSelector::Index(i) => {
                if *i >= list.len() {
                    return Err(format!(
                    "{site}: {target} is out of range: the pod has {} {}{}; use an index below {}",
                    list.len(),
                    if target.init { "init container(s)" } else { "container(s)" },
                    if list.is_empty() { String::new() } else { format!(" ({})", names()) },
                    list.len()
                ));
                }
                *i
            }
            ContainerSelector::Name(n) => list
                .iter()
                .position(|c| c.get("name").and_then(Value::as_str) == Some(n))
                .ok_or_else(|| {
                    format!(
                        "{site}: there is no {target}; the pod has: {}",
                        if list.is_empty() {
                            "none".to_owned()
                        } else {
                            names()
                        }
                    )
                })?,
        };
    list[index]
        .as_object_mut()
        .ok_or_else(|| format!("{site}: {target} is not an object"))
}

fn list_names(list: &[Value]) -> String {
    list.iter()
        .map(|c| format!("`{}`", c.get("name").and_then(Value::as_str).unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Walks an explicit path like `spec.jobTemplate.spec.template.spec.containers[0].env` to a list,
/// creating the last list when absent; every other step must exist.
fn walk_path<'v>(root: &'v mut Value, path: &str) -> Result<&'v mut Vec<Value>, String> {
    let mut steps: Vec<(String, Option<usize>)> = Vec::new();
    for seg in path.split('.') {
        let (name, index) = match seg.find('[') {
            Some(open) => {
                let idx = seg[open + 1..]
                    .strip_suffix(']')
                    .and_then(|n| n.parse::<usize>().ok());
                match idx {
                    Some(i) => (&seg[..open], Some(i)),
                    None => return Err(format!("segment `{seg}` is not `name[index]`")),
                }
            }
            None => (seg, None),
        };
        if name.is_empty() {
            return Err("empty segment".to_owned());
        }
        steps.push((name.to_owned(), index));
    }
    let last = steps.len().saturating_sub(1);
    let mut cur = root;
    for (i, (name, index)) in steps.iter().enumerate() {
        let obj = cur
            .as_object_mut()
            .ok_or_else(|| format!("`{name}` is not inside an object"))?;
        if i == last && index.is_none() {
            let slot = obj
                .entry(name.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            return slot
                .as_array_mut()
                .ok_or_else(|| format!("`{name}` is not a list"));
        }
        let next = obj
            .get_mut(name)
            .ok_or_else(|| format!("`{name}` does not exist"))?;
        cur = match index {
            Some(ix) => {
                let arr = next
                    .as_array_mut()
                    .ok_or_else(|| format!("`{name}` is not a list"))?;
                let len = arr.len();
                arr.get_mut(*ix).ok_or_else(|| {
                    format!("`{name}[{ix}]` is out of range: the list has {len} item(s)")
                })?
            }
            None => next,
        };
    }
    cur.as_array_mut()
        .ok_or_else(|| "the path does not end at a list".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(containers: Value) -> Manifest {
        Manifest::new(json!({ "apiVersion": "apps/v1", "kind": "Deployment", "spec": { "template": { "spec": { "containers": containers } } } })).unwrap()
    }

    fn env(i: usize, name: &str) -> PodPatch {
        PodPatch::Env {
            container: ContainerTarget {
                selector: ContainerSelector::Index(i),
                init: false,
            },
            var: json!({ "name": name, "valueFrom": { "secretKeyRef": { "name": "s", "key": name } } }),
            target_path: None,
        }
    }

    #[test]
    fn index_past_the_end_names_stack_resource_and_count() {
        let mut d = deployment(json!([{ "name": "api" }]));
        let err = apply_patch("api-service", "deployment", &mut d, &env(2, "X")).unwrap_err();
        assert!(
            err.contains("stack `api-service`, resource `deployment`"),
            "{err}"
        );
        assert!(err.contains("the pod has 1 container(s) (`api`)"), "{err}");
        assert_eq!(
            d.body()
                .pointer("/spec/template/spec/containers")
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn duplicate_env_name_is_refused() {
        let mut d = deployment(json!([{ "name": "api" }]));
        apply_patch("s", "deployment", &mut d, &env(0, "X")).unwrap();
        assert!(apply_patch("s", "deployment", &mut d, &env(0, "X"))
            .unwrap_err()
            .contains("defined twice"));
    }

    #[test]
    fn cronjob_path_is_derived() {
        let mut c = Manifest::new(json!({ "apiVersion": "batch/v1", "kind": "CronJob",
            "spec": { "jobTemplate": { "spec": { "template": { "spec": { "containers": [{ "name": "job" }] } } } } } })).unwrap();
        apply_patch("s", "cron", &mut c, &env(0, "X")).unwrap();
        assert_eq!(
            c.body()
                .pointer("/spec/jobTemplate/spec/template/spec/containers/0/env/0/name")
                .unwrap(),
            "X"
        );
    }

    #[test]
    fn image_pull_secrets_are_not_duplicated() {
        let mut d = deployment(json!([{ "name": "api" }]));
        for _ in 0..3 {
            apply_patch(
                "s",
                "d",
                &mut d,
                &PodPatch::ImagePullSecret { name: "reg".into() },
            )
            .unwrap();
        }
        assert_eq!(
            d.body()
                .pointer("/spec/template/spec/imagePullSecrets")
                .unwrap(),
            &json!([{ "name": "reg" }])
        );
    }

    #[test]
    fn explicit_target_path() {
        let mut d = deployment(json!([{ "name": "api" }, { "name": "side" }]));
        let mut p = env(0, "X");
        if let PodPatch::Env { target_path, .. } = &mut p {
            *target_path = Some("spec.template.spec.containers[1].env".into());
        }
        apply_patch("s", "d", &mut d, &p).unwrap();
        assert_eq!(
            d.body()
                .pointer("/spec/template/spec/containers/1/env/0/name")
                .unwrap(),
            "X"
        );
        if let PodPatch::Env { target_path, .. } = &mut p {
            *target_path = Some("spec.template.spec.containers[5].env".into());
        }
        assert!(apply_patch("s", "d", &mut d, &p)
            .unwrap_err()
            .contains("out of range"));
    }

    #[test]
    fn env_and_env_from_of_one_secret_do_not_mix() {
        let mut d = deployment(json!([{ "name": "api" }]));
        let target = ContainerTarget::default();
        apply_patch(
            "s",
            "d",
            &mut d,
            &PodPatch::EnvFrom {
                container: target.clone(),
                secret: "s".into(),
                prefix: None,
            },
        )
        .unwrap();
        assert!(apply_patch("s", "d", &mut d, &env(0, "X"))
            .unwrap_err()
            .contains("either env or envFrom"));
        let other = PodPatch::EnvFrom {
            container: target,
            secret: "s".into(),
            prefix: Some("P_".into()),
        };
        assert!(apply_patch("s", "d", &mut d, &other)
            .unwrap_err()
            .contains("two different prefixes"));
    }

    #[test]
    fn service_is_not_a_workload() {
        let mut s = Manifest::new(json!({ "apiVersion": "v1", "kind": "Service" })).unwrap();
        assert!(apply_patch("s", "service", &mut s, &env(0, "X"))
            .unwrap_err()
            .contains("has no pod template"));
    }
}
