//! `.override(..)` through the CLI a user's binary runs: strategic merge of named lists, `null`
//! removing a field or a whole resource, and the error for a resource left without a required field.

use crate::common::*;
use kubricate::prelude::*;
use kubricate::{OutputMode, Project};
use serde_json::{json, Value};

fn manager() -> SecretManager {
    SecretManager::new()
        .connector(InMemoryConnector::new([(
            "DATABASE_URL",
            "postgres://u:p@db/app",
        )]))
        .provider(OpaqueSecretProvider::new("app-secrets"))
        .add_secret("DATABASE_URL")
}

fn documents(yaml: &str) -> Vec<Value> {
    yaml.split("\n---\n")
        .map(|d| serde_yaml::from_str::<Value>(d).unwrap())
        .collect()
}

/// A user adding one variable to the template's container: the image and ports stay, and the
/// injected secret joins the same `env` list.
#[test]
fn a_partial_container_override_keeps_the_image_and_ports() {
    let m = manager();
    let stack = simple_app("worker-app", "worker")
        .use_secrets(&m, |c| {
            c.secrets("DATABASE_URL").inject();
        })
        .override_with(
            json!({ "deployment": { "spec": { "template": { "spec": { "containers": [
            { "name": "worker-app", "env": [{ "name": "GREETING", "value": "héllo \"$USER\"" }] }
        ] } } } } }),
        );
    let project = Project::new().stack("workerApp", stack).secrets(m);
    let (code, out, err) = run_project(&project, &["generate", "--stdout"]);
    assert_eq!(code, 0, "{err}");
    let docs = documents(&out);
    let container = &docs[0]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "worker");
    assert_eq!(container["ports"], json!([{ "containerPort": 80 }]));
    assert_eq!(
        container["env"],
        json!([
            { "name": "GREETING", "value": "héllo \"$USER\"" },
            { "name": "DATABASE_URL", "valueFrom": { "secretKeyRef": { "name": "app-secrets", "key": "DATABASE_URL" } } }
        ])
    );
}

/// `"service": null` removes the Service: no `null` document on stdout, no file on disk, in every
/// output mode; the summary counts one resource.
#[test]
fn a_null_resource_override_removes_the_resource_document_and_file() {
    let stack = || simple_app("worker-app", "worker").override_with(json!({ "service": null }));
    let project = Project::new().stack("workerApp", stack());
    let (code, out, err) = run_project(&project, &["generate", "--stdout"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("null"), "{out}");
    let docs = documents(&out);
    assert_eq!(docs.len(), 1, "{out}");
    assert_eq!(docs[0]["kind"], "Deployment");

    for mode in [OutputMode::Resource, OutputMode::Stack, OutputMode::Flat] {
        let cwd = tempdir();
        let project = Project::new()
            .stack("workerApp", stack())
            .root(cwd.path())
            .output_mode(mode);
        let (code, _, err) = run_project(&project, &["generate"]);
        assert_eq!(code, 0, "{err}");
        let mut files = Vec::new();
        for entry in walk(&cwd.path().join("output")) {
            if entry.ends_with(".kubricate-generated") {
                continue;
            }
            let text = std::fs::read_to_string(&entry).unwrap();
            assert!(!text.contains("null"), "{}: {text}", entry.display());
            assert!(
                !text.contains("kind: Service"),
                "{}: {text}",
                entry.display()
            );
            files.push(
                entry
                    .strip_prefix(cwd.path())
                    .unwrap()
                    .display()
                    .to_string(),
            );
        }
        assert!(
            !files.iter().any(|f| f.contains("ervice")),
            "{mode:?}: {files:?}"
        );
    }
}

/// A secret injected into a resource an override then removes is an error, not a silent drop.
#[test]
fn injecting_into_a_removed_resource_is_an_error() {
    let m = manager();
    let stack = simple_app("web", "web")
        .use_secrets(&m, |c| {
            c.secrets("DATABASE_URL")
                .inject()
                .into_resource("deployment");
        })
        .override_with(json!({ "deployment": null }));
    let project = Project::new().stack("web", stack).secrets(m);
    let (code, out, err) = run_project(&project, &["generate", "--stdout"]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "nothing half-written: {out}");
    assert!(
        err.contains("secret `DATABASE_URL`: cannot inject into resource `deployment` of stack `SimpleApp`: `.override(..)` removed it"),
        "{err}"
    );
}

/// The reference's "this BREAKS" example (a container list without `name` and `image`), and a
/// `null` that removes the image: errors naming the stack, the resource and the field; exit 1,
/// nothing written.
#[test]
fn a_resource_left_without_required_fields_is_an_error_naming_stack_resource_and_field() {
    for (patch, field) in [
        (
            json!({ "containers": [{ "resources": { "limits": { "memory": "512Mi" } } }] }),
            "spec.template.spec.containers[0].name",
        ),
        (
            json!({ "containers": [{ "name": "my-app", "image": null }] }),
            "spec.template.spec.containers[0].image",
        ),
        (
            json!({ "containers": [{ "name": "my-app", "env": [{ "value": "x" }] }] }),
            "spec.template.spec.containers[0].env[0].name",
        ),
    ] {
        let cwd = tempdir();
        let stack = simple_app("my-app", "my-app")
            .override_with(json!({ "deployment": { "spec": { "template": { "spec": patch } } } }));
        let project = Project::new().stack("myApp", stack).root(cwd.path());
        let (code, _, err) = run_project(&project, &["generate"]);
        assert_eq!(code, 1, "{field}");
        assert!(err.contains("stack `myApp`"), "{err}");
        assert!(
            err.contains(&format!("resource `deployment`: `{field}` is missing after the override, and Kubernetes requires it")),
            "{err}"
        );
        assert!(!cwd.path().join("output").exists(), "nothing written");
    }
}
