//! Helpers shared by the black-box tests: run an example binary as a user would.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

pub fn workspace() -> PathBuf {
    // The tests package lives in tests/; examples, goldens and the README are found from the root.
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    tests.parent().map(Path::to_path_buf).unwrap_or(tests)
}

fn target_dir() -> PathBuf {
    // tests run from <target>/<profile>/deps/<test>-<hash>
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target profile dir")
        .to_path_buf()
}

static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The compiled example binary. Built once per test process: `cargo test --test NAME` does not build
/// examples, and a binary left from an earlier build may predate the library under test.
pub fn example_bin(name: &str) -> PathBuf {
    let profile = target_dir();
    let path = profile.join("examples").join(name);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.iter().any(|n| n == name) {
        let mut cmd = Command::new(env!("CARGO"));
        // The examples belong to the root package (`kubricate-workspace`), not to this one.
        cmd.args([
            "build",
            "--quiet",
            "-p",
            "kubricate-workspace",
            "--example",
            name,
        ])
        .current_dir(workspace());
        if profile.file_name().is_some_and(|p| p == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(status.success(), "cargo build --example {name} failed");
        built.push(name.to_owned());
    }
    path
}

/// Every example under `examples/`, as cargo discovers them (`examples/NAME.rs`, `examples/NAME/main.rs`).
pub fn examples() -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(workspace().join("examples")).expect("examples/") {
        let path = entry.expect("entry").path();
        let stem = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned);
        if path.is_dir() && path.join("main.rs").is_file() {
            names.extend(path.file_name().and_then(|s| s.to_str()).map(str::to_owned));
        } else if path.extension().is_some_and(|e| e == "rs") {
            names.extend(stem);
        }
    }
    names.sort();
    names
}

/// Runs an example in `cwd` with a clean KUBRICATE_* environment plus `env`.
pub fn run_in(name: &str, args: &[&str], env: &[(&str, &str)], cwd: &Path) -> Output {
    let mut cmd = Command::new(example_bin(name));
    cmd.args(args).current_dir(cwd);
    for (k, _) in std::env::vars() {
        if k.starts_with("KUBRICATE_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run example")
}

pub fn run(name: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    run_in(name, args, env, &workspace())
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compares `actual` with the golden file; `UPDATE_GOLDEN=1` rewrites it.
pub fn assert_golden(rel: &str, actual: &str) {
    let path = workspace().join("tests/golden").join(rel);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden {} (run with UPDATE_GOLDEN=1)",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "output differs from {}:\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Whether kubectl is on PATH.
pub fn kubectl_available() -> bool {
    Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a project's CLI in-process; returns (exit code, stdout, stderr).
pub fn run_project(project: &kubricate::Project, args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv = std::iter::once("app").chain(args.iter().copied());
    let code = project.run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A `SimpleApp` stack (Deployment + Service) called `name`, running `image`.
pub fn simple_app(name: &str, image: &str) -> kubricate::Stack {
    use kubricate::prelude::*;
    Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name,
            image_name: image,
            ..Default::default()
        },
    )
}

/// A TLS value `{"cert","key"}` that passes TlsSecretProvider's checks: the throwaway pair of the
/// file-connector example.
pub fn tls_value() -> String {
    let dir = workspace().join("examples/file-connector/secrets/dev");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("example TLS file");
    serde_json::json!({ "cert": read("tls.crt"), "key": read("tls.key") }).to_string()
}
