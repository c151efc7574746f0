//! The canary suite: every command of every example runs with every secret value replaced by a unique
//! canary, and no canary (raw or base64) may appear in stdout, stderr, or any file left behind.

use std::path::Path;

use crate::common::*;
use base64::Engine;

type Env<'a> = [(&'a str, &'a str)];

/// A stand-in kubectl that echoes what it receives, so only our scrubbing stands between a value and
/// the terminal; with `FAIL=1` it echoes to stderr and fails.
fn stand_in(dir: &Path) -> String {
    let path = dir.join("kubectl");
    std::fs::write(
        &path,
        "#!/bin/sh\nif [ -n \"$FAIL\" ]; then cat >&2; exit 3; fi\ncat\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}

/// The example's `.env` with every value replaced by canaries: `(variable, value)` and the canaries.
fn canary_env(example: &str) -> (Vec<(String, String)>, Vec<String>) {
    let path = workspace().join("examples").join(example).join(".env");
    let mut vars = Vec::new();
    let mut canaries = Vec::new();
    let Ok(iter) = dotenvy::from_path_iter(&path) else {
        return (vars, canaries);
    };
    for (i, item) in iter.enumerate() {
        let (key, value) = item.expect(".env parses");
        let mut next = |field: &str| {
            let c = format!("CANARY{i}{field}Zq7x");
            canaries.push(c.clone());
            c
        };
        let replaced = match serde_json::from_str::<serde_json::Value>(&value) {
            Ok(serde_json::Value::Object(map)) => {
                let fields: serde_json::Map<String, serde_json::Value> = map
                    .into_iter()
                    .map(|(k, v)| {
                        // A registry host is not a secret: it is the auths key Kubernetes needs.
                        let v = if k == "registry" || !v.is_string() {
                            v
                        } else {
                            serde_json::Value::String(next(&k.replace(['-', '.', '_'], "")))
                        };
                        (k, v)
                    })
                    .collect();
                serde_json::Value::Object(fields).to_string()
            }
            _ => next("v"),
        };
        vars.push((key, replaced));
    }
    (vars, canaries)
}

fn assert_clean(what: &str, text: &str, canaries: &[String]) {
    for c in canaries {
        let b64 = base64::engine::general_purpose::STANDARD.encode(c);
        assert!(
            !text.contains(c.as_str()) && !text.contains(&b64),
            "{what} leaked a canary:\n{text}"
        );
    }
}

#[test]
fn no_command_of_any_example_leaks_a_value() {
    let tools = tempdir();
    let kubectl = stand_in(tools.path());
    let mut covered = 0;
    for example in examples() {
        let (vars, mut canaries) = canary_env(&example);
        if canaries.is_empty() {
            continue;
        }
        covered += 1;
        let work = tempdir();
        let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut failing = env.clone();
        failing.push(("FAIL", "1"));
        // The rollout checksum key is as secret as the values it protects.
        let key = format!("CANARY-checksum-key-{covered}-Zq7x");
        canaries.push(key.clone());
        let mut keyed = env.clone();
        keyed.push(("KUBRICATE_CHECKSUM_KEY", &key));
        let mut keyed_failing = keyed.clone();
        keyed_failing.push(("FAIL", "1"));
        let runs: Vec<(Vec<&str>, &Env)> = vec![
            (vec!["generate", "--stdout"], &env),
            (vec!["generate", "--out-dir", "out"], &env),
            (
                vec!["generate", "--out-dir", "flat", "--output-mode", "flat"],
                &env,
            ),
            (
                vec!["generate", "--out-dir", "res", "--output-mode", "resource"],
                &env,
            ),
            (vec!["inspect"], &env),
            (vec!["secret", "validate"], &env),
            (vec!["secret", "apply", "--dry-run"], &env),
            (vec!["secret", "apply", "--kubectl", &kubectl], &env),
            (vec!["secret", "apply", "--kubectl", &kubectl], &failing),
            (
                vec!["secret", "apply", "--kubectl", "/nonexistent/kubectl"],
                &env,
            ),
            (
                vec![
                    "secret",
                    "apply",
                    "--kubectl",
                    &kubectl,
                    "--namespace",
                    "elsewhere",
                ],
                &env,
            ),
            (vec!["generate", "--filter", "nope"], &env),
            (vec!["--help"], &env),
            // Issue 13's commands and modes.
            (vec!["generate", "--stdout", "--secret-checksums"], &keyed),
            (
                vec!["generate", "--out-dir", "sums", "--secret-checksums"],
                &keyed,
            ),
            (vec!["generate", "--stdout", "--secret-checksums"], &env),
            (vec!["inspect", "-o", "json"], &env),
            (vec!["inspect", "--graph"], &env),
            (vec!["inspect", "--graph=mermaid"], &env),
            (vec!["secret", "validate", "-o", "json"], &env),
            (vec!["secret", "validate", "-o", "yaml"], &env),
            (
                vec!["secret", "apply", "--dry-run=client", "-o", "json"],
                &env,
            ),
            (
                vec!["secret", "apply", "--dry-run=client", "-o", "yaml"],
                &env,
            ),
            (
                vec!["secret", "apply", "--dry-run=server", "--kubectl", &kubectl],
                &env,
            ),
            (
                vec!["secret", "apply", "--client-side", "--kubectl", &kubectl],
                &failing,
            ),
            (vec!["secret", "diff", "--kubectl", &kubectl], &env),
            (vec!["secret", "diff", "--kubectl", &kubectl], &failing),
            (
                vec!["diff", "--secret-checksums", "--kubectl", &kubectl],
                &keyed,
            ),
            (
                vec!["diff", "--secret-checksums", "--kubectl", &kubectl],
                &keyed_failing,
            ),
            (vec!["completions", "bash"], &env),
        ];
        for (args, env) in runs {
            let out = run_in(&example, &args, env, work.path());
            assert_clean(
                &format!("{example} {args:?} stdout"),
                &stdout(&out),
                &canaries,
            );
            assert_clean(
                &format!("{example} {args:?} stderr"),
                &stderr(&out),
                &canaries,
            );
        }
        for file in walk(work.path()) {
            let bytes = std::fs::read(&file).unwrap();
            assert_clean(
                &format!("{example}: file {}", file.display()),
                &String::from_utf8_lossy(&bytes),
                &canaries,
            );
        }
    }
    assert!(
        covered >= 2,
        "the suite must cover the examples (covered {covered})"
    );
}

/// Bad values: the error names the secret and what is wrong, never the value.
#[test]
fn malformed_structured_values_never_echo() {
    let canary = "CANARY-structured-Zq7x";
    for example in examples() {
        let (vars, _) = canary_env(&example);
        for (key, value) in &vars {
            if !value.starts_with('{') {
                continue;
            }
            // Not JSON at all, JSON with a wrong field type, and JSON missing every field.
            for bad in [
                format!("{{{canary}"),
                format!("{{\"username\":1,\"password\":\"{canary}\"}}"),
                format!("{{\"x\":\"{canary}\"}}"),
            ] {
                let mut env: Vec<(&str, &str)> = vars
                    .iter()
                    .filter(|(k, _)| k != key)
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                env.push((key.as_str(), bad.as_str()));
                let dir = tempdir();
                let out = run_in(&example, &["secret", "validate"], &env, dir.path());
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{example} {key} accepted a malformed value"
                );
                let err = stderr(&out);
                let secret = key.trim_start_matches("KUBRICATE_SECRET_");
                assert!(
                    err.contains(secret),
                    "{example}: error does not name {secret}: {err}"
                );
                assert_clean(&format!("{example} {key}"), &err, &[canary.to_owned()]);
                assert_clean(
                    &format!("{example} {key} stdout"),
                    &stdout(&out),
                    &[canary.to_owned()],
                );
            }
        }
    }
}

/// The file and command connectors' examples with canary values planted where they read: the file
/// connector's directory (`KUBRICATE_ENV` may be a path) and the stand-in password store.
#[test]
fn file_and_command_connector_values_never_leak() {
    let tools = tempdir();
    let kubectl = stand_in(tools.path());
    let store = tempdir();
    let api = "CANARY-file-api-Zq7x";
    let auth = base64::engine::general_purpose::STANDARD.encode("CANARY-user:CANARY-pass-Zq7x");
    let dev = workspace().join("examples/file-connector/secrets/dev");
    std::fs::write(store.path().join("API_KEY"), format!("{api}\n")).unwrap();
    std::fs::write(
        store.path().join("docker-config.json"),
        format!(r#"{{"auths":{{"registry.example.com":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
    for f in ["tls.crt", "tls.key"] {
        std::fs::copy(dev.join(f), store.path().join(f)).unwrap();
    }
    let key_body: String = std::fs::read_to_string(dev.join("tls.key"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let pass = tempdir();
    for (name, value) in [
        ("DATABASE_URL", "CANARY-cmd-db-Zq7x\n"),
        ("API_TOKEN", "CANARY-cmd-token-Zq7x"),
        ("SIGNING_KEY", "CANARY-cmd-signing-Zq7x"),
    ] {
        std::fs::write(pass.path().join(name), value).unwrap();
    }
    let canaries: Vec<String> = [
        api,
        "CANARY-pass-Zq7x",
        auth.as_str(),
        &key_body[..40],
        "CANARY-cmd-db-Zq7x",
        "CANARY-cmd-token-Zq7x",
        "CANARY-cmd-signing-Zq7x",
    ]
    .map(str::to_owned)
    .to_vec();
    let store_path = store.path().to_string_lossy().into_owned();
    let pass_path = pass.path().to_string_lossy().into_owned();
    for (example, var, value) in [
        ("file-connector", "KUBRICATE_ENV", store_path.as_str()),
        ("command-connector", "FAKE_PASS_STORE", pass_path.as_str()),
    ] {
        let env = [(var, value)];
        let failing = [(var, value), ("FAIL", "1")];
        let runs: Vec<(Vec<&str>, &Env)> = vec![
            (vec!["generate", "--stdout"], &env),
            (vec!["inspect"], &env),
            (vec!["secret", "validate"], &env),
            (vec!["secret", "apply", "--dry-run"], &env),
            (vec!["secret", "apply", "--kubectl", &kubectl], &env),
            (vec!["secret", "apply", "--kubectl", &kubectl], &failing),
        ];
        for (args, env) in runs {
            let work = tempdir();
            let out = run_in(example, &args, env, work.path());
            if args == ["secret", "validate"] {
                assert!(out.status.success(), "{example}: {}", stderr(&out));
            }
            assert_clean(
                &format!("{example} {args:?} stdout"),
                &stdout(&out),
                &canaries,
            );
            assert_clean(
                &format!("{example} {args:?} stderr"),
                &stderr(&out),
                &canaries,
            );
        }
        // The canaries did arrive: `--show-values` delivers them (so the runs above were not vacuous).
        let shown = stdout(&run_in(
            example,
            &["secret", "apply", "--dry-run", "--show-values"],
            &env,
            store.path(),
        ));
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let expected = if example == "file-connector" {
            b64(&format!("{api}\n"))
        } else {
            b64("CANARY-cmd-db-Zq7x")
        };
        assert!(shown.contains(&expected), "{example}: {shown}");
    }
    // A failing command: the error names the secret and shows the tool's stderr, never a value.
    let empty = tempdir();
    let empty_path = empty.path().to_string_lossy().into_owned();
    let out = run(
        "command-connector",
        &["secret", "validate"],
        &[("FAKE_PASS_STORE", &empty_path)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("for secret `DATABASE_URL` failed with exit status 1")
            && err.contains("is not in the password store"),
        "{err}"
    );
    assert_clean("failing command", &err, &canaries);
}
