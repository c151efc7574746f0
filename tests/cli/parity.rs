//! Parity with the reference framework (Kubricate, TypeScript): for the basic, docker-registry,
//! basic-auth and template-override scenarios, each example's `generate --stdout` equals what the
//! reference writes for the same inputs, compared as data (key order and YAML quoting aside), with
//! the version and hash annotations left out (they differ by construction).
//!
//! The expected documents are written out here from the reference's source: `simpleAppTemplate`
//! (`packages/stacks/src/simpleAppTemplate.ts`: the image is `joinPath(imageRegistry, imageName)`,
//! the Service port is `{ port, targetPort }`), the metadata it injects
//! (`packages/kubricate/src/commands/MetadataInjector.ts`: `stack-name` is the template's name), the
//! providers' injection payloads, and the lodash `merge` behind `.override(..)`.

use crate::common::*;
use serde_json::{json, Value};

/// Annotations whose values differ between the two implementations by construction.
const IGNORED_ANNOTATIONS: [&str; 3] = [
    "kubricate.thaitype.dev/version",
    "kubricate.thaitype.dev/resource-hash",
    "kubricate.thaitype.dev/managed-at",
];

fn rendered(example: &str) -> Vec<Value> {
    let out = run(example, &["generate", "--stdout"], &[]);
    assert!(out.status.success(), "{example}: {}", stderr(&out));
    let out = stdout(&out);
    out.split("\n---\n")
        .map(|d| {
            let mut doc: Value = serde_yaml::from_str(d).unwrap();
            if let Some(Value::Object(a)) = doc.pointer_mut("/metadata/annotations") {
                for key in IGNORED_ANNOTATIONS {
                    a.shift_remove(key);
                }
            }
            doc
        })
        .collect()
}

/// What the reference's `simpleAppTemplate` renders for one stack, with its stack metadata.
fn simple_app(stack_id: &str, name: &str, image: &str, namespace: Option<&str>) -> [Value; 2] {
    let meta = |resource_id: &str| {
        let mut m = json!({
            "name": name,
            "labels": {
                "kubricate.thaitype.dev": "true",
                "kubricate.thaitype.dev/stack-id": stack_id,
                "kubricate.thaitype.dev/resource-id": resource_id
            },
            "annotations": { "kubricate.thaitype.dev/stack-name": "SimpleApp" }
        });
        if let Some(ns) = namespace {
            m["namespace"] = json!(ns);
        }
        m
    };
    [
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta("deployment"),
            "spec": {
                "replicas": 1,
                "selector": { "matchLabels": { "app": name } },
                "template": {
                    "metadata": { "labels": { "app": name } },
                    "spec": { "containers": [{ "image": image, "name": name, "ports": [{ "containerPort": 80 }] }] }
                }
            }
        }),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("service"),
            "spec": {
                "selector": { "app": name },
                "type": "ClusterIP",
                "ports": [{ "port": 80, "targetPort": 80 }]
            }
        }),
    ]
}

fn container(deployment: &mut Value) -> &mut Value {
    &mut deployment["spec"]["template"]["spec"]["containers"][0]
}

fn key_ref(var: &str, secret: &str, key: &str) -> Value {
    json!({ "name": var, "valueFrom": { "secretKeyRef": { "name": secret, "key": key } } })
}

fn assert_same(example: &str, expected: Vec<Value>) {
    let actual = rendered(example);
    assert_eq!(actual.len(), expected.len(), "{example}: document count");
    for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(
            a, e,
            "{example}: document {i} differs from the reference's\nours:      {a}\nreference: {e}"
        );
    }
}

#[test]
fn basic_renders_as_the_reference() {
    let [mut deployment, service] = simple_app("apiService", "api-service", "api", None);
    container(&mut deployment)["env"] = json!([
        key_ref("DATABASE_URL", "app-secrets", "DATABASE_URL"),
        key_ref("API_KEY", "app-secrets", "API_KEY"),
    ]);
    assert_same("basic", vec![deployment, service]);
}

#[test]
fn docker_registry_auth_renders_as_the_reference() {
    // imageRegistry `registry.example.com` + imageName `api` (joinPath), two registry secrets of
    // one provider: one imagePullSecrets entry.
    let [mut api, api_service] = simple_app(
        "apiService",
        "api-service",
        "registry.example.com/api",
        None,
    );
    api["spec"]["template"]["spec"]["imagePullSecrets"] = json!([{ "name": "registry-secrets" }]);
    let [mut github, github_service] =
        simple_app("githubApp", "github-app", "ghcr.io/your-org/app", None);
    github["spec"]["template"]["spec"]["imagePullSecrets"] =
        json!([{ "name": "github-registry-auth" }]);
    assert_same(
        "docker-registry-auth",
        vec![api, api_service, github, github_service],
    );
}

#[test]
fn basic_auth_renders_as_the_reference() {
    let [mut deployment, service] = simple_app("apiService", "api-service", "api", None);
    let c = container(&mut deployment);
    c["env"] = json!([
        key_ref("API_USER", "api-auth", "username"),
        key_ref("API_PASSWORD", "api-auth", "password"),
        key_ref("DATABASE_USER", "db-auth", "username"),
    ]);
    c["envFrom"] = json!([{ "prefix": "DB_", "secretRef": { "name": "db-auth" } }]);
    assert_same("basic-auth", vec![deployment, service]);
}

#[test]
fn template_overrides_render_as_the_reference() {
    // lodash `merge`: the override's container merges into the template's (same index and name),
    // so `ports` stays; the Service's one port merges into the template's.
    let [mut deployment, mut service] = simple_app(
        "multiOverrideApp",
        "multi-override-app",
        "app",
        Some("production"),
    );
    deployment["spec"]["replicas"] = json!(5);
    let c = container(&mut deployment);
    c["resources"] = json!({
        "requests": { "memory": "128Mi", "cpu": "50m" },
        "limits": { "memory": "256Mi", "cpu": "100m" }
    });
    c["env"] = json!([
        { "name": "NODE_ENV", "value": "production" },
        { "name": "REPLICAS", "value": "5" },
        key_ref("DATABASE_URL", "app-secrets", "DATABASE_URL"),
    ]);
    service["spec"]["type"] = json!("LoadBalancer");
    service["spec"]["ports"] = json!([{ "port": 80, "targetPort": 3000, "protocol": "TCP" }]);
    assert_same("template-overrides", vec![deployment, service]);
}

/// `stack-name` is the template's name for every template stack (`SimpleApp`, `Namespace`, a user
/// template's `fn name`), the given name for a static stack, and what `with_name` says, which keeps
/// the annotation earlier kubricate-rs versions wrote (the input's name) for tools that key on it.
#[test]
fn stack_name_is_the_template_name_unless_set() {
    use kubricate::prelude::*;
    use kubricate::Project;
    let project = Project::new()
        .stack(
            "ns",
            Stack::from_template(Namespace, NamespaceInput { name: "production" }),
        )
        .stack("web", crate::common::simple_app("web", "web"))
        .stack(
            "legacy",
            crate::common::simple_app("api-service", "api").with_name("api-service"),
        );
    let (code, out, err) = run_project(&project, &["generate", "--stdout"]);
    assert_eq!(code, 0, "{err}");
    let names: Vec<(String, String)> = out
        .split("\n---\n")
        .map(|d| {
            let doc: Value = serde_yaml::from_str(d).unwrap();
            let annotation = &doc["metadata"]["annotations"]["kubricate.thaitype.dev/stack-name"];
            (
                doc["kind"].as_str().unwrap().to_owned(),
                annotation.as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .map(|(k, n)| (k.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("Namespace", "Namespace"),
            ("Deployment", "SimpleApp"),
            ("Service", "SimpleApp"),
            ("Deployment", "api-service"),
            ("Service", "api-service"),
        ]
    );
}
