//! Issue 13, delivery that fits operations: rollout checksums, namespaces that follow the workload,
//! server-side apply and kubectl's dry-run modes, `secret diff` / `diff` with kubectl's exit codes,
//! machine-readable output, the wider cross-check, CLI conventions and the wiring graph.
//!
//! kubectl is a stand-in that records its arguments and stdin and, for `diff`, echoes its stdin
//! back (the worst case for a leak: kubectl masks Secret data, this one does not) and exits with
//! `$KUBECTL_EXIT`. Real kubectl is used where it works without a cluster.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;
use base64::Engine;
use kubricate::prelude::*;
use kubricate::{Manifest, Project};
use serde_json::{json, Value};

const STAND_IN: &str = r#"#!/bin/sh
set -e
record="$KUBECTL_RECORD"
mkdir -p "$record"
call=$(mktemp -d "$record/call.XXXXXX")
for a in "$@"; do printf '%s\n' "$a"; done > "$call/args"
cat > "$call/stdin"
env > "$call/env"
for a in "$@"; do
    if [ "$a" = diff ]; then
        cat "$call/stdin"
        exit "${KUBECTL_EXIT:-0}"
    fi
done
echo "secret/app-secrets serverside-applied"
"#;

fn stand_in() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempdir();
        let path = dir.path().join("kubectl");
        std::fs::write(&path, STAND_IN).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    })
    .path()
    .join("kubectl")
}

/// Each call recorded in `dir`: (arguments, stdin), in no particular order.
fn calls(dir: &Path) -> Vec<(Vec<String>, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| {
            let args = std::fs::read_to_string(e.path().join("args")).unwrap();
            let stdin = std::fs::read_to_string(e.path().join("stdin")).unwrap();
            (args.lines().map(str::to_owned).collect(), stdin)
        })
        .collect()
}

const KEY: &str = "CANARY-checksum-key-3f9a0c1e5b7d2468";
const DB: &str = "CANARY-db-postgres://u:p@db/app?x=$HOME&'\"";
const API: &str = "CANARY-api-ключ-🔑";

/// The basic example with canary values (and the canary checksum key), run in `cwd`.
fn basic(args: &[&str], extra: &[(&str, &str)], cwd: &Path) -> std::process::Output {
    let mut env = vec![
        ("KUBRICATE_SECRET_DATABASE_URL", DB),
        ("KUBRICATE_SECRET_API_KEY", API),
        ("KUBRICATE_CHECKSUM_KEY", KEY),
    ];
    env.extend_from_slice(extra);
    run_in("basic", args, &env, cwd)
}

fn assert_no_canary(text: &str) {
    let b64 = base64::engine::general_purpose::STANDARD;
    for v in [KEY, DB, API] {
        assert!(!text.contains(v), "a value leaked:\n{text}");
        assert!(
            !text.contains(&b64.encode(v)),
            "a value leaked (base64):\n{text}"
        );
    }
    assert!(!text.contains("CANARY"), "a canary leaked:\n{text}");
}

fn annotation_lines(yaml: &str) -> Vec<&str> {
    yaml.lines()
        .filter(|l| l.contains("kubricate.thaitype.dev/secret-checksum"))
        .collect()
}

#[test]
fn rotating_one_value_changes_the_pod_template_annotation_and_nothing_else() {
    let dir = tempdir();
    let gen = |extra: &[(&str, &str)]| {
        let out = basic(
            &["generate", "--stdout", "--secret-checksums"],
            extra,
            dir.path(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert_no_canary(&stdout(&out));
        assert_no_canary(&stderr(&out));
        stdout(&out)
    };
    let before = gen(&[]);
    assert_eq!(before, gen(&[]), "unchanged values give identical bytes");
    let rotated = gen(&[("KUBRICATE_SECRET_API_KEY", "CANARY-rotated")]);
    let diff: Vec<(&str, &str)> = before
        .lines()
        .zip(rotated.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(before.lines().count(), rotated.lines().count());
    assert_eq!(diff.len(), 1, "{diff:#?}");
    assert!(diff[0].0.contains("kubricate.thaitype.dev/secret-checksum"));

    // On the Deployment's pod template only (the Service consumes nothing).
    let docs = kubricate::yaml::from_str_multi(&before).unwrap();
    let sum = docs[0]["spec"]["template"]["metadata"]["annotations"]
        ["kubricate.thaitype.dev/secret-checksum"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(annotation_lines(&before).len(), 1);
    assert_eq!(sum.len(), 64);
    // Not a plain hash of any consumed value, nor of the two together.
    for plain in [DB, API, &format!("{DB}{API}"), &format!("{API}{DB}")] {
        assert_ne!(sum, kubricate::generate::sha256_hex(plain.as_bytes()));
    }
    // Another key gives another annotation for the same values.
    let other = gen(&[("KUBRICATE_CHECKSUM_KEY", "another key, at least 16 bytes")]);
    assert_ne!(annotation_lines(&before), annotation_lines(&other));

    // Without the flag: no annotation and no value read (an empty value would fail a load).
    let plain = basic(
        &["generate", "--stdout"],
        &[("KUBRICATE_SECRET_API_KEY", "")],
        dir.path(),
    );
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert!(annotation_lines(&stdout(&plain)).is_empty());
    // And the resource hash does not move with the annotation.
    let hash = |y: &str| {
        y.lines()
            .find(|l| l.contains("resource-hash"))
            .unwrap()
            .to_owned()
    };
    assert_eq!(hash(&before), hash(&stdout(&plain)));
    assert_eq!(hash(&before), hash(&rotated));
}

#[test]
fn a_missing_or_short_checksum_key_is_a_clear_error() {
    let dir = tempdir();
    for (value, expect) in [
        ("", "KUBRICATE_CHECKSUM_KEY is not set"),
        ("CANARY-short", "12 bytes; it needs at least 16"),
    ] {
        let out = basic(
            &["generate", "--secret-checksums", "--out-dir", "out"],
            &[("KUBRICATE_CHECKSUM_KEY", value)],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.starts_with("error: generate --secret-checksums: "),
            "{err}"
        );
        assert!(err.contains(expect), "{err}");
        assert_no_canary(&err);
        assert!(!dir.path().join("out").exists(), "nothing half-written");
    }
}

#[test]
fn project_option_makes_checksums_the_default_and_a_declared_secret_can_hold_the_key() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "value-a")]))
        .provider(OpaqueSecretProvider::new("app"))
        .add_secret("A");
    let stack = simple_app("web", "web").use_secrets(&m, |c| {
        c.secrets("A").inject();
    });
    let key = kubricate::checksum::ChecksumKeySource::secret(
        InMemoryConnector::new([("ROLLOUT_KEY", "CANARY-rollout-key-0123456789")]),
        "ROLLOUT_KEY",
    );
    let project = Project::new()
        .stack("web", stack)
        .secrets(m)
        .secret_checksums(key);
    let (code, out, err) = run_project(&project, &["generate", "--stdout"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(annotation_lines(&out).len(), 1, "{out}");
    assert!(!out.contains("CANARY") && !err.contains("CANARY"));
    let (code, out, _) = run_project(&project, &["generate", "--stdout", "--no-secret-checksums"]);
    assert_eq!(code, 0);
    assert!(annotation_lines(&out).is_empty());
}

#[test]
fn dry_run_client_json_shows_the_secret_without_a_namespace() {
    let dir = tempdir();
    let out = basic(
        &["secret", "apply", "--dry-run=client", "-o", "json"],
        &[],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_canary(&stdout(&out));
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list["kind"], "List");
    let item = &list["items"][0];
    assert_eq!(item["metadata"], json!({ "name": "app-secrets" }));
    assert_eq!(item["type"], "Opaque");
    assert_eq!(
        item["data"]["DATABASE_URL"],
        format!("<redacted: {} bytes>", DB.len())
    );
    // YAML is the same document.
    let y = basic(
        &["secret", "apply", "--dry-run=client", "-o", "yaml"],
        &[],
        dir.path(),
    );
    assert_eq!(kubricate::yaml::from_str(&stdout(&y)).unwrap(), list);
    // --namespace fills in what kubectl would.
    let ns = basic(
        &[
            "secret",
            "apply",
            "--dry-run=client",
            "-o",
            "json",
            "--namespace",
            "staging",
        ],
        &[],
        dir.path(),
    );
    let list: Value = serde_json::from_str(&stdout(&ns)).unwrap();
    assert_eq!(list["items"][0]["metadata"]["namespace"], "staging");
}

#[test]
fn secret_apply_is_one_server_side_apply_with_kubectls_flags() {
    let dir = tempdir();
    let record = dir.path().join("record");
    let k = stand_in();
    let rec = record.to_str().unwrap();
    let out = basic(
        &[
            "secret",
            "apply",
            "--kubectl",
            k.to_str().unwrap(),
            "-n",
            "staging",
        ],
        &[("KUBECTL_RECORD", rec)],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = calls(&record);
    assert_eq!(calls.len(), 1, "exactly one kubectl call");
    assert_eq!(
        calls[0].0,
        [
            "--namespace=staging",
            "apply",
            "--server-side",
            "--field-manager=kubricate",
            "-f",
            "-"
        ]
    );
    let list: Value = serde_json::from_str(&calls[0].1).unwrap();
    let secret = &list["items"][0];
    assert_eq!(
        secret["metadata"].get("namespace"),
        None,
        "kubectl -n places it"
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(secret["data"]["API_KEY"], b64.encode(API), "byte for byte");
    assert_eq!(secret["data"]["DATABASE_URL"], b64.encode(DB));
    assert_no_canary(&stdout(&out));
    assert_no_canary(&stderr(&out));
    // The checksum key never reaches kubectl's environment.
    for call in std::fs::read_dir(&record).unwrap().flatten() {
        let env = std::fs::read_to_string(call.path().join("env")).unwrap();
        assert!(!env.contains(KEY) && !env.contains("KUBRICATE_CHECKSUM_KEY"));
    }

    for (flags, expect) in [
        (&["--client-side"][..], &["apply", "-f", "-"][..]),
        (
            &[
                "--force-conflicts",
                "--dry-run=server",
                "--kubeconfig",
                "/k/config",
                "--context",
                "c",
            ],
            &[
                "--kubeconfig=/k/config",
                "--context=c",
                "apply",
                "--server-side",
                "--field-manager=kubricate",
                "--force-conflicts",
                "--dry-run=server",
                "-f",
                "-",
            ],
        ),
        (
            &["--field-manager", "platform-team"],
            &[
                "apply",
                "--server-side",
                "--field-manager=platform-team",
                "-f",
                "-",
            ],
        ),
    ] {
        let rec = dir.path().join(format!("r{}", flags.len()));
        let mut args = vec!["secret", "apply", "--kubectl", k.to_str().unwrap()];
        args.extend_from_slice(flags);
        let out = basic(
            &args,
            &[("KUBECTL_RECORD", rec.to_str().unwrap())],
            dir.path(),
        );
        assert!(out.status.success(), "{flags:?}: {}", stderr(&out));
        let c = self::calls(&rec);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, expect, "{flags:?}");
    }
}

#[test]
fn namespace_on_the_command_line_contradicting_an_explicit_one_is_an_error() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "CANARY-a")]))
        .provider(OpaqueSecretProvider::new("app").namespace("prod"))
        .add_secret("A");
    let stack = Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name: "web",
            image_name: "web",
            namespace: Some("prod"),
            ..Default::default()
        },
    )
    .use_secrets(&m, |c| {
        c.secrets("A").inject();
    });
    let project = Project::new().stack("web", stack).secrets(m);
    for args in [
        &[
            "secret",
            "apply",
            "--kubectl",
            "/nonexistent",
            "--namespace",
            "staging",
        ][..],
        &[
            "secret",
            "apply",
            "--dry-run=client",
            "--namespace",
            "staging",
        ],
    ] {
        let (code, out, err) = run_project(&project, args);
        assert_eq!(code, 1, "{args:?}");
        assert!(out.is_empty());
        assert!(
            err.contains(
                "--namespace `staging` differs from the explicit namespace of Secret(s) `prod/app`"
            ),
            "{err}"
        );
    }
    let (code, out, _) = run_project(&project, &["secret", "apply", "--dry-run", "-n", "prod"]);
    assert_eq!(code, 0);
    assert!(out.contains("namespace: prod"));
}

#[test]
fn a_workload_without_a_namespace_needs_a_secret_without_one() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a")]))
        .provider(OpaqueSecretProvider::new("app").namespace("default"))
        .add_secret("A");
    let stack = simple_app("web", "web").use_secrets(&m, |c| {
        c.secrets("A").inject();
    });
    let project = Project::new().stack("web", stack).secrets(m);
    let (code, _, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("refers to Secret `app` from a resource without a namespace (it lands wherever it is applied), but the Secret is delivered only in namespace `default`"),
        "{err}"
    );
    // generate does not care: unnamespaced resources are valid manifests.
    let (code, _, err) = run_project(&project, &["generate", "--stdout"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn secret_diff_and_diff_have_kubectl_diffs_exit_codes_and_leak_nothing() {
    let dir = tempdir();
    let k = stand_in();
    let k = k.to_str().unwrap();
    for (exit, expect) in [("0", 0), ("1", 1), ("3", 3), ("2", 2)] {
        let rec = dir.path().join(format!("secret-{exit}"));
        let out = basic(
            &["secret", "diff", "--kubectl", k],
            &[
                ("KUBECTL_RECORD", rec.to_str().unwrap()),
                ("KUBECTL_EXIT", exit),
            ],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(expect), "{}", stderr(&out));
        // The stand-in echoes the Secrets, values and all: every one is scrubbed.
        assert_no_canary(&stdout(&out));
        assert_no_canary(&stderr(&out));
        let c = calls(&rec);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].0,
            [
                "diff",
                "--server-side",
                "--field-manager=kubricate",
                "-f",
                "-"
            ]
        );
        if expect > 1 {
            assert!(stderr(&out).contains(&format!("diff` failed (exit status {exit})")));
        } else {
            assert!(stdout(&out).contains("<redacted>"), "{}", stdout(&out));
        }
    }

    let rec = dir.path().join("manifests");
    let out = basic(
        &["diff", "--kubectl", k, "--client-side"],
        &[
            ("KUBECTL_RECORD", rec.to_str().unwrap()),
            ("KUBECTL_EXIT", "1"),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let c = calls(&rec);
    assert_eq!(c[0].0, ["diff", "-f", "-"]);
    // kubectl gets exactly what generate prints, and no value was needed for it.
    let generated = basic(&["generate", "--stdout"], &[], dir.path());
    assert_eq!(c[0].1, stdout(&generated));
    assert!(stderr(&out).contains("the cluster differs"));
}

#[test]
fn real_kubectl_without_a_cluster_fails_apply_with_1_and_diff_above_1() {
    if !kubectl_available() {
        eprintln!("kubectl not installed; skipped");
        return;
    }
    let dir = tempdir();
    // A kubeconfig pointing at a closed port: kubectl fails fast, as with an unreachable cluster.
    let config = dir.path().join("kubeconfig");
    std::fs::write(
        &config,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: t\n",
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    // Apply (server-side, and its server dry run) fails as kubectl fails: exit 1, scrubbed.
    for args in [
        &["secret", "apply", "--kubeconfig", cfg][..],
        &["secret", "apply", "--dry-run=server", "--kubeconfig", cfg],
    ] {
        let out = basic(args, &[], dir.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("apply` failed"), "{}", stderr(&out));
        assert_no_canary(&stderr(&out));
        assert_no_canary(&stdout(&out));
    }
    for args in [
        &["secret", "diff", "--kubeconfig", cfg][..],
        &["diff", "--kubeconfig", cfg],
    ] {
        let out = basic(args, &[], dir.path());
        let code = out.status.code().unwrap_or(0);
        assert!(code > 1, "{args:?}: exit {code}: {}", stderr(&out));
        assert!(stderr(&out).contains("diff` failed"), "{}", stderr(&out));
        assert_no_canary(&stderr(&out));
    }
}

#[test]
fn inspect_and_validate_print_json_that_parses() {
    let dir = tempdir();
    let out = basic(&["inspect", "-o", "json"], &[], dir.path());
    assert!(out.status.success());
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let stack = &doc["stacks"][0];
    assert_eq!(stack["id"], "apiService");
    assert_eq!(
        stack["resources"][0],
        json!({ "id": "deployment", "kind": "Deployment", "name": "api-service", "namespace": null })
    );
    assert_eq!(
        stack["injections"][0],
        json!({ "secret": "DATABASE_URL", "as": "DATABASE_URL", "strategy": "env", "provider": "OpaqueSecretProvider",
                "resource": "deployment", "container": "container 0", "secretName": "app-secrets" })
    );

    let out = basic(&["secret", "validate", "-o", "json"], &[], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_canary(&stdout(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["referencesChecked"], 2);
    assert_eq!(
        doc["secrets"][0],
        json!({ "name": "app-secrets", "namespace": null, "type": "Opaque",
                "keys": [{ "name": "API_KEY", "bytes": API.len() }, { "name": "DATABASE_URL", "bytes": DB.len() }],
                "sources": ["AppSecrets/OpaqueSecretProvider"] })
    );

    let out = basic(
        &["secret", "validate", "-o", "json"],
        &[("KUBRICATE_SECRET_API_KEY", "")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["ok"], false);
    assert!(doc["problems"][0]
        .as_str()
        .unwrap()
        .contains("KUBRICATE_SECRET_API_KEY"));
    assert_eq!(doc["warnings"], json!([]));
    assert!(stderr(&out).starts_with("error: "));
}

#[test]
fn version_help_and_completions() {
    let dir = tempdir();
    let out = basic(&["--version"], &[], dir.path());
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!("kubricate {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = basic(&["help", "secret"], &[], dir.path());
    assert!(out.status.success());
    assert!(stdout(&out).contains("diff"), "{}", stdout(&out));
    let out = basic(&["completions", "bash"], &[], dir.path());
    assert!(out.status.success());
    let script = stdout(&out);
    assert!(
        script.contains("complete -F") && script.contains("basic"),
        "{script}"
    );
    assert!(script.contains("--secret-checksums"));
    // The script is valid bash.
    let path = dir.path().join("basic.bash");
    std::fs::write(&path, &script).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = basic(&["completions", "tcsh"], &[], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn ingress_tls_and_service_account_pull_secrets_are_cross_checked() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a")]))
        .provider(OpaqueSecretProvider::new("app"))
        .add_secret("A");
    let ingress = json!({ "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": { "name": "web" },
        "spec": { "tls": [{ "hosts": ["shop.example.com"], "secretName": "shop-tlss" }, { "secretName": "app" }],
                  "rules": [] } });
    let sa = json!({ "apiVersion": "v1", "kind": "ServiceAccount", "metadata": { "name": "web" },
        "imagePullSecrets": [{ "name": "regcred" }] });
    let stack = simple_app("web", "web").use_secrets(&m, |c| {
        c.secrets("A").inject();
    });
    let stack = Stack::from_resources(
        "web",
        stack
            .build()
            .unwrap()
            .into_iter()
            .chain([
                ("ingress".to_owned(), Manifest::new(ingress).unwrap()),
                ("sa".to_owned(), Manifest::new(sa).unwrap()),
            ])
            .collect(),
    );
    let project = Project::new()
        .stack("web", stack)
        .secrets(m)
        .external_secret("other");
    let (code, _, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("stack `web`, resource `ingress`: tls for shop.example.com refers to Secret `shop-tlss`, which no provider of the project delivers"), "{err}");
    assert!(err.contains("stack `web`, resource `ingress`: tls names Secret `app`, which lacks key(s) `tls.crt`, `tls.key` (holds `A`)"), "{err}");
    assert!(
        err.contains("stack `web`, resource `sa`: imagePullSecrets refers to Secret `regcred`"),
        "{err}"
    );
}

#[test]
fn the_graph_renders_with_graphviz_and_as_mermaid() {
    let dir = tempdir();
    let out = run_in("secret-registry", &["inspect", "--graph"], &[], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let dot = stdout(&out);
    assert!(dot.starts_with("digraph kubricate {"));
    assert!(dot.contains("label=\"DB_CONNECTION (env)\""), "{dot}");
    assert_eq!(
        dot,
        stdout(&run_in(
            "secret-registry",
            &["inspect", "--graph=dot"],
            &[],
            dir.path()
        )),
        "deterministic"
    );
    let mermaid = stdout(&run_in(
        "secret-registry",
        &["inspect", "--graph=mermaid"],
        &[],
        dir.path(),
    ));
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert!(mermaid.contains("|\"DB_CONNECTION (env)\"|"), "{mermaid}");

    let has_dot = std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_dot {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Graphviz (`.ci/run` installs it)"
        );
        eprintln!("graphviz not installed; rendering skipped");
        return;
    }
    let path = dir.path().join("g.dot");
    std::fs::write(&path, &dot).unwrap();
    let svg = std::process::Command::new("dot")
        .arg("-Tsvg")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        svg.status.success(),
        "{}",
        String::from_utf8_lossy(&svg.stderr)
    );
    let svg = String::from_utf8_lossy(&svg.stdout);
    assert!(
        svg.contains("<svg") && svg.contains("DB_CONNECTION"),
        "{svg}"
    );
}

#[test]
fn the_operations_example_rolls_on_rotation_and_checks_its_ingress_and_service_account() {
    let dir = tempdir();
    let gen = |extra: &[(&str, &str)]| {
        let out = run_in("operations", &["generate", "--stdout"], extra, dir.path());
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let before = gen(&[]);
    assert_eq!(
        annotation_lines(&before).len(),
        1,
        "only the Deployment consumes a value"
    );
    let rotated = gen(&[("KUBRICATE_SECRET_STRIPE_KEY", "sk_live_rotated")]);
    let changed: Vec<_> = before
        .lines()
        .zip(rotated.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:#?}");
    // The TLS pair is not read by any pod: rotating it rolls nothing.
    let tls = std::fs::read_to_string(workspace().join("examples/operations/.env")).unwrap();
    let tls = tls
        .lines()
        .find_map(|l| l.strip_prefix("KUBRICATE_SECRET_SHOP_TLS='"))
        .and_then(|v| v.strip_suffix('\''))
        .unwrap()
        .to_owned();
    assert_eq!(before, gen(&[("KUBRICATE_SECRET_SHOP_TLS", &tls)]));
    // Another key (the declared secret ROLLOUT_KEY) gives another annotation.
    let rekeyed = gen(&[(
        "KUBRICATE_SECRET_ROLLOUT_KEY",
        "another rollout key, 32 bytes...",
    )]);
    assert_ne!(annotation_lines(&before), annotation_lines(&rekeyed));

    let out = run_in("operations", &["secret", "validate"], &[], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "",
        "no 'injected nowhere' warning for Secrets an Ingress or ServiceAccount names"
    );
    let out = run_in(
        "operations",
        &["secret", "apply", "--dry-run=client", "-o", "json"],
        &[],
        dir.path(),
    );
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["metadata"].get("namespace"), None);
            i["metadata"]["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(names, ["registry-auth", "shop-secrets", "shop-tls"]);
}

#[test]
fn dry_run_json_matches_what_kubectl_create_secret_writes() {
    if !kubectl_available() {
        eprintln!("kubectl not installed; skipped");
        return;
    }
    let dir = tempdir();
    let out = basic(
        &[
            "secret",
            "apply",
            "--dry-run=client",
            "-o",
            "json",
            "--show-values",
        ],
        &[],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let ours: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ours = &ours["items"][0];
    // kubectl works offline for this one: the same Secret, built by kubectl from the same bytes.
    let theirs = std::process::Command::new("kubectl")
        .args([
            "create",
            "secret",
            "generic",
            "app-secrets",
            "--dry-run=client",
            "-o",
            "json",
        ])
        .arg(format!("--from-literal=DATABASE_URL={DB}"))
        .arg(format!("--from-literal=API_KEY={API}"))
        .output()
        .unwrap();
    assert!(
        theirs.status.success(),
        "{}",
        String::from_utf8_lossy(&theirs.stderr)
    );
    let theirs: Value = serde_json::from_slice(&theirs.stdout).unwrap();
    assert_eq!(
        ours["data"], theirs["data"],
        "byte for byte, as kubectl encodes them"
    );
    // kubectl leaves `type` out, which the API server defaults to Opaque.
    assert_eq!(ours["type"], "Opaque");
    assert_eq!(theirs.get("type"), None);
    assert_eq!(ours["metadata"]["name"], theirs["metadata"]["name"]);
    // Neither pins a namespace: both land where they are applied.
    assert_eq!(ours["metadata"].get("namespace"), None);
    assert_eq!(theirs["metadata"].get("namespace"), None);
}
