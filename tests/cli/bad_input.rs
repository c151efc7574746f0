//! The bad-input matrix: each row gets a clear message (naming the file and line, secret, stack or
//! resource, and the fix), a non-zero exit, no partial output, and no value in the message.

use crate::common::*;
use kubricate::prelude::*;
use kubricate::Project;

const CANARY: &str = "CANARY-bad-input-Zq7x";

/// The `api` SimpleApp stack with `f`'s injections of `m`'s secrets.
fn app_using(m: &SecretManager, f: impl FnOnce(&mut kubricate::Injector)) -> Stack {
    simple_app("api", "api").use_secrets(m, f)
}

fn no_canary(text: &str) {
    assert!(!text.contains(CANARY), "leaked: {text}");
}

/// A project reading `.env` from `dir` only (no process environment), one SimpleApp stack.
fn project_with_env(dir: &std::path::Path, secrets: &[&str]) -> Project {
    let mut m = SecretManager::new()
        .connector(
            EnvConnector::new()
                .working_dir(dir)
                .environment(std::iter::empty::<(String, String)>()),
        )
        .provider(OpaqueSecretProvider::new("app-secrets"));
    for s in secrets {
        m = m.add_secret(*s);
    }
    let stack = app_using(&m, |c| {
        for s in secrets {
            c.secrets(*s).inject();
        }
    });
    Project::new().stack("api", stack).secrets(m)
}

fn validate_fails(project: &Project) -> String {
    let (code, out, err) = run_project(project, &["secret", "validate"]);
    assert_eq!(code, 1, "expected failure, got: {out}{err}");
    assert!(out.is_empty(), "no partial output on failure: {out}");
    no_canary(&err);
    err
}

#[test]
fn dotenv_syntax_error_names_file_and_line() {
    for (body, line, what) in [
        (
            format!("KUBRICATE_SECRET_A=ok\n\nKUBRICATE_SECRET_B='{CANARY}\n"),
            3,
            "opens a single quote that is not closed",
        ),
        (
            format!("KUBRICATE_SECRET_A=ok\nKUBRICATE_SECRET_B=\"{CANARY}\"x\n"),
            2,
            "opens a double quote",
        ),
        (
            format!("KUBRICATE_SECRET_A=\"multi\nline\"\nKUBRICATE_SECRET_B=1\n{CANARY}\n"),
            4,
            "not a `KEY=VALUE` assignment",
        ),
    ] {
        let dir = tempdir();
        std::fs::write(dir.path().join(".env"), body).unwrap();
        let err = validate_fails(&project_with_env(dir.path(), &["A", "B"]));
        assert!(err.contains(&format!(".env: line {line}: ")), "{err}");
        assert!(err.contains(what), "{err}");
    }
}

#[test]
fn missing_variables_are_all_listed() {
    let dir = tempdir();
    std::fs::write(dir.path().join(".env"), "OTHER=1\n").unwrap();
    let err = validate_fails(&project_with_env(dir.path(), &["A", "B", "C"]));
    for v in [
        "KUBRICATE_SECRET_A",
        "KUBRICATE_SECRET_B",
        "KUBRICATE_SECRET_C",
    ] {
        assert!(err.contains(&format!("{v} is not set")), "{err}");
    }
}

#[test]
fn empty_values_are_refused() {
    let dir = tempdir();
    std::fs::write(dir.path().join(".env"), "KUBRICATE_SECRET_A=\n").unwrap();
    let err = validate_fails(&project_with_env(dir.path(), &["A"]));
    assert!(
        err.contains("KUBRICATE_SECRET_A is set but empty (secret `A`)"),
        "{err}"
    );
}

fn docker_project(value: &str) -> Project {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("REGISTRY", value)]))
        .provider(DockerConfigSecretProvider::new("registry-secrets"))
        .add_secret("REGISTRY");
    let stack = app_using(&m, |c| {
        c.secrets("REGISTRY").inject();
    });
    Project::new().stack("api", stack).secrets(m)
}

#[test]
fn invalid_json_for_a_structured_provider() {
    let err = validate_fails(&docker_project(&format!("{{not json {CANARY}")));
    assert!(
        err.contains("secret `REGISTRY` for DockerConfigSecretProvider must be a JSON object"),
        "{err}"
    );
}

#[test]
fn json_with_wrong_field_types_or_missing_fields() {
    let err = validate_fails(&docker_project(&format!(
        r#"{{"username":"{CANARY}","password":7}}"#
    )));
    assert!(
        err.contains("missing field(s): registry")
            && err.contains("`password` must be a string, found number"),
        "{err}"
    );
}

#[test]
fn secret_names_that_are_not_env_var_names() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("s"))
        .add_secret("my-secret");
    let err = validate_fails(&Project::new().secrets(m));
    assert!(
        err.contains("secret name `my-secret` is not a valid environment variable name"),
        "{err}"
    );
}

#[test]
fn secret_and_provider_names_that_are_not_kubernetes_names() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", CANARY)]))
        .provider(OpaqueSecretProvider::new("App_Secrets"))
        .add_secret("A");
    let stack = app_using(&m, |c| {
        c.secrets("A").inject();
    });
    let project = Project::new().stack("api", stack).secrets(m);
    let err = validate_fails(&project);
    assert!(
        err.contains("Secret name `App_Secrets` is not a valid Kubernetes name"),
        "{err}"
    );
    // generate refuses too, before writing anything.
    let dir = tempdir();
    let project = project.root(dir.path());
    let (code, out, err) = run_project(&project, &["generate", "--out-dir", "out"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("App_Secrets") && err.contains("RFC 1123"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists(), "no partial output");
}

#[test]
fn env_names_colliding_in_one_container() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("s"))
        .add_secret("A")
        .add_secret("B");
    let stack = app_using(&m, |c| {
        c.secrets("A").for_name("TOKEN").inject();
        c.secrets("B").for_name("TOKEN").inject();
    });
    let dir = tempdir();
    let project = Project::new()
        .stack("api", stack)
        .secrets(m)
        .root(dir.path());
    let (code, out, err) = run_project(&project, &["generate", "--out-dir", "out"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains("stack `api`")
            && err.contains("env var `TOKEN` is defined twice in container 0 (`api`)"),
        "{err}"
    );
    assert!(
        err.contains(".for_name("),
        "the message says the fix: {err}"
    );
    assert!(!dir.path().join("out").exists(), "no partial output");
}

#[test]
fn container_index_out_of_range() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("s"))
        .add_secret("A");
    let stack = app_using(&m, |c| {
        c.secrets("A")
            .inject_as(kubricate::strategy::env().container_index(2));
    });
    let (code, _, err) = run_project(
        &Project::new().stack("api", stack).secrets(m),
        &["generate", "--stdout"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("resource `deployment`: container 2 is out of range: the pod has 1 container(s) (`api`)"), "{err}");
}

#[test]
fn unwritable_output_directory() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("blocker"),
        "a file where a directory should be",
    )
    .unwrap();
    let out = run_in(
        "basic",
        &["generate", "--out-dir", "blocker/out"],
        &[],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("blocker"), "names the path: {err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("blocker")).unwrap(),
        "a file where a directory should be"
    );
}

#[test]
fn kubectl_missing_from_path() {
    let dir = tempdir();
    let mut cmd = std::process::Command::new(example_bin("basic"));
    cmd.args(["secret", "apply"])
        .current_dir(dir.path())
        .env("PATH", dir.path())
        .env("KUBRICATE_SECRET_API_KEY", CANARY);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot run `kubectl`")
            && err.contains("install kubectl or pass --kubectl PATH"),
        "{err}"
    );
    no_canary(&err);
    assert!(stdout(&out).is_empty());
}

#[test]
fn kubectl_failing() {
    let dir = tempdir();
    let kubectl = dir.path().join("kubectl");
    std::fs::write(&kubectl, "#!/bin/sh\ncat >/dev/null\necho 'error: the server has asked for the client to provide credentials' >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run_in(
        "basic",
        &["secret", "apply", "--kubectl", kubectl.to_str().unwrap()],
        &[("KUBRICATE_SECRET_API_KEY", CANARY)],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("exit status 1") && err.contains("provide credentials"),
        "{err}"
    );
    no_canary(&err);
}

#[test]
fn data_keys_that_are_not_kubernetes_keys_are_refused_by_validate() {
    for key in ["a b", "../etc/passwd", "", "k\u{e9}y"] {
        let value = serde_json::json!({ key: CANARY, "ok": CANARY }).to_string();
        let m = SecretManager::new()
            .connector(InMemoryConnector::new([("CREDS", value)]))
            .provider(CustomTypeSecretProvider::new("creds", "example.com/creds"))
            .add_secret("CREDS");
        let stack = app_using(&m, |c| {
            c.secrets("CREDS")
                .inject_as(kubricate::strategy::env_from());
        });
        let err = validate_fails(&Project::new().stack("api", stack).secrets(m));
        assert!(
            err.contains("Secret `creds`: its") && err.contains("data key"),
            "{key:?}: {err}"
        );
        if !key.is_empty() {
            assert!(!err.contains(key), "the key comes from the value: {err}");
        }
    }
}

#[test]
fn a_duplicate_dotenv_key_is_a_warning_naming_both_lines_and_the_last_wins() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join(".env"),
        format!("KUBRICATE_SECRET_A={CANARY}-first\n# note\nKUBRICATE_SECRET_A=Xk9$mP2qL7vR\n"),
    )
    .unwrap();
    let project = project_with_env(dir.path(), &["A"]);
    let (code, out, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains(".env: `KUBRICATE_SECRET_A` is set on line 1 and again on line 3; the last one (line 3) is used"),
        "{err}"
    );
    no_canary(&err);
    no_canary(&out);
    let (code, out, _) = run_project(&project, &["secret", "apply", "--dry-run", "--show-values"]);
    assert_eq!(code, 0);
    // base64("Xk9$mP2qL7vR"): the `$` arrived unchanged.
    assert!(out.contains("WGs5JG1QMnFMN3ZS"), "{out}");
}
