//! `generate` as a user runs it: output modes, filters, metadata, determinism and safe writes.
//!
//! Examples run as subprocesses in a temporary working directory, because the CLI refuses output
//! directories outside its working directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;
use kubricate::generate::{
    ANNOTATION_MANAGED_AT, ANNOTATION_RESOURCE_HASH, ANNOTATION_STACK_NAME, ANNOTATION_VERSION,
    LABEL_MANAGED, LABEL_RESOURCE_ID, LABEL_STACK_ID,
};
use kubricate::prelude::*;
use kubricate::{GenerateOptions, OutputMode, Project};
use serde_json::{json, Value};

/// Every entry under `dir` (hidden ones included) by path relative to `dir` (directories end in `/`),
/// with its content (a link: its target).
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let e = e.unwrap();
            let p = e.path();
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                out.insert(format!("{rel}/"), String::new());
                walk(base, &p, out);
            } else if ft.is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("-> {}", target.display()));
            } else {
                out.insert(
                    rel,
                    String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn generate_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = vec!["generate"];
    all.extend_from_slice(args);
    run_in("basic", &all, env, cwd)
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

fn assert_refused(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(out));
    let err = stderr(out);
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
    assert!(stdout(out).is_empty(), "stdout: {}", stdout(out));
}

fn docs(yaml: &str) -> Vec<Value> {
    kubricate::yaml::from_str_multi(yaml).unwrap()
}

fn stdout_of(cwd: &Path, args: &[&str]) -> String {
    let mut all = vec!["--stdout"];
    all.extend_from_slice(args);
    let out = generate_in(cwd, &all, &[]);
    assert_ok(&out);
    stdout(&out)
}

/// Names in `dir` that kubricate uses for staging, locking or temporary files.
fn kubricate_leftovers(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_keys()
        // The lock file is kept on purpose (see `output`): only staging, `-old` and temporary names
        // are leftovers.
        .filter(|k| {
            k.contains(".kubricate-")
                && !k.ends_with(".kubricate-generated")
                && !k.ends_with(".kubricate-lock")
        })
        .collect()
}

#[test]
fn each_mode_matches_its_golden_layout_and_content() {
    let cwd = tempdir();
    let stream = stdout_of(cwd.path(), &[]);
    for mode in ["stack", "flat", "resource"] {
        let out = generate_in(cwd.path(), &["--output-mode", mode], &[]);
        assert_ok(&out);
        let files = snapshot(&cwd.path().join("output"));
        let listing: String = files.keys().map(|k| format!("{k}\n")).collect();
        assert_golden(&format!("generate/{mode}/files.txt"), &listing);
        for (rel, text) in &files {
            if !rel.ends_with('/') {
                assert_golden(&format!("generate/{mode}/output/{rel}"), text);
            }
        }
        // Every layout holds the same documents as --stdout, in the same order (sorted file names
        // put Deployment_ before Service_, which is also declaration order).
        let joined: Vec<String> = files
            .iter()
            .filter(|(k, _)| k.ends_with(".yml"))
            .map(|(_, v)| v.clone())
            .collect();
        assert_eq!(joined.join("---\n"), stream, "{mode}");
    }
    assert_eq!(
        stream,
        std::fs::read_to_string(workspace().join("tests/golden/basic/generate.yml")).unwrap()
    );
}

#[test]
fn the_project_sets_the_mode_and_the_flag_overrides_it() {
    let root = tempdir();
    let project = || {
        Project::new()
            .stack("apiService", api_service("api-service"))
            .output_mode(OutputMode::Resource)
            .root(root.path())
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(
        project().run(["app", "generate"], &mut out, &mut err),
        0,
        "{}",
        String::from_utf8_lossy(&err)
    );
    assert!(root
        .path()
        .join("output/apiService/Deployment_deployment.yml")
        .is_file());
    assert_eq!(
        project().run(
            ["app", "generate", "--output-mode", "flat"],
            &mut out,
            &mut err
        ),
        0
    );
    let files: Vec<String> = snapshot(&root.path().join("output")).into_keys().collect();
    assert_eq!(files, vec![".kubricate-generated", "stacks.yml"]);
}

fn api_service(name: &str) -> Stack {
    Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name,
            image_name: "api",
            ..Default::default()
        },
    )
}

/// Three stacks, one with a dot in its id, declared in non-alphabetical order.
fn multi_project() -> Project {
    Project::new()
        .stack("web", api_service("web"))
        .stack(
            "ns",
            Stack::from_template(Namespace, NamespaceInput { name: "prod" }),
        )
        .stack("api.v2", api_service("api-v2"))
}

fn ids_in(yaml: &str) -> Vec<String> {
    docs(yaml)
        .iter()
        .map(|d| {
            format!(
                "{}.{}",
                d["metadata"]["labels"][LABEL_STACK_ID].as_str().unwrap(),
                d["metadata"]["labels"][LABEL_RESOURCE_ID].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn stacks_and_resources_come_in_declaration_order_in_every_mode() {
    let project = multi_project();
    let expected = [
        "web.deployment",
        "web.service",
        "ns.namespace",
        "api.v2.deployment",
        "api.v2.service",
    ];
    let opts = |mode| GenerateOptions {
        mode,
        ..GenerateOptions::default()
    };
    let flat = project.render(&opts(OutputMode::Flat)).unwrap();
    assert_eq!(flat.len(), 1);
    assert_eq!(flat[0].path, PathBuf::from("stacks.yml"));
    assert_eq!(flat[0].documents, 5);
    assert_eq!(ids_in(&flat[0].content), expected);

    let stack = project.render(&opts(OutputMode::Stack)).unwrap();
    let paths: Vec<_> = stack.iter().map(|f| f.path.clone()).collect();
    assert_eq!(
        paths,
        ["web.yml", "ns.yml", "api.v2.yml"].map(PathBuf::from)
    );
    assert_eq!(kubricate::generate::to_stream(&stack), flat[0].content);

    let resource = project.render(&opts(OutputMode::Resource)).unwrap();
    let paths: Vec<_> = resource.iter().map(|f| f.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "web/Deployment_deployment.yml",
            "web/Service_service.yml",
            "ns/Namespace_namespace.yml",
            "api.v2/Deployment_deployment.yml",
            "api.v2/Service_service.yml",
        ]
        .map(PathBuf::from)
    );
    assert_eq!(kubricate::generate::to_stream(&resource), flat[0].content);
    // Stack and flat output separate documents with `---` lines and nothing else.
    assert_eq!(flat[0].content.matches("\n---\n").count(), 4);
    assert!(!flat[0].content.starts_with("---"));
}

#[test]
fn filters_select_stacks_and_resources_in_declaration_order() {
    let project = multi_project();
    let render = |filters: &[&str]| {
        let opts = GenerateOptions {
            mode: OutputMode::Flat,
            filters: filters.iter().map(|f| f.to_string()).collect(),
            ..GenerateOptions::default()
        };
        project
            .render(&opts)
            .map(|files| ids_in(&kubricate::generate::to_stream(&files)))
    };
    assert_eq!(render(&["ns"]).unwrap(), ["ns.namespace"]);
    assert_eq!(
        render(&["api.v2"]).unwrap(),
        ["api.v2.deployment", "api.v2.service"]
    );
    assert_eq!(render(&["api.v2.service"]).unwrap(), ["api.v2.service"]);
    // Filter order does not change output order; a stack filter wins over its resource filters.
    assert_eq!(
        render(&["api.v2.service", "web.service", "ns", "web.deployment"]).unwrap(),
        [
            "web.deployment",
            "web.service",
            "ns.namespace",
            "api.v2.service"
        ]
    );
    assert_eq!(
        render(&["web.service", "web"]).unwrap(),
        ["web.deployment", "web.service"]
    );
    let err = render(&["api", "web.service", "ns.deployment"])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("filters `api`, `ns.deployment` match no stack or resource"),
        "{err}"
    );
    assert!(
        err.contains("web, web.deployment, web.service, ns, ns.namespace, api.v2, api.v2.deployment, api.v2.service"),
        "{err}"
    );
}

#[test]
fn cli_filters_and_the_unmatched_filter_error() {
    let cwd = tempdir();
    let all = stdout_of(cwd.path(), &[]);
    assert_eq!(stdout_of(cwd.path(), &["--filter", "apiService"]), all);
    let service = stdout_of(cwd.path(), &["--filter", "apiService.service"]);
    let d = docs(&service);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["kind"], "Service");
    assert_eq!(
        stdout_of(
            cwd.path(),
            &[
                "--filter",
                "apiService.service",
                "--filter",
                "apiService.deployment"
            ]
        ),
        all
    );
    for bad in ["nope", "apiService.nope", "deployment", "apiService."] {
        let out = generate_in(cwd.path(), &["--filter", bad], &[]);
        assert_refused(
            &out,
            &format!("filter `{bad}` matches no stack or resource"),
        );
        assert!(
            stderr(&out).contains("apiService, apiService.deployment, apiService.service"),
            "{}",
            stderr(&out)
        );
    }
    assert!(
        !cwd.path().join("output").exists(),
        "a failed or --stdout run wrote files"
    );
}

#[test]
fn a_filtered_run_writes_only_its_files_and_keeps_the_rest() {
    let cwd = tempdir();
    assert_ok(&generate_in(
        cwd.path(),
        &["--output-mode", "resource"],
        &[],
    ));
    let before = snapshot(&cwd.path().join("output"));
    let out = generate_in(
        cwd.path(),
        &[
            "--output-mode",
            "resource",
            "--filter",
            "apiService.service",
            "--no-labels",
        ],
        &[],
    );
    assert_ok(&out);
    assert!(
        stderr(&out).contains("Wrote 1 file(s) into output (other files kept)"),
        "{}",
        stderr(&out)
    );
    let after = snapshot(&cwd.path().join("output"));
    let dep = "apiService/Deployment_deployment.yml";
    let svc = "apiService/Service_service.yml";
    assert_eq!(before[dep], after[dep]);
    assert_ne!(before[svc], after[svc]);
    assert!(!after[svc].contains(LABEL_STACK_ID));
    assert_eq!(
        before[".kubricate-generated"],
        after[".kubricate-generated"]
    );
    assert_eq!(before.len(), after.len());
    assert!(kubricate_leftovers(cwd.path()).is_empty());
}

#[test]
fn summary_on_stderr_unless_stdout_or_quiet_and_never_colour() {
    let cwd = tempdir();
    let out = generate_in(cwd.path(), &[], &[]);
    assert_ok(&out);
    assert!(stdout(&out).is_empty());
    assert_eq!(
        stderr(&out),
        "Generated 2 resource(s) from 1 stack(s) (apiService), stack mode.\n\
         Replaced output with 1 file(s):\n  output/apiService.yml (2 resource(s))\n"
    );
    let out = generate_in(cwd.path(), &["--output-mode", "resource", "-q"], &[]);
    assert_ok(&out);
    assert!(stderr(&out).is_empty() && stdout(&out).is_empty());
    assert!(cwd
        .path()
        .join("output/apiService/Service_service.yml")
        .is_file());
    let out = generate_in(cwd.path(), &["--stdout"], &[]);
    assert_ok(&out);
    assert!(stderr(&out).is_empty());
    // With and without NO_COLOR, success, failure and usage errors print no escape sequences.
    for env in [&[][..], &[("NO_COLOR", "1")][..]] {
        for args in [
            &[][..],
            &["--filter", "x"][..],
            &["--bogus"][..],
            &["--help"][..],
        ] {
            let out = generate_in(cwd.path(), args, env);
            for text in [stdout(&out), stderr(&out)] {
                assert!(!text.contains('\u{1b}'), "{args:?} {env:?}: {text:?}");
            }
        }
    }
}

#[test]
fn help_of_generate_documents_every_flag() {
    let out = generate_in(tempdir().path(), &["--help"], &[]);
    assert_ok(&out);
    let help = stdout(&out);
    for flag in [
        "--out-dir <DIR>",
        "--stdout",
        "--output-mode <MODE>",
        "stack:",
        "flat:",
        "resource:",
        "--filter <STACK[.RESOURCE]>",
        "-q, --quiet",
        "--no-clean",
        "--no-labels",
        "--no-stack-name",
        "--no-version",
        "--no-resource-hash",
        "--no-metadata",
        "--managed-at",
        "NO_COLOR",
    ] {
        assert!(help.contains(flag), "`{flag}` missing from:\n{help}");
    }
    for args in [
        &["--help"][..],
        &["secret", "--help"][..],
        &["secret", "validate", "--help"][..],
        &["secret", "apply", "--help"][..],
        &["inspect", "--help"][..],
    ] {
        let out = run_in("basic", args, &[], tempdir().path());
        assert_ok(&out);
        assert!(stdout(&out).contains("Usage:"), "{args:?}");
    }
}

fn wait_for_next_second() {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let start = now();
    while now() == start {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    let a = tempdir();
    let b = tempdir();
    for mode in ["stack", "flat", "resource"] {
        assert_ok(&generate_in(a.path(), &["--output-mode", mode], &[]));
        if mode == "stack" {
            // Anything clock-based would differ once the second has changed.
            wait_for_next_second();
        }
        assert_ok(&generate_in(b.path(), &["--output-mode", mode], &[]));
        let first = snapshot(&a.path().join("output"));
        assert!(!first.is_empty());
        assert_eq!(first, snapshot(&b.path().join("output")), "{mode}");
        // A second run into the same directory changes nothing either.
        assert_ok(&generate_in(a.path(), &["--output-mode", mode], &[]));
        assert_eq!(first, snapshot(&a.path().join("output")), "{mode}");
    }
    assert_eq!(stdout_of(a.path(), &[]), stdout_of(b.path(), &[]));
}

#[test]
fn metadata_is_on_by_default_and_each_part_switches_off() {
    let cwd = tempdir();
    let default = docs(&stdout_of(cwd.path(), &[]));
    let meta = &default[0]["metadata"];
    assert_eq!(meta["labels"][LABEL_MANAGED], "true");
    assert_eq!(meta["labels"][LABEL_STACK_ID], "apiService");
    assert_eq!(meta["labels"][LABEL_RESOURCE_ID], "deployment");
    assert_eq!(
        default[1]["metadata"]["labels"][LABEL_RESOURCE_ID],
        "service"
    );
    // The template's name, as the reference writes it (not the input's `name`).
    assert_eq!(meta["annotations"][ANNOTATION_STACK_NAME], "SimpleApp");
    assert_eq!(
        meta["annotations"][ANNOTATION_VERSION],
        env!("CARGO_PKG_VERSION")
    );
    assert!(meta["annotations"].get(ANNOTATION_MANAGED_AT).is_none());
    let cases: [(&str, &[&str]); 4] = [
        (
            "--no-labels",
            &[LABEL_MANAGED, LABEL_STACK_ID, LABEL_RESOURCE_ID],
        ),
        ("--no-stack-name", &[ANNOTATION_STACK_NAME]),
        ("--no-version", &[ANNOTATION_VERSION]),
        ("--no-resource-hash", &[ANNOTATION_RESOURCE_HASH]),
    ];
    for (flag, gone) in cases {
        let text = stdout_of(cwd.path(), &[flag]);
        for key in gone {
            assert!(!text.contains(&format!("{key}:")), "{flag} kept {key}");
        }
        // Everything else stays.
        let kept = default[0]["metadata"]["annotations"]
            .as_object()
            .unwrap()
            .keys()
            .chain(default[0]["metadata"]["labels"].as_object().unwrap().keys())
            .filter(|k| !gone.contains(&k.as_str()))
            .count();
        let d = docs(&text);
        let m = &d[0]["metadata"];
        let now = m["annotations"].as_object().map_or(0, |a| a.len())
            + m["labels"].as_object().map_or(0, |l| l.len());
        assert_eq!(now, kept, "{flag}");
    }
    let bare = stdout_of(cwd.path(), &["--no-metadata"]);
    assert!(!bare.contains("kubricate.thaitype.dev"), "{bare}");
    assert_eq!(docs(&bare)[0]["metadata"], json!({ "name": "api-service" }));
    let stamped = docs(&stdout_of(cwd.path(), &["--managed-at"]));
    let at = stamped[0]["metadata"]["annotations"][ANNOTATION_MANAGED_AT]
        .as_str()
        .unwrap();
    assert!(
        at.len() == 20 && at.as_bytes()[10] == b'T' && at.ends_with('Z'),
        "{at}"
    );
    assert_eq!(
        stamped[1]["metadata"]["annotations"][ANNOTATION_MANAGED_AT],
        at
    );
}

/// The hash as specified, computed independently of kubricate's serializer: compact JSON with keys
/// sorted (serde_json writes an insertion-ordered map in insertion order, so sort first).
fn independent_hash(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<_> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    kubricate::generate::sha256_hex(serde_json::to_string(&sorted(v)).unwrap().as_bytes())
}

#[test]
fn resource_hash_covers_the_resource_not_the_metadata() {
    let cwd = tempdir();
    let hashes = |args: &[&str]| -> Vec<String> {
        docs(&stdout_of(cwd.path(), args))
            .iter()
            .map(|d| {
                d["metadata"]["annotations"][ANNOTATION_RESOURCE_HASH]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let default = hashes(&[]);
    assert_eq!(default.len(), 2);
    assert_ne!(default[0], default[1]);
    for args in [
        &["--no-labels"][..],
        &["--no-stack-name", "--no-version"][..],
        &["--managed-at"][..],
        &["--output-mode", "resource"][..],
    ] {
        assert_eq!(hashes(args), default, "{args:?}");
    }
    // The hash is of the resource exactly as generated without any kubricate metadata.
    let bare = docs(&stdout_of(cwd.path(), &["--no-metadata"]));
    let independent: Vec<String> = bare.iter().map(independent_hash).collect();
    assert_eq!(independent, default);
    // ... and it follows the resource's content.
    let render = |replicas| {
        let stack = Stack::from_template(
            SimpleApp,
            SimpleAppInput {
                name: "api-service",
                image_name: "api",
                replicas,
                ..Default::default()
            },
        );
        let files = Project::new()
            .stack("apiService", stack)
            .render(&GenerateOptions::default())
            .unwrap();
        docs(&files[0].content)[0]["metadata"]["annotations"][ANNOTATION_RESOURCE_HASH].clone()
    };
    assert_ne!(render(1), render(2));
    assert_eq!(render(3), render(3));
}

#[test]
fn unsafe_output_dirs_are_refused_and_nothing_changes() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    let home = proj.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".profile"), "mine\n").unwrap();
    std::fs::write(tmp.path().join("outside.txt"), "outside\n").unwrap();
    std::fs::write(proj.join("notes.yml"), "not a directory\n").unwrap();
    // An output directory holding one file kubricate did not write.
    assert_ok(&generate_in(&proj, &["--out-dir", "foreign"], &[]));
    std::fs::write(proj.join("foreign/README.md"), "mine\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.path(), proj.join("escape")).unwrap();
    let home_env = home.to_str().unwrap().to_owned();
    let cases: Vec<(&str, &str)> = vec![
        ("/", "it is the file system root"),
        ("..", "it contains the project's working directory"),
        ("sub/../..", "it contains the project's working directory"),
        (".", "the project's working directory itself"),
        ("./", "the project's working directory itself"),
        ("home", "it is the home directory"),
        (&home_env, "it is the home directory"),
        (
            "foreign",
            "it holds files kubricate did not generate (README.md)",
        ),
        ("notes.yml", "it exists and is not a directory"),
        #[cfg(unix)]
        ("escape", "it contains the project's working directory"),
    ];
    let before = snapshot(tmp.path());
    for (dir, why) in cases {
        for extra in [
            &[][..],
            &["--no-clean"][..],
            &["--output-mode", "resource"][..],
        ] {
            if dir == "foreign" && extra == ["--no-clean"] {
                continue; // merge mode removes nothing, so foreign files are fine there
            }
            let mut args = vec!["--out-dir", dir];
            args.extend_from_slice(extra);
            let out = generate_in(&proj, &args, &[("HOME", &home_env)]);
            assert_refused(&out, why);
            assert_eq!(
                snapshot(tmp.path()),
                before,
                "`{dir}` {extra:?} changed files"
            );
        }
    }
    // Merge mode writes next to foreign files without touching them.
    assert_ok(&generate_in(
        &proj,
        &["--out-dir", "foreign", "--no-clean"],
        &[],
    ));
    assert_eq!(
        std::fs::read_to_string(proj.join("foreign/README.md")).unwrap(),
        "mine\n"
    );
}

#[test]
fn an_injected_write_failure_leaves_the_previous_output_intact() {
    let cwd = tempdir();
    assert_ok(&generate_in(
        cwd.path(),
        &["--output-mode", "resource"],
        &[],
    ));
    let before = snapshot(cwd.path());
    // The failing runs would write different content (no labels) if they wrote anything at all.
    for (hook, extra) in [
        ("Service_service.yml", &["--output-mode", "resource"][..]),
        (
            "Deployment_deployment.yml",
            &["--output-mode", "resource"][..],
        ),
        (".kubricate-generated", &["--output-mode", "resource"][..]),
        ("apiService.yml", &[][..]),
        (
            "Service_service.yml",
            &["--output-mode", "resource", "--no-clean"][..],
        ),
        (
            ".kubricate-generated",
            &["--output-mode", "resource", "--no-clean"][..],
        ),
        (
            "Service_service.yml",
            &["--output-mode", "resource", "--filter", "apiService"][..],
        ),
    ] {
        let mut args = vec!["--no-labels"];
        args.extend_from_slice(extra);
        let out = generate_in(cwd.path(), &args, &[("KUBRICATE_TEST_FAIL_WRITE", hook)]);
        assert_refused(&out, "injected failure (KUBRICATE_TEST_FAIL_WRITE)");
        assert_eq!(snapshot(cwd.path()), before, "{hook} {extra:?}");
        assert!(kubricate_leftovers(cwd.path()).is_empty());
    }
}

#[test]
fn leftovers_of_a_killed_run_are_settled() {
    let cwd = tempdir();
    let out_dir = cwd.path().join("output");
    assert_ok(&generate_in(
        cwd.path(),
        &["--output-mode", "resource"],
        &[],
    ));
    let good = snapshot(&out_dir);

    // Killed while staging: a staging directory with its marker and part of the files.
    let staging = cwd.path().join(".output.kubricate-staging");
    std::fs::create_dir_all(staging.join("apiService")).unwrap();
    std::fs::write(staging.join(".kubricate-generated"), "apiService/x.yml\n").unwrap();
    std::fs::write(staging.join("apiService/x.yml"), "partial").unwrap();
    // Killed in merge mode: a temporary file inside the output.
    std::fs::write(out_dir.join("apiService/.x.yml.kubricate-tmp"), "partial").unwrap();
    // A lock file whose process is gone.
    std::fs::write(cwd.path().join(".output.kubricate-lock"), "").unwrap();
    assert_ok(&generate_in(
        cwd.path(),
        &["--output-mode", "resource"],
        &[],
    ));
    assert_eq!(snapshot(&out_dir), good);
    assert!(
        kubricate_leftovers(cwd.path()).is_empty(),
        "{:?}",
        kubricate_leftovers(cwd.path())
    );

    // Killed between the two renames: the previous output sits in `-old` and `output` is gone. The
    // next run (here a filtered one, which merges) must start from the previous output.
    std::fs::rename(&out_dir, cwd.path().join(".output.kubricate-old")).unwrap();
    let out = generate_in(
        cwd.path(),
        &[
            "--output-mode",
            "resource",
            "--filter",
            "apiService.service",
            "--no-labels",
        ],
        &[],
    );
    assert_ok(&out);
    let after = snapshot(&out_dir);
    let dep = "apiService/Deployment_deployment.yml";
    assert_eq!(after[dep], good[dep]);
    assert_eq!(after.len(), good.len());
    assert!(kubricate_leftovers(cwd.path()).is_empty());

    // A staging name taken by something that is not ours is reported, not deleted.
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("precious.txt"), "mine").unwrap();
    let out = generate_in(cwd.path(), &[], &[]);
    assert_refused(&out, "was not created by kubricate");
    assert_eq!(
        std::fs::read_to_string(staging.join("precious.txt")).unwrap(),
        "mine"
    );
    assert_eq!(snapshot(&out_dir), after);
}
