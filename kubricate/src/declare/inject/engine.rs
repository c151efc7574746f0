//! The injection engine: writes a provider's patch into a resource at the path its kind implies.

use std::fmt;

use serde_json::{Map, Value};

use crate::model::pod_patch::PodPatch;
use crate::model::resource::{field, field_mut, value_at, Manifest};
use crate::model::strategy::{ContainerSelector, ContainerTarget};
use crate::model::workload::{kind_list, pod_spec_path};

/// Where an injection goes, borrowed while it runs (it runs once per injection).
pub(crate) struct Site<'a> {
    pub stack: &'a str,
    pub resource: &'a str,
}

impl Site<'_> {
    fn owned(&self) -> InjectionSite {
        InjectionSite {
            stack: self.stack.to_owned(),
            resource: self.resource.to_owned(),
        }
    }
}

/// Where an injection goes, for messages: `stack `s`, resource `deployment``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectionSite {
    /// The stack's name.
    pub stack: String,
    /// The resource id.
    pub resource: String,
}

impl fmt::Display for InjectionSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stack `{}`, resource `{}`", self.stack, self.resource)
    }
}

/// Why an injection cannot be written into its resource. Every message starts with the site and
/// ends with the fix; `container` fields read `container 0 (`api`)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InjectionProblem {
    /// An explicit `target_path` that does not lead to a list.
    #[error("{site}: target path `{path}`: {problem}")]
    TargetPath {
        /// Where.
        site: InjectionSite,
        /// The path as written.
        path: String,
        /// What is wrong with it.
        problem: TargetPathProblem,
    },
    /// The variable is already in the list.
    #[error("{site}: env var `{var}` is defined twice in {place}: two injections (or the template and an injection) use the same name; rename one with .for_name(\"...\") or remove the duplicate")]
    EnvDefinedTwice {
        /// Where.
        site: InjectionSite,
        /// The variable.
        var: String,
        /// The container, or the target path in backquotes.
        place: String,
    },
    /// The resource's kind runs no pods.
    #[error("{site}: a {kind} has no pod template, so secrets cannot be injected into it; inject into a {}", kind_list(" or "))]
    NoPodTemplate {
        /// Where.
        site: InjectionSite,
        /// The resource's kind.
        kind: String,
    },
    /// The workload lacks its pod spec object.
    #[error("{site}: the {kind} has no `{path}` object")]
    NoPodSpec {
        /// Where.
        site: InjectionSite,
        /// The resource's kind.
        kind: String,
        /// The pod spec's path, dotted.
        path: String,
    },
    /// envFrom of one Secret twice with different prefixes.
    #[error("{site}: {container} gets Secret `{secret_name}` through envFrom with two different prefixes ({} and {}); use one", show_prefix(first.as_deref()), show_prefix(second.as_deref()))]
    TwoPrefixes {
        /// Where.
        site: InjectionSite,
        /// The container.
        container: String,
        /// The Kubernetes Secret.
        secret_name: String,
        /// The prefix already there.
        first: Option<String>,
        /// The prefix asked for.
        second: Option<String>,
    },
    /// A different volume already has the name.
    #[error(
        "{site}: the pod already has a different volume named `{volume}`; set another volume_name"
    )]
    VolumeNameTaken {
        /// Where.
        site: InjectionSite,
        /// The volume's name.
        volume: String,
    },
    /// A different mount already uses the path.
    #[error(
        "{site}: {container} already mounts something at {mount_path}; choose another mount_path"
    )]
    MountPathTaken {
        /// Where.
        site: InjectionSite,
        /// The container.
        container: String,
        /// The mount path, as JSON (quoted).
        mount_path: String,
    },
    /// A field that must be a list is something else.
    #[error("{site}: `{field}` is not a list")]
    NotAList {
        /// Where.
        site: InjectionSite,
        /// The field.
        field: String,
    },
    /// The pod has no container list of that kind.
    #[error("{site}: the pod has no `{field}`, so {target} does not exist")]
    NoContainers {
        /// Where.
        site: InjectionSite,
        /// `containers` or `initContainers`.
        field: &'static str,
        /// The container asked for.
        target: ContainerTarget,
    },
    /// A container index past the last container.
    #[error("{site}: {target} is out of range: the pod has {} {}{}; use an index below {}", names.len(), if target.init { "init container(s)" } else { "container(s)" }, if names.is_empty() { String::new() } else { format!(" ({})", quoted(names)) }, names.len())]
    ContainerOutOfRange {
        /// Where.
        site: InjectionSite,
        /// The container asked for.
        target: ContainerTarget,
        /// The names of the pod's containers of that kind.
        names: Vec<String>,
    },
    /// No container of that name.
    #[error("{site}: there is no {target}; the pod has: {}", if names.is_empty() { "none".to_owned() } else { quoted(names) })]
    NoSuchContainer {
        /// Where.
        site: InjectionSite,
        /// The container asked for.
        target: ContainerTarget,
        /// The names of the pod's containers of that kind.
        names: Vec<String>,
    },
    /// The container entry is not an object.
    #[error("{site}: {target} is not an object")]
    ContainerNotAnObject {
        /// Where.
        site: InjectionSite,
        /// The container asked for.
        target: ContainerTarget,
    },
}

/// What is wrong with an explicit `target_path` (`spec.template.spec.containers[0].env`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetPathProblem {
    /// A segment with a malformed index.
    #[error("segment `{0}` is not `name[index]`")]
    BadIndex(String),
    /// `a..b`, a leading or trailing dot.
    #[error("empty segment")]
    EmptySegment,
    /// A step below something that is not an object.
    #[error("`{0}` is not inside an object")]
    NotInsideAnObject(String),
    /// A step that must be a list is not.
    #[error("`{0}` is not a list")]
    NotAList(String),
    /// A step that does not exist (only the last list is created).
    #[error("`{0}` does not exist")]
    Missing(String),
    /// An index past the end of its list.
    #[error("`{name}[{index}]` is out of range: the list has {len} item(s)")]
    OutOfRange {
        /// The list.
        name: String,
        /// The index asked for.
        index: usize,
        /// The list's length.
        len: usize,
    },
    /// The path stops at something that is not a list.
    #[error("the path does not end at a list")]
    NotEndingAtAList,
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Applies `patch` to `resource`. Never leaves a null or sparse entry; every refusal names the site.
/// (Boxed: refusals are rare and large, and the success path should stay a small return value.)
pub fn apply_patch(
    stack: &str,
    resource_id: &str,
    resource: &mut Manifest,
    patch: &PodPatch,
) -> Result<(), Box<InjectionProblem>> {
    let site = Site {
        stack,
        resource: resource_id,
    };
    if let PodPatch::Env {
        var,
        target_path: Some(path),
        ..
    } = patch
    {
        let list = walk_path(resource.body_mut(), path).map_err(|problem| {
            Box::new(InjectionProblem::TargetPath {
                site: site.owned(),
                path: path.clone(),
                problem,
            })
        })?;
        if !try_push_env(list, var) {
            return Err(env_defined_twice(&site, var, format!("`{path}`")));
        }
        return Ok(());
    }
    let Some(path) = pod_spec_path(resource.kind()) else {
        return Err(Box::new(InjectionProblem::NoPodTemplate {
            site: site.owned(),
            kind: resource.kind().to_owned(),
        }));
    };
    let Some(pod) = descend(resource.body_mut(), path) else {
        return Err(Box::new(InjectionProblem::NoPodSpec {
            site: site.owned(),
            kind: resource.kind().to_owned(),
            path: path.join("."),
        }));
    };
    // This runs once per injection, so the container's description (`describe`) is only formatted
    // on the way to an error, once the list borrowed from the container is released.
    match patch {
        PodPatch::Env { container, var, .. } => {
            // One Secret may reach one container through both `env` and `envFrom` (Kubernetes and
            // the reference accept it; an `env` entry wins over an `envFrom` variable of its name).
            let c = container_mut(pod, container, &site)?;
            if !try_push_env(array_field(c, "env", &site)?, var) {
                return Err(env_defined_twice(&site, var, describe(container, c)));
            }
            Ok(())
        }
        PodPatch::EnvFrom {
            container,
            secret,
            prefix,
        } => {
            let c = container_mut(pod, container, &site)?;
            let list = array_field(c, "envFrom", &site)?;
            let existing = list
                .iter()
                .find(|e| {
                    value_at(e, &["secretRef", "name"]).and_then(Value::as_str) == Some(secret)
                })
                .map(|e| e.get("prefix").and_then(Value::as_str).map(str::to_owned));
            match existing {
                Some(existing_prefix) if existing_prefix == *prefix => Ok(()),
                Some(existing_prefix) => Err(Box::new(InjectionProblem::TwoPrefixes {
                    site: site.owned(),
                    container: describe(container, c),
                    secret_name: secret.clone(),
                    first: existing_prefix,
                    second: prefix.clone(),
                })),
                None => {
                    let mut entry = Map::new();
                    if let Some(p) = prefix {
                        entry.insert("prefix".into(), Value::from(p.as_str()));
                    }
                    entry.insert("secretRef".into(), serde_json::json!({ "name": secret }));
                    list.push(Value::Object(entry));
                    Ok(())
                }
            }
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
                .unwrap_or_default();
            {
                let volumes = array_field(pod, "volumes", &site)?;
                match volumes
                    .iter()
                    .find(|v| v.get("name").and_then(Value::as_str) == Some(vname))
                {
                    Some(existing) if existing == volume => {}
                    Some(_) => {
                        return Err(Box::new(InjectionProblem::VolumeNameTaken {
                            site: site.owned(),
                            volume: vname.to_owned(),
                        }))
                    }
                    None => volumes.push(volume.clone()),
                }
            }
            let c = container_mut(pod, container, &site)?;
            let mount_path = mount.get("mountPath").unwrap_or(&Value::Null);
            let mounts = array_field(c, "volumeMounts", &site)?;
            match mounts
                .iter()
                .find(|m| m.get("mountPath") == Some(mount_path))
            {
                Some(existing) if existing == mount => Ok(()),
                Some(_) => Err(Box::new(InjectionProblem::MountPathTaken {
                    site: site.owned(),
                    container: describe(container, c),
                    mount_path: mount_path.to_string(),
                })),
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

/// Appends `var` unless the list already defines its name; false when it does.
fn try_push_env(list: &mut Vec<Value>, var: &Value) -> bool {
    let name = env_name(var);
    if list.iter().any(|e| env_name(e) == name) {
        return false;
    }
    list.push(var.clone());
    true
}

fn env_name(var: &Value) -> &str {
    value_at(var, &["name"])
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn env_defined_twice(site: &Site<'_>, var: &Value, place: String) -> Box<InjectionProblem> {
    Box::new(InjectionProblem::EnvDefinedTwice {
        site: site.owned(),
        var: env_name(var).to_owned(),
        place,
    })
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
        v = field_mut(v.as_object_mut()?, seg)?;
    }
    v.as_object_mut()
}

/// The array `name` of `obj`, created when absent (never replaced when present).
fn array_field<'v>(
    obj: &'v mut Map<String, Value>,
    name: &str,
    site: &Site<'_>,
) -> Result<&'v mut Vec<Value>, Box<InjectionProblem>> {
    // Looked up before inserting, so that the usual case (the list exists) allocates no key.
    if field(obj, name).is_none() {
        obj.insert(name.to_owned(), Value::Array(Vec::new()));
    }
    let not_a_list = || {
        Box::new(InjectionProblem::NotAList {
            site: site.owned(),
            field: name.to_owned(),
        })
    };
    let slot = field_mut(obj, name).ok_or_else(not_a_list)?;
    if slot.is_null() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut().ok_or_else(not_a_list)
}

fn container_mut<'v>(
    pod: &'v mut Map<String, Value>,
    target: &ContainerTarget,
    site: &Site<'_>,
) -> Result<&'v mut Map<String, Value>, Box<InjectionProblem>> {
    let field = target.list_field();
    let list = match field_mut(pod, field).and_then(Value::as_array_mut) {
        Some(list) => list,
        None => {
            return Err(Box::new(InjectionProblem::NoContainers {
                site: site.owned(),
                field,
                target: target.clone(),
            }))
        }
    };
    let names = || list_names(list);
    let index = match &target.selector {
        ContainerSelector::Index(i) => {
            if *i >= list.len() {
                return Err(Box::new(InjectionProblem::ContainerOutOfRange {
                    site: site.owned(),
                    target: target.clone(),
                    names: names(),
                }));
            }
            *i
        }
        ContainerSelector::Name(n) => list
            .iter()
            .position(|c| value_at(c, &["name"]).and_then(Value::as_str) == Some(n))
            .ok_or_else(|| {
                Box::new(InjectionProblem::NoSuchContainer {
                    site: site.owned(),
                    target: target.clone(),
                    names: names(),
                })
            })?,
    };
    list[index].as_object_mut().ok_or_else(|| {
        Box::new(InjectionProblem::ContainerNotAnObject {
            site: site.owned(),
            target: target.clone(),
        })
    })
}

fn list_names(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|c| {
            c.get("name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned()
        })
        .collect()
}

/// Walks an explicit path like `spec.jobTemplate.spec.template.spec.containers[0].env` to a list,
/// creating the last list when absent; every other step must exist.
fn walk_path<'v>(root: &'v mut Value, path: &str) -> Result<&'v mut Vec<Value>, TargetPathProblem> {
    let mut steps: Vec<(String, Option<usize>)> = Vec::new();
    for seg in path.split('.') {
        let (name, index) = match seg.find('[') {
            Some(open) => {
                let idx = seg[open + 1..]
                    .strip_suffix(']')
                    .and_then(|n| n.parse::<usize>().ok());
                match idx {
                    Some(i) => (&seg[..open], Some(i)),
                    None => return Err(TargetPathProblem::BadIndex(seg.to_owned())),
                }
            }
            None => (seg, None),
        };
        if name.is_empty() {
            return Err(TargetPathProblem::EmptySegment);
        }
        steps.push((name.to_owned(), index));
    }
    let last = steps.len().saturating_sub(1);
    let mut cur = root;
    for (i, (name, index)) in steps.iter().enumerate() {
        let obj = cur
            .as_object_mut()
            .ok_or_else(|| TargetPathProblem::NotInsideAnObject(name.clone()))?;
        if i == last && index.is_none() {
            let slot = obj
                .entry(name.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            return slot
                .as_array_mut()
                .ok_or_else(|| TargetPathProblem::NotAList(name.clone()));
        }
        let next = obj
            .get_mut(name)
            .ok_or_else(|| TargetPathProblem::Missing(name.clone()))?;
        cur = match index {
            Some(ix) => {
                let arr = next
                    .as_array_mut()
                    .ok_or_else(|| TargetPathProblem::NotAList(name.clone()))?;
                let len = arr.len();
                arr.get_mut(*ix)
                    .ok_or_else(|| TargetPathProblem::OutOfRange {
                        name: name.clone(),
                        index: *ix,
                        len,
                    })?
            }
            None => next,
        };
    }
    cur.as_array_mut()
        .ok_or(TargetPathProblem::NotEndingAtAList)
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
            matches!(&*err, InjectionProblem::ContainerOutOfRange { site, names, .. }
                if site.stack == "api-service" && site.resource == "deployment" && names == &["api"]),
            "{err:?}"
        );
        let err = err.to_string();
        assert!(
            err.starts_with(
                "stack `api-service`, resource `deployment`: container 2 is out of range"
            ),
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
        let err = apply_patch("s", "deployment", &mut d, &env(0, "X")).unwrap_err();
        assert!(
            matches!(&*err, InjectionProblem::EnvDefinedTwice { var, place, .. }
                if var == "X" && place == "container 0 (`api`)"),
            "{err:?}"
        );
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
        let err = apply_patch("s", "d", &mut d, &p).unwrap_err();
        assert_eq!(
            *err,
            InjectionProblem::TargetPath {
                site: InjectionSite {
                    stack: "s".into(),
                    resource: "d".into()
                },
                path: "spec.template.spec.containers[5].env".into(),
                problem: TargetPathProblem::OutOfRange {
                    name: "containers".into(),
                    index: 5,
                    len: 2
                }
            }
        );
        assert_eq!(err.to_string(), "stack `s`, resource `d`: target path `spec.template.spec.containers[5].env`: `containers[5]` is out of range: the list has 2 item(s)");
    }

    #[test]
    fn env_and_env_from_of_one_secret_are_both_written() {
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
        apply_patch("s", "d", &mut d, &env(0, "X")).unwrap();
        let c = &d.body()["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["envFrom"], json!([{ "secretRef": { "name": "s" } }]));
        assert_eq!(c["env"].as_array().map(Vec::len), Some(1));
        assert_eq!(c["env"][0]["name"], "X");
        let other = PodPatch::EnvFrom {
            container: target,
            secret: "s".into(),
            prefix: Some("P_".into()),
        };
        assert!(matches!(
            apply_patch("s", "d", &mut d, &other),
            Err(e) if matches!(&*e, InjectionProblem::TwoPrefixes { first: None, second: Some(p), .. } if p == "P_")
        ));
    }

    #[test]
    fn refusals_name_the_container_in_full() {
        // The container's description is formatted only on the way to an error: check that each
        // refusal still carries it.
        let mut d = deployment(json!([{ "name": "api" }, { "name": "side" }]));
        apply_patch("s", "d", &mut d, &env(1, "X")).unwrap();
        assert_eq!(
            apply_patch("s", "d", &mut d, &env(1, "X"))
                .unwrap_err()
                .to_string(),
            "stack `s`, resource `d`: env var `X` is defined twice in container 1 (`side`): two injections (or the template and an injection) use the same name; rename one with .for_name(\"...\") or remove the duplicate"
        );
        let by_name = ContainerTarget {
            selector: ContainerSelector::Name("side".into()),
            init: false,
        };
        let from = |prefix: Option<&str>| PodPatch::EnvFrom {
            container: by_name.clone(),
            secret: "t".into(),
            prefix: prefix.map(Into::into),
        };
        apply_patch("s", "d", &mut d, &from(None)).unwrap();
        apply_patch("s", "d", &mut d, &from(None)).unwrap();
        assert_eq!(
            apply_patch("s", "d", &mut d, &from(Some("P_")))
                .unwrap_err()
                .to_string(),
            "stack `s`, resource `d`: container `side` gets Secret `t` through envFrom with two different prefixes (no prefix and `P_`); use one"
        );
        let volume = |path: &str| PodPatch::Volume {
            container: by_name.clone(),
            volume: json!({ "name": "v", "secret": { "secretName": "t" } }),
            mount: json!({ "name": "v", "mountPath": path }),
        };
        apply_patch("s", "d", &mut d, &volume("/etc/t")).unwrap();
        apply_patch("s", "d", &mut d, &volume("/etc/t")).unwrap();
        let other = PodPatch::Volume {
            container: by_name.clone(),
            volume: json!({ "name": "w", "secret": { "secretName": "u" } }),
            mount: json!({ "name": "w", "mountPath": "/etc/t" }),
        };
        assert_eq!(
            apply_patch("s", "d", &mut d, &other)
                .unwrap_err()
                .to_string(),
            "stack `s`, resource `d`: container `side` already mounts something at \"/etc/t\"; choose another mount_path"
        );
    }

    #[test]
    fn lookups_agree_with_the_map_on_small_and_large_objects() {
        for n in [0, 1, 8, 9, 40] {
            let obj: Map<String, Value> = (0..n).map(|i| (format!("k{i}"), json!(i))).collect();
            for i in 0..=n {
                let key = format!("k{i}");
                assert_eq!(field(&obj, &key), obj.get(&key), "{n} keys, {key}");
            }
            let mut copy = obj.clone();
            if n > 0 {
                *field_mut(&mut copy, "k0").unwrap() = json!("changed");
                assert_eq!(copy["k0"], "changed");
            }
        }
        let v = json!({ "a": { "b": { "c": 1 } }, "l": [1] });
        assert_eq!(value_at(&v, &["a", "b", "c"]), v.pointer("/a/b/c"));
        assert_eq!(value_at(&v, &["a", "x"]), None);
        assert_eq!(value_at(&v, &["l", "0"]), None, "keys only, no indexes");
    }

    #[test]
    fn service_is_not_a_workload() {
        let mut s = Manifest::new(json!({ "apiVersion": "v1", "kind": "Service" })).unwrap();
        let err = apply_patch("s", "service", &mut s, &env(0, "X")).unwrap_err();
        assert!(
            matches!(&*err, InjectionProblem::NoPodTemplate { kind, .. } if kind == "Service"),
            "{err:?}"
        );
        // The kinds come from the workload table, in the wording of the other messages.
        assert_eq!(err.to_string(), "stack `s`, resource `service`: a Service has no pod template, so secrets cannot be injected into it; inject into a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod");
    }
}
