//! The scenario "Inject secrets from .env files", run as a user runs it.

use crate::common::*;
use base64::Engine;
use serde_json::Value;

#[test]
fn generate_stdout_matches_golden() {
    let out = run("basic", &["generate", "--stdout"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_golden("basic/generate.yml", &stdout(&out));
    let docs = kubricate::yaml::from_str_multi(&stdout(&out)).unwrap();
    let env = &docs[0]["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(
        env[0],
        serde_json::json!({ "name": "DATABASE_URL", "valueFrom": { "secretKeyRef": { "name": "app-secrets", "key": "DATABASE_URL" } } })
    );
    assert_eq!(env[1]["name"], "API_KEY");
    assert_eq!(docs[1]["kind"], "Service");
}

#[test]
fn dry_run_matches_golden_and_shows_no_values() {
    let out = run("basic", &["secret", "apply", "--dry-run"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_golden("basic/apply-dry-run.yml", &stdout(&out));
    let text = stdout(&out);
    assert!(!text.contains("sk_test_123456789") && !text.contains("postgresql://"));
    assert!(!text.contains(&base64::engine::general_purpose::STANDARD.encode("sk_test_123456789")));
}

#[test]
fn empty_variables_are_all_listed_in_one_error() {
    let dir = tempdir();
    let out = run_in(
        "basic",
        &["secret", "validate"],
        &[
            ("KUBRICATE_SECRET_API_KEY", ""),
            ("KUBRICATE_SECRET_DATABASE_URL", ""),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("KUBRICATE_SECRET_API_KEY is set but empty")
            && err.contains("KUBRICATE_SECRET_DATABASE_URL is set but empty"),
        "{err}"
    );
}

#[test]
fn missing_variables_are_all_listed_in_one_error() {
    use kubricate::prelude::*;
    let dir = tempdir();
    std::fs::write(dir.path().join(".env"), "# nothing here\nOTHER=1\n").unwrap();
    let manager = SecretManager::new()
        .connector(
            EnvConnector::new()
                .working_dir(dir.path())
                .environment(std::iter::empty::<(String, String)>()),
        )
        .provider(OpaqueSecretProvider::new("app-secrets"))
        .add_secret("DATABASE_URL")
        .add_secret("API_KEY");
    let stack = simple_app("api-service", "api").use_secrets(&manager, |c| {
        c.secrets("DATABASE_URL").inject();
        c.secrets("API_KEY").inject();
    });
    let project = kubricate::Project::new()
        .stack("apiService", stack)
        .secrets(manager);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        project.run(["app", "secret", "validate"], &mut out, &mut err),
        1
    );
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("could not load 2 secret(s)"), "{err}");
    assert!(
        err.contains("KUBRICATE_SECRET_DATABASE_URL is not set")
            && err.contains("KUBRICATE_SECRET_API_KEY is not set"),
        "{err}"
    );
    assert!(err.contains(".env"), "the hint names the .env file: {err}");
}

#[test]
fn opaque_data_equals_kubectl_create_secret_generic() {
    if !kubectl_available() {
        eprintln!("skipped: kubectl is not on PATH");
        return;
    }
    let out = run(
        "basic",
        &["secret", "apply", "--dry-run", "--show-values"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = kubricate::yaml::from_str_multi(&stdout(&out)).unwrap();
    let env_file = workspace().join("examples/basic/.env");
    let env_text = std::fs::read_to_string(&env_file).unwrap();
    let dir = tempdir();
    let stripped: String = env_text
        .lines()
        .filter(|l| l.starts_with("KUBRICATE_SECRET_"))
        .map(|l| format!("{}\n", l.trim_start_matches("KUBRICATE_SECRET_")))
        .collect();
    let plain = dir.path().join("values.env");
    std::fs::write(&plain, stripped).unwrap();
    let kubectl = std::process::Command::new("kubectl")
        .args([
            "create",
            "secret",
            "generic",
            "app-secrets",
            "--dry-run=client",
            "-o",
            "yaml",
        ])
        .arg(format!("--from-env-file={}", plain.display()))
        .output()
        .unwrap();
    assert!(
        kubectl.status.success(),
        "{}",
        String::from_utf8_lossy(&kubectl.stderr)
    );
    let theirs = kubricate::yaml::from_str(&String::from_utf8_lossy(&kubectl.stdout)).unwrap();
    assert_eq!(ours[0]["data"], theirs["data"]);
    assert_eq!(ours[0]["type"], Value::from("Opaque"));
    assert_eq!(theirs["metadata"]["name"], ours[0]["metadata"]["name"]);
}

#[test]
fn canary_values_never_appear_in_output() {
    let canary = "CANARY-7b1e-do-not-print";
    let env = [
        ("KUBRICATE_SECRET_API_KEY", canary),
        ("KUBRICATE_SECRET_DATABASE_URL", canary),
    ];
    let dir = tempdir();
    let encoded = base64::engine::general_purpose::STANDARD.encode(canary);
    for args in [
        vec!["generate", "--stdout"],
        vec!["generate", "--out-dir", "out"],
        vec!["secret", "validate"],
        vec!["secret", "apply", "--dry-run"],
        vec!["inspect"],
        vec!["secret", "apply", "--kubectl", "/nonexistent/kubectl"],
    ] {
        let out = run_in("basic", &args, &env, dir.path());
        for text in [stdout(&out), stderr(&out)] {
            assert!(
                !text.contains(canary) && !text.contains(&encoded),
                "{args:?} leaked: {text}"
            );
        }
    }
    for entry in walk(dir.path()) {
        let content = std::fs::read(&entry).unwrap();
        let content = String::from_utf8_lossy(&content);
        assert!(
            !content.contains(canary) && !content.contains(&encoded),
            "{} leaked",
            entry.display()
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
