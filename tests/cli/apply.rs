//! `secret apply` against a stand-in `kubectl`: a shell script that records its arguments and stdin.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::common::*;
use base64::Engine;
use kubricate::prelude::*;
use serde_json::Value;

/// Records every call into a fresh directory under `$KUBECTL_RECORD` (default: `calls/` beside the
/// script, for the one in-process test, which cannot set a variable for its children alone); with
/// `$KUBECTL_FAIL` set, prints it to stderr and exits 3, as kubectl does when the API server rejects
/// an object.
const STAND_IN: &str = r#"#!/bin/sh
set -e
record="${KUBECTL_RECORD:-$(dirname "$0")/calls}"
mkdir -p "$record"
call=$(mktemp -d "$record/call.XXXXXX")
for a in "$@"; do printf '%s\n' "$a"; done > "$call/args"
cat > "$call/stdin"
if [ -n "$KUBECTL_FAIL" ]; then
    printf 'Error from server (Invalid): %s\n' "$KUBECTL_FAIL" >&2
    exit 3
fi
echo "secret/backend-app-secrets configured"
echo "secret/frontend-app-secrets configured"
"#;

/// The directory holding the stand-in, written once: writing an executable while other test threads
/// fork can make its exec fail with "text file busy".
fn stand_in_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempdir();
        let path = dir.path().join("kubectl");
        std::fs::write(&path, STAND_IN).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    })
    .path()
}

fn stand_in() -> PathBuf {
    stand_in_dir().join("kubectl")
}

const JWT: &str = "CANARY-jwt-5d1c";
const DB: &str = "CANARY-db-postgres://u:p@db/app";
/// Values the example's `.env` provides (not overridden here).
const FROM_DOTENV: [&str; 2] = ["pk_test_123", "analytics_key_456"];

struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let root = tempdir();
        for d in ["record", "cwd", "tmp"] {
            std::fs::create_dir(root.path().join(d)).unwrap();
        }
        Sandbox { root }
    }
    fn record(&self) -> PathBuf {
        self.root.path().join("record")
    }

    /// Runs the secret-registry example with canary values for two secrets.
    fn run(&self, args: &[&str], extra_env: &[(&str, &str)], path_first: bool) -> Output {
        let mut cmd = Command::new(example_bin("secret-registry"));
        cmd.args(args)
            .current_dir(self.root.path().join("cwd"))
            .env("TMPDIR", self.root.path().join("tmp"))
            .env("KUBECTL_RECORD", self.record())
            .env("KUBRICATE_SECRET_JWT_SECRET", JWT)
            .env("KUBRICATE_SECRET_DATABASE_URL", DB)
            .env_remove("KUBECTL_FAIL");
        if path_first {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut dirs = vec![stand_in_dir().to_path_buf()];
            dirs.extend(std::env::split_paths(&path));
            cmd.env("PATH", std::env::join_paths(dirs).unwrap());
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn calls(&self) -> Vec<(Vec<String>, String)> {
        calls_in(&self.record())
    }

    /// Every file of the sandbox except the recorder's capture contains no value, raw or base64.
    fn assert_no_value_on_disk(&self) {
        let b64 = base64::engine::general_purpose::STANDARD;
        let values: Vec<&str> = [JWT, DB].into_iter().chain(FROM_DOTENV).collect();
        for file in walk(self.root.path()) {
            if file.starts_with(self.record()) {
                continue;
            }
            let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
            for v in &values {
                assert!(
                    !text.contains(v) && !text.contains(&b64.encode(v)),
                    "{} holds a secret value",
                    file.display()
                );
            }
        }
    }
}

/// Each call recorded in `dir`: (arguments, stdin).
fn calls_in(dir: &Path) -> Vec<(Vec<String>, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    dirs.sort();
    dirs.iter()
        .map(|d| {
            let args = std::fs::read_to_string(d.join("args")).unwrap();
            let stdin = std::fs::read_to_string(d.join("stdin")).unwrap();
            (args.lines().map(str::to_owned).collect(), stdin)
        })
        .collect()
}

fn decode(secret: &Value, key: &str) -> String {
    let b = base64::engine::general_purpose::STANDARD
        .decode(secret["data"][key].as_str().unwrap())
        .unwrap();
    String::from_utf8(b).unwrap()
}

fn assert_no_values(text: &str) {
    let b64 = base64::engine::general_purpose::STANDARD;
    for v in [JWT, DB].into_iter().chain(FROM_DOTENV) {
        assert!(
            !text.contains(v) && !text.contains(&b64.encode(v)),
            "value leaked: {text}"
        );
    }
    assert!(!text.contains("CANARY"), "value leaked: {text}");
}

#[test]
fn apply_pipes_every_secret_to_one_kubectl_apply() {
    let sandbox = Sandbox::new();
    let kubectl = stand_in();
    let out = sandbox.run(
        &["secret", "apply", "--kubectl", kubectl.to_str().unwrap()],
        &[],
        false,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = sandbox.calls();
    assert_eq!(calls.len(), 1, "exactly one kubectl invocation");
    let (args, stdin) = &calls[0];
    assert_eq!(
        args,
        &[
            "apply",
            "--server-side",
            "--field-manager=kubricate",
            "-f",
            "-"
        ]
    );

    let list: Value = serde_json::from_str(stdin).expect("stdin is JSON");
    assert_eq!(
        kubricate::yaml::from_str(stdin).expect("and therefore YAML"),
        list
    );
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        assert_eq!(item["apiVersion"], "v1");
        assert_eq!(item["kind"], "Secret");
        assert_eq!(item["type"], "Opaque");
        // Workloads without a namespace: the Secrets carry none either, and land beside them.
        assert_eq!(item["metadata"].get("namespace"), None);
    }
    assert_eq!(items[0]["metadata"]["name"], "backend-app-secrets");
    assert_eq!(decode(&items[0], "DATABASE_URL"), DB);
    assert_eq!(decode(&items[0], "JWT_SECRET"), JWT);
    assert_eq!(items[0]["data"].as_object().unwrap().len(), 2);
    assert_eq!(items[1]["metadata"]["name"], "frontend-app-secrets");
    assert_eq!(decode(&items[1], "STRIPE_PUBLIC_KEY"), "pk_test_123");
    assert_eq!(decode(&items[1], "ANALYTICS_KEY"), "analytics_key_456");

    assert_eq!(
        stdout(&out),
        "secret/backend-app-secrets configured\nsecret/frontend-app-secrets configured\n"
    );
    assert_eq!(
        stderr(&out),
        "Applied 2 Secret(s) with one server-side kubectl apply\n"
    );
    sandbox.assert_no_value_on_disk();
}

#[test]
fn kubectl_is_found_on_path_and_context_and_namespace_pass_through() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(
        &[
            "secret",
            "apply",
            "--context",
            "kind-dev",
            "--namespace",
            "default",
        ],
        &[],
        true,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = sandbox.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].0,
        [
            "--context=kind-dev",
            "--namespace=default",
            "apply",
            "--server-side",
            "--field-manager=kubricate",
            "-f",
            "-"
        ]
    );
    sandbox.assert_no_value_on_disk();
}

#[test]
fn failing_kubectl_exits_1_with_its_stderr_scrubbed() {
    let sandbox = Sandbox::new();
    let kubectl = stand_in();
    let complaint = format!(
        "Secret \"backend-app-secrets\" is invalid: data[JWT_SECRET]: {JWT} is not allowed"
    );
    let out = sandbox.run(
        &["secret", "apply", "--kubectl", kubectl.to_str().unwrap()],
        &[("KUBECTL_FAIL", &complaint)],
        false,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(sandbox.calls().len(), 1);
    let err = stderr(&out);
    // kubectl's stderr is streamed (scrubbed) as it comes; the error line closes the run.
    assert_eq!(
        err,
        format!(
            "Error from server (Invalid): Secret \"backend-app-secrets\" is invalid: data[JWT_SECRET]: <redacted> is not allowed\n\
             error: `{} apply` failed (exit status 3); kubectl's output (scrubbed) is shown above\n",
            kubectl.display()
        )
    );
    assert!(!err.contains("Applied"), "{err}");
    assert_no_values(&err);
    assert_no_values(&stdout(&out));
    sandbox.assert_no_value_on_disk();
}

#[test]
fn missing_kubectl_is_reported_with_the_fix() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(
        &["secret", "apply", "--kubectl", "/nonexistent/kubectl"],
        &[],
        false,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot run `/nonexistent/kubectl`") && err.contains("pass --kubectl PATH"),
        "{err}"
    );
    assert_no_values(&err);
}

#[test]
fn kubectl_is_not_run_when_anything_is_wrong_or_for_a_dry_run() {
    let sandbox = Sandbox::new();
    let kubectl = stand_in();
    let k = kubectl.to_str().unwrap();

    let out = sandbox.run(
        &["secret", "apply", "--kubectl", k, "--dry-run"],
        &[],
        false,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_values(&stdout(&out));

    let out = sandbox.run(
        &["secret", "apply", "--kubectl", k],
        &[("KUBRICATE_SECRET_JWT_SECRET", "")],
        false,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("KUBRICATE_SECRET_JWT_SECRET is set but empty"));

    for flags in [
        &["--dry-run=server", "--show-values"][..],
        &["-o", "json"],
        &["--client-side", "--force-conflicts"],
    ] {
        let mut args = vec!["secret", "apply", "--kubectl", k];
        args.extend_from_slice(flags);
        let out = sandbox.run(&args, &[], false);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", stderr(&out));
    }

    let out = sandbox.run(
        &["secret", "apply", "--kubectl", k, "--show-values"],
        &[],
        false,
    );
    assert_eq!(out.status.code(), Some(2), "--show-values needs --dry-run");

    assert!(sandbox.calls().is_empty(), "kubectl must not have run");
    sandbox.assert_no_value_on_disk();
}

#[test]
fn docker_config_of_several_registries_reaches_kubectl_as_one_secret() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([
            (
                "GHCR",
                r#"{"username":"gh-bot","password":"CANARY-gh","registry":"ghcr.io"}"#,
            ),
            (
                "QUAY",
                r#"{"username":"quay-bot","password":"CANARY-quay","registry":"quay.io"}"#,
            ),
        ]))
        .provider(DockerConfigSecretProvider::new("registry-secrets"))
        .add_secret("GHCR")
        .add_secret("QUAY");
    let stack = simple_app("web", "ghcr.io/acme/web").use_secrets(&m, |c| {
        c.secrets("GHCR").inject();
        c.secrets("QUAY").inject();
    });
    let project = kubricate::Project::new().stack("web", stack).secrets(m);
    let kubectl = stand_in();
    let (code, _, err) = run_project(
        &project,
        &["secret", "apply", "--kubectl", kubectl.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let calls = calls_in(&stand_in_dir().join("calls"));
    assert_eq!(calls.len(), 1);
    let list: Value = serde_json::from_str(&calls[0].1).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["type"], "kubernetes.io/dockerconfigjson");
    let config: Value = serde_json::from_str(&decode(&items[0], ".dockerconfigjson")).unwrap();
    let auths = config["auths"].as_object().unwrap();
    assert_eq!(auths.keys().collect::<Vec<_>>(), ["ghcr.io", "quay.io"]);
    assert_eq!(auths["quay.io"]["password"], "CANARY-quay");
    assert_eq!(
        auths["ghcr.io"]["auth"],
        base64::engine::general_purpose::STANDARD.encode("gh-bot:CANARY-gh")
    );
}
