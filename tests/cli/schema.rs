//! Every example's `generate` output passes `kubernetes-validate --strict` for a current Kubernetes.
//!
//! Examples are discovered from `examples/`, so a new example is covered without touching this file.
//! Without the tool the test fails when `CI` is set (CI installs it: see `.ci/run`), and is skipped with
//! a reason otherwise.

use std::process::Command;

use crate::common::*;
use kubricate::prelude::*;
use kubricate::{GenerateOptions, MetadataOptions, Project, SecretSpec};

/// The newest Kubernetes version kubernetes-validate 1.37.0 (pinned in `.ci/run`) carries schemas for
/// (`kubernetes-validate --help` names it as the default; its package holds 1.25.0 to 1.37.0).
const KUBERNETES_VERSION: &str = "1.37.0";

/// Whether to go on: true with the tool; without it, a failure when `CI` is set, else a skip.
fn tool_or_skip() -> bool {
    let available = Command::new("kubernetes-validate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubernetes-validate is not installed, and CI is set: install it with \
             `pip install kubernetes-validate==1.37.0` (.ci/run does)"
        );
        eprintln!(
            "skipped: kubernetes-validate is not on PATH (pip install kubernetes-validate==1.37.0); \
             set CI to make this a failure"
        );
    }
    available
}

/// API groups of custom resources kubernetes-validate has no schema for; `tests/cli/gitops.rs` validates
/// them against their vendored CRD schemas (`tests/crds/`).
const CRD_GROUPS: [&str; 2] = ["external-secrets.io/", "bitnami.com/"];

/// Validates a `---`-separated stream; panics with the tool's report unless every document passed.
fn validate(label: &str, yaml: &str) {
    let documents = kubricate::yaml::from_str_multi(yaml)
        .unwrap_or_else(|e| panic!("{label}: generate printed invalid YAML: {e}"));
    let is_crd = |d: &serde_json::Value| {
        d["apiVersion"]
            .as_str()
            .is_some_and(|v| CRD_GROUPS.iter().any(|g| v.starts_with(g)))
    };
    let documents: Vec<serde_json::Value> = documents.into_iter().filter(|d| !is_crd(d)).collect();
    let core = kubricate::yaml::to_string_multi(&documents);
    let yaml = core.as_str();
    assert!(
        !documents.is_empty(),
        "{label}: generate printed no documents"
    );
    let dir = tempdir();
    let file = dir.path().join("manifests.yml");
    std::fs::write(&file, yaml).unwrap();
    let out = Command::new("kubernetes-validate")
        .args(["--strict", "--kubernetes-version", KUBERNETES_VERSION])
        .arg(&file)
        .output()
        .expect("run kubernetes-validate");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{label}: kubernetes-validate failed:\n{report}\n--- input\n{yaml}"
    );
    // The tool exits 0 when it has no schema for a kind (it only warns), so count the passes too.
    let problems: Vec<&str> = report
        .lines()
        .filter(|l| ["WARN", "ERROR", "FATAL"].iter().any(|p| l.starts_with(p)))
        .collect();
    assert!(
        problems.is_empty(),
        "{label}: kubernetes-validate reported problems:\n{report}"
    );
    let passed = report
        .lines()
        .filter(|l| l.contains(" passed for resource "))
        .count();
    assert_eq!(
        passed,
        documents.len(),
        "{label}: not every document was validated:\n{report}"
    );
}

#[test]
fn every_example_generates_schema_valid_manifests() {
    if !tool_or_skip() {
        return;
    }
    let examples = examples();
    assert!(
        examples.iter().any(|e| e == "basic"),
        "example discovery found {examples:?}"
    );
    for example in &examples {
        let cwd = tempdir();
        // Default metadata, and every optional annotation on as well.
        for args in [&[][..], &["--managed-at"][..]] {
            let mut all = vec!["generate", "--stdout"];
            all.extend_from_slice(args);
            let out = run_in(example, &all, &[], cwd.path());
            assert!(out.status.success(), "{example} {all:?}: {}", stderr(&out));
            validate(&format!("{example} {all:?}"), &stdout(&out));
        }
    }
}

/// Beyond the examples: both built-in templates, a namespace, and an injection of every strategy (env
/// with a key, envFrom with a prefix, a volume, imagePullSecrets), rendered through the library.
#[test]
fn built_in_templates_and_every_strategy_generate_schema_valid_manifests() {
    if !tool_or_skip() {
        return;
    }
    let manager = SecretManager::new()
        .connector(InMemoryConnector::new([("API_KEY", "unused by generate")]))
        .provider_as("opaque", OpaqueSecretProvider::new("app-secrets"))
        .provider_as("docker", DockerConfigSecretProvider::new("registry"))
        .provider_as("basic", BasicAuthSecretProvider::new("db-auth"))
        .provider_as("basic2", BasicAuthSecretProvider::new("replica-auth"))
        .provider_as("tls", TlsSecretProvider::new("web-tls"))
        .add_secret(SecretSpec::new("API_KEY").provider("opaque"))
        .add_secret(SecretSpec::new("REGISTRY").provider("docker"))
        .add_secret(SecretSpec::new("DB").provider("basic"))
        .add_secret(SecretSpec::new("REPLICA").provider("basic2"))
        .add_secret(SecretSpec::new("CERT").provider("tls"));
    let web = Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name: "web",
            image_name: "nginx",
            namespace: Some("prod"),
            ..Default::default()
        },
    )
    .use_secrets(&manager, |c| {
        c.secrets("API_KEY").for_name("KEY").inject();
        c.secrets("REGISTRY").inject();
        c.secrets("DB").inject_as(strategy::env().key("username"));
        c.secrets("REPLICA")
            .inject_as(strategy::env_from().prefix("REPLICA_"));
        c.secrets("CERT").inject_as(strategy::volume("/etc/tls"));
    });
    let project = Project::new()
        .stack(
            "prod",
            Stack::from_template(Namespace, NamespaceInput { name: "prod" }),
        )
        .stack("web", web);
    for metadata in [
        MetadataOptions::default(),
        MetadataOptions {
            managed_at: true,
            ..MetadataOptions::default()
        },
        MetadataOptions::none(),
    ] {
        let opts = GenerateOptions {
            metadata,
            ..GenerateOptions::default()
        };
        let files = project.render(&opts).expect("render");
        let yaml = kubricate::generate::to_stream(&files);
        for needle in [
            "imagePullSecrets",
            "envFrom",
            "volumeMounts",
            "secretKeyRef",
        ] {
            assert!(yaml.contains(needle), "{needle} missing:\n{yaml}");
        }
        validate(&format!("templates {metadata:?}"), &yaml);
    }
}

#[test]
fn the_validator_catches_a_bad_manifest() {
    if !tool_or_skip() {
        return;
    }
    // Proves the checks above can fail: an unknown field under --strict, and a kind with no schema.
    for bad in [
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  bogus: 1\n",
        "apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n",
    ] {
        let result = std::panic::catch_unwind(|| validate("bad", bad));
        assert!(result.is_err(), "accepted:\n{bad}");
    }
}
