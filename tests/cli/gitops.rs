//! GitOps delivery: the `external-secrets` and `sealed-secrets` examples run as a user runs them, their
//! output checked against the vendored CRD schemas (`tests/crds/`) and, for sealed values, decrypted
//! by an independent implementation (Python `cryptography`, `tests/python/unseal.py`); plus a test
//! provider of each delivery kind, written as a user would.
//!
//! The Python checks need `cryptography` and `jsonschema` (`.ci/run` installs them). Without them
//! those checks are skipped with a reason, unless `CI` is set, which makes it a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::*;
use base64::Engine;
use serde_json::{json, Value};

fn ok_in(name: &str, args: &[&str], env: &[(&str, &str)], cwd: &Path) -> String {
    let out = run_in(name, args, env, cwd);
    assert!(
        out.status.success(),
        "{name} {args:?} failed:\n{}",
        stderr(&out)
    );
    stdout(&out)
}

fn docs(text: &str) -> Vec<Value> {
    kubricate::yaml::from_str_multi(text).expect("the output is YAML")
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"] == kind).collect()
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

/// Whether python3 can import `module`; without it a failure under `CI`, else a skip.
fn python_with(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with `{module}` is needed when CI is set: pip install {module} (.ci/run does)"
        );
        eprintln!("skipped: python3 cannot import {module} (pip install {module}); set CI to make this a failure");
    }
    ok
}

/// Runs `tests/python/<script>` with `request` as JSON on stdin; returns (success, stdout+stderr).
fn python(script: &str, request: &Value) -> (bool, String) {
    let mut child = Command::new("python3")
        .arg(workspace().join("tests/python").join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Validates `docs` against a vendored CRD schema; panics with the report on failure.
fn assert_crd_valid(schema: &str, docs: &[&Value]) {
    let request = json!({ "schema": workspace().join("tests/crds").join(schema), "docs": docs });
    let (ok, report) = python("crd_validate.py", &request);
    assert!(ok, "{schema}:\n{report}");
    assert_eq!(
        report.lines().filter(|l| l.starts_with("ok ")).count(),
        docs.len(),
        "{report}"
    );
}

/// `namespace/name -> key -> plaintext`, decrypted with the example's TEST-ONLY private key.
fn unseal(docs: &[&Value]) -> BTreeMap<String, BTreeMap<String, Vec<u8>>> {
    let key = workspace().join("examples/sealed-secrets/TEST-ONLY-sealing-key.pem");
    let (ok, out) = python("unseal.py", &json!({ "private_key": key, "docs": docs }));
    assert!(ok, "unseal.py failed:\n{out}");
    let parsed: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_str(&out).expect("unseal.py prints JSON");
    parsed
        .into_iter()
        .map(|(s, keys)| (s, keys.into_iter().map(|(k, v)| (k, b64(&v))).collect()))
        .collect()
}

/// The example's `.env`, parsed as the EnvConnector parses it.
fn dotenv(example: &str) -> BTreeMap<String, String> {
    dotenvy::from_path_iter(workspace().join("examples").join(example).join(".env"))
        .expect(".env")
        .map(|kv| kv.expect(".env parses"))
        .filter_map(|(k, v)| Some((k.strip_prefix("KUBRICATE_SECRET_")?.to_owned(), v)))
        .collect()
}

/// Every Secret a pod template refers to: `(name, key)` with key `None` for whole-Secret uses.
fn references(workload: &Value) -> Vec<(String, Option<String>)> {
    let pod = &workload["spec"]["template"]["spec"];
    let mut out = Vec::new();
    for c in pod["containers"].as_array().unwrap() {
        for e in c["env"].as_array().into_iter().flatten() {
            let r = &e["valueFrom"]["secretKeyRef"];
            out.push((
                r["name"].as_str().unwrap().to_owned(),
                r["key"].as_str().map(str::to_owned),
            ));
        }
        for e in c["envFrom"].as_array().into_iter().flatten() {
            out.push((e["secretRef"]["name"].as_str().unwrap().to_owned(), None));
        }
    }
    for v in pod["volumes"].as_array().into_iter().flatten() {
        out.push((v["secret"]["secretName"].as_str().unwrap().to_owned(), None));
    }
    for p in pod["imagePullSecrets"].as_array().into_iter().flatten() {
        out.push((p["name"].as_str().unwrap().to_owned(), None));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// External Secrets Operator.

#[test]
fn external_secrets_targets_are_what_the_workloads_reference() {
    let ws = workspace();
    let manifests = docs(&ok_in(
        "external-secrets",
        &["generate", "--stdout"],
        &[],
        &ws,
    ));
    let externals = of_kind(&manifests, "ExternalSecret");
    assert_eq!(externals.len(), 5);
    let deployment = of_kind(&manifests, "Deployment")[0];
    let refs = references(deployment);
    assert_eq!(refs.len(), 7, "{refs:?}");
    for (name, key) in &refs {
        let es = externals
            .iter()
            .find(|e| e["spec"]["target"]["name"] == name.as_str())
            .unwrap_or_else(|| panic!("no ExternalSecret makes Secret `{name}`"));
        assert_eq!(
            es["metadata"]["namespace"],
            deployment["metadata"]["namespace"]
        );
        if let Some(key) = key {
            assert!(
                es["spec"]["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["secretKey"] == key.as_str()),
                "Secret `{name}` gets no key `{key}`"
            );
        }
    }
    let pull = externals
        .iter()
        .find(|e| e["metadata"]["name"] == "registry-pull")
        .unwrap();
    assert_eq!(
        pull["spec"]["target"],
        json!({ "name": "registry-pull", "creationPolicy": "Orphan", "template": { "type": "kubernetes.io/dockerconfigjson" } })
    );
    assert_eq!(
        pull["spec"]["data"],
        json!([{ "secretKey": ".dockerconfigjson", "remoteRef": { "key": "shop/registry" } }])
    );

    // validate accepts every reference; nothing to apply, kubectl never runs.
    let out = ok_in("external-secrets", &["secret", "validate"], &[], &ws);
    assert!(out.starts_with("secret validate: OK: 0 Secret(s)"), "{out}");
    assert!(out.contains("7 Secret reference(s)"), "{out}");
    assert!(
        out.contains("shop/shop-tls (kubernetes.io/tls): tls.crt, tls.key"),
        "{out}"
    );
    let dry = ok_in(
        "external-secrets",
        &["secret", "apply", "--dry-run"],
        &[],
        &ws,
    );
    assert!(docs(&dry).is_empty(), "{dry}");
    let out = run_in(
        "external-secrets",
        &["secret", "apply", "--kubectl", "/nonexistent/kubectl"],
        &[],
        &ws,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("No Secrets to apply; kubectl was not run"));
}

#[test]
fn external_secrets_validate_against_the_eso_crd() {
    if !python_with("jsonschema") {
        return;
    }
    let manifests = docs(&ok_in(
        "external-secrets",
        &["generate", "--stdout"],
        &[],
        &workspace(),
    ));
    assert_crd_valid(
        "external-secrets.io_v1_ExternalSecret.schema.json",
        &of_kind(&manifests, "ExternalSecret"),
    );
    // The check has teeth: an unknown field, a wrong enum value and a bad secretKey all fail.
    let mut bad = of_kind(&manifests, "ExternalSecret")[0].clone();
    bad["spec"]["target"]["creationPolicy"] = json!("Always");
    bad["spec"]["refreshIntervall"] = json!("1h");
    bad["spec"]["data"][0]["secretKey"] = json!("a/b");
    let request = json!({
        "schema": workspace().join("tests/crds/external-secrets.io_v1_ExternalSecret.schema.json"),
        "docs": [bad],
    });
    let (ok, report) = python("crd_validate.py", &request);
    assert!(!ok, "{report}");
    for needle in ["creationPolicy", "refreshIntervall", "secretKey"] {
        assert!(report.contains(needle), "{needle}: {report}");
    }
}

// ---------------------------------------------------------------------------------------------
// Bitnami sealed-secrets.

#[test]
fn sealed_secrets_decrypt_to_the_dotenv_values_and_validate_against_the_crd() {
    let manifests = docs(&ok_in(
        "sealed-secrets",
        &["generate", "--stdout"],
        &[],
        &workspace(),
    ));
    let sealed = of_kind(&manifests, "SealedSecret");
    assert_eq!(sealed.len(), 2);
    // Nothing unencrypted: no value of .env appears, raw or base64.
    let text = serde_json::to_string(&manifests).unwrap();
    for (name, v) in dotenv("sealed-secrets") {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&v);
        assert!(
            !text.contains(&v) && !text.contains(&encoded),
            "{name} shows"
        );
    }
    if python_with("jsonschema") {
        assert_crd_valid("bitnami.com_v1alpha1_SealedSecret.schema.json", &sealed);
    }
    if !python_with("cryptography") {
        return;
    }
    let env = dotenv("sealed-secrets");
    let plain = unseal(&sealed);
    let expected = BTreeMap::from([
        (
            "shop/app-secrets".to_owned(),
            BTreeMap::from([
                ("API_KEY".to_owned(), env["API_KEY"].clone().into_bytes()),
                (
                    "DATABASE_URL".to_owned(),
                    env["DATABASE_URL"].clone().into_bytes(),
                ),
            ]),
        ),
        (
            "shop/signing-key".to_owned(),
            BTreeMap::from([(
                "jwt.pem".to_owned(),
                env["JWT_SIGNING_KEY"].clone().into_bytes(),
            )]),
        ),
    ]);
    assert_eq!(plain, expected);
    assert!(env["JWT_SIGNING_KEY"].contains("\nFAKE-EXAMPLE-KEY-NOT-A-REAL-ONE ünïcødé\n"));
    assert!(env["DATABASE_URL"].contains("pa$$w0rd\"q"));
}

#[test]
fn the_committed_sealed_output_is_the_golden_and_regenerates_byte_identically() {
    // The committed directory is what `generate` writes from the workspace: the stdout golden and
    // the file must agree, and regenerating from the committed state must not change a byte.
    let committed =
        std::fs::read_to_string(workspace().join("examples/sealed-secrets/sealed/shop.yml"))
            .unwrap();
    let golden =
        std::fs::read_to_string(workspace().join("tests/golden/sealed-secrets/generate.yml"))
            .unwrap();
    assert_eq!(committed, golden);

    let work = tempdir();
    copy_dir(
        &workspace().join("examples/sealed-secrets/sealed"),
        &work.path().join("out"),
    );
    ok_in(
        "sealed-secrets",
        &["generate", "--out-dir", "out", "--quiet"],
        &[],
        work.path(),
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("out/shop.yml")).unwrap(),
        committed
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn sealed_in(dir: &Path, name: &str) -> Value {
    let all: Vec<Value> = files(dir)
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "yml"))
        .flat_map(|(_, b)| docs(&String::from_utf8_lossy(b)))
        .collect();
    all.into_iter()
        .find(|d| d["kind"] == "SealedSecret" && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no SealedSecret {name}"))
}

fn checksums(doc: &Value) -> BTreeMap<String, String> {
    serde_json::from_str(
        doc["metadata"]["annotations"]["kubricate.thaitype.dev/sealed-checksums"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn a_rerun_is_byte_identical_and_a_changed_value_changes_only_its_entry() {
    for mode in ["stack", "flat", "resource"] {
        let work = tempdir();
        let args = [
            "generate",
            "--out-dir",
            "out",
            "--output-mode",
            mode,
            "--quiet",
        ];
        ok_in("sealed-secrets", &args, &[], work.path());
        let first = files(&work.path().join("out"));
        ok_in("sealed-secrets", &args, &[], work.path());
        assert_eq!(
            first,
            files(&work.path().join("out")),
            "{mode}: a re-run changed a file"
        );

        let before = sealed_in(&work.path().join("out"), "app-secrets");
        let signing = sealed_in(&work.path().join("out"), "signing-key");
        let changed = "sk_live_ChangedValue 'quoted' $HOME";
        ok_in(
            "sealed-secrets",
            &args,
            &[("KUBRICATE_SECRET_API_KEY", changed)],
            work.path(),
        );
        let after = sealed_in(&work.path().join("out"), "app-secrets");
        let enc = |d: &Value, k: &str| d["spec"]["encryptedData"][k].clone();
        assert_eq!(
            enc(&before, "DATABASE_URL"),
            enc(&after, "DATABASE_URL"),
            "{mode}"
        );
        assert_ne!(enc(&before, "API_KEY"), enc(&after, "API_KEY"), "{mode}");
        let (b, a) = (checksums(&before), checksums(&after));
        assert_eq!(b["DATABASE_URL"], a["DATABASE_URL"]);
        assert_ne!(b["API_KEY"], a["API_KEY"]);
        assert_eq!(
            signing,
            sealed_in(&work.path().join("out"), "signing-key"),
            "{mode}"
        );
        if mode == "stack" && python_with("cryptography") {
            let plain = unseal(&[&after]);
            assert_eq!(plain["shop/app-secrets"]["API_KEY"], changed.as_bytes());
        }
    }
}

#[test]
fn another_checksum_key_re_encrypts_and_a_missing_key_is_a_clear_error() {
    let work = tempdir();
    let args = ["generate", "--out-dir", "out", "--quiet"];
    ok_in("sealed-secrets", &args, &[], work.path());
    let before = sealed_in(&work.path().join("out"), "app-secrets");
    let other = [(
        "KUBRICATE_SECRET_SEALED_CHECKSUM_KEY",
        "another key of at least 16 bytes",
    )];
    ok_in("sealed-secrets", &args, &other, work.path());
    let after = sealed_in(&work.path().join("out"), "app-secrets");
    assert_ne!(
        before["spec"]["encryptedData"],
        after["spec"]["encryptedData"]
    );

    // Too short: nothing is written, the message names the provider, the source and the fix.
    let before = files(&work.path().join("out"));
    let short = [("KUBRICATE_SECRET_SEALED_CHECKSUM_KEY", "CANARY-short")];
    let out = run_in("sealed-secrets", &args, &short, work.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("manager `AppSecrets`, provider `app`: the checksum key from secret `SEALED_CHECKSUM_KEY` of EnvConnector is 12 bytes; it needs at least 16 random bytes"),
        "{err}"
    );
    assert!(!err.contains("CANARY"), "{err}");
    assert_eq!(err.matches("checksum key").count(), 1, "said once: {err}");
    assert_eq!(before, files(&work.path().join("out")));
    // validate and apply do not need the key.
    ok_in(
        "sealed-secrets",
        &["secret", "validate"],
        &short,
        work.path(),
    );
}

#[test]
fn sealed_paths_never_leak_a_value_or_the_checksum_key() {
    let canaries: Vec<(&str, String)> = [
        "DATABASE_URL",
        "API_KEY",
        "JWT_SIGNING_KEY",
        "SEALED_CHECKSUM_KEY",
    ]
    .iter()
    .map(|n| (*n, format!("CANARY-{n}-Zq7x-long-enough-for-a-key")))
    .collect();
    let vars: Vec<(String, String)> = canaries
        .iter()
        .map(|(n, v)| (format!("KUBRICATE_SECRET_{n}"), v.clone()))
        .collect();
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let work = tempdir();
    let mut texts = Vec::new();
    for args in [
        &["generate", "--out-dir", "out"][..],
        &["generate", "--out-dir", "out"],
        &["generate", "--stdout"],
        &["secret", "validate"],
        &["secret", "apply", "--dry-run", "--show-values"],
        &["secret", "apply", "--kubectl", "/nonexistent/kubectl"],
        &["inspect"],
    ] {
        let out = run_in("sealed-secrets", args, &env, work.path());
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        texts.push((
            format!("{args:?}"),
            format!("{}{}", stdout(&out), stderr(&out)),
        ));
    }
    for (path, bytes) in files(work.path()) {
        texts.push((
            path.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    for (what, text) in &texts {
        for (_, c) in &canaries {
            let encoded = base64::engine::general_purpose::STANDARD.encode(c);
            assert!(
                !text.contains(c.as_str()) && !text.contains(&encoded),
                "{what} leaked"
            );
            assert!(!text.contains("CANARY"), "{what} leaked part of a canary");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A test provider of each delivery kind, written as a user writes their own.

mod kinds {
    use kubricate::provider::SecretTarget;
    use kubricate::strategy::{Strategy, StrategyKind};
    use kubricate::{
        Delivery, ManifestRequest, PodPatch, Provider, ProviderError, ProviderInfo, SecretValue,
    };
    use serde_json::{json, Value};

    use kubricate::provider::KeyRule;

    const INFO: ProviderInfo = ProviderInfo {
        kind: "TestProvider",
        strategies: &[StrategyKind::Env],
        env_key: KeyRule::Checked,
    };

    /// One provider type for the three kinds, so the tests differ only in the delivery.
    pub struct TestProvider {
        pub target: SecretTarget,
        pub delivery: Delivery,
        /// For `External`: the keys it declares (`None`: unknown).
        pub keys: Option<Vec<String>>,
    }

    impl TestProvider {
        pub fn new(name: &str, delivery: Delivery) -> Self {
            TestProvider {
                target: SecretTarget::new(name),
                delivery,
                keys: None,
            }
        }
    }

    fn env_patch(secret_name: &str, var: &str, strategy: &Strategy) -> PodPatch {
        let Strategy::Env(env) = strategy else {
            unreachable!("only env")
        };
        PodPatch::Env {
            container: env.container.clone(),
            var: json!({ "name": var, "valueFrom": { "secretKeyRef": { "name": secret_name, "key": env.key } } }),
            target_path: None,
        }
    }

    impl Provider for TestProvider {
        fn info(&self) -> &'static ProviderInfo {
            &INFO
        }
        fn delivery(&self) -> Delivery {
            self.delivery
        }
        fn target(&self) -> &SecretTarget {
            &self.target
        }
        fn secret_type(&self) -> &str {
            "Opaque"
        }
        fn injection(&self, _: &str, var: &str, s: &Strategy) -> Result<PodPatch, ProviderError> {
            Ok(env_patch(&self.target.name, var, s))
        }
        fn prepare(
            &self,
            secret: &str,
            value: &SecretValue,
        ) -> Result<Vec<kubricate::provider::SecretEntry>, ProviderError> {
            Ok(vec![kubricate::provider::SecretEntry {
                key: secret.to_lowercase(),
                value: value.to_bytes(),
            }])
        }
        fn declared_keys(&self, secret: &str) -> Option<Vec<String>> {
            match self.delivery {
                Delivery::External => self.keys.clone(),
                _ => Some(vec![secret.to_lowercase()]),
            }
        }
        fn manifests(&self, r: &ManifestRequest<'_>) -> Result<Vec<Value>, ProviderError> {
            Ok(vec![json!({
                "apiVersion": "example.com/v1", "kind": "SecretRequest",
                "metadata": { "name": self.target.name, "namespace": r.namespace },
                "spec": { "keys": r.secrets.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>() },
            })])
        }
    }
}

use kinds::TestProvider;
use kubricate::prelude::*;
use kubricate::{Delivery, GenerateOptions, Project};

fn app(name: &str, ns: &str, manager: &SecretManager, secrets: &[&str]) -> Stack {
    Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name,
            image_name: name,
            namespace: Some(ns),
            ..Default::default()
        },
    )
    .use_secrets(manager, |c| {
        for s in secrets {
            c.secrets(*s)
                .inject_as(strategy::env().key(s.to_lowercase()));
        }
    })
}

fn stdout_of(project: &Project) -> Vec<Value> {
    let files = project.render(&GenerateOptions::default()).expect("render");
    docs(&kubricate::generate::to_stream(&files))
}

#[test]
fn an_applied_test_provider_is_loaded_merged_and_applied() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("TOKEN", "t0ken")]))
        .provider(TestProvider::new("applied", Delivery::AppliedSecret))
        .add_secret("TOKEN");
    let project = Project::new()
        .stack("web", app("web", "shop", &m, &["TOKEN"]))
        .secrets(m);
    let plan = project.secret_plan().unwrap();
    assert_eq!(plan.secrets.len(), 1);
    assert_eq!(plan.secrets[0].data["token"].expose(), b"t0ken");
    assert!(plan.generated.is_empty());
    assert!(stdout_of(&project)
        .iter()
        .all(|d| d["kind"] != "SecretRequest"));
}

#[test]
fn a_generated_test_provider_needs_no_connector_and_writes_once_per_namespace() {
    // No connector at all: the provider loads no values.
    let m = SecretManager::new()
        .provider(TestProvider::new(
            "requested",
            Delivery::GeneratedManifests {
                needs_values: false,
            },
        ))
        .add_secret("A")
        .add_secret("B");
    let project = Project::new()
        .stack("first", app("first", "shop", &m, &["A"]))
        .stack("second", app("second", "shop", &m, &["B"]))
        .stack("elsewhere", app("elsewhere", "billing", &m, &["A"]))
        .secrets(m);
    let plan = project.secret_plan().unwrap();
    assert!(plan.secrets.is_empty());
    let placed: Vec<(String, Vec<String>)> = plan
        .generated
        .iter()
        .map(|g| (format!("{}/{}", g.namespace, g.name), g.keys.clone()))
        .collect();
    assert_eq!(
        placed,
        [
            (
                "billing/requested".to_owned(),
                vec!["a".to_owned(), "b".to_owned()]
            ),
            (
                "shop/requested".to_owned(),
                vec!["a".to_owned(), "b".to_owned()]
            ),
        ]
    );
    let out = stdout_of(&project);
    let requests: Vec<(&str, &str)> = out
        .iter()
        .filter(|d| d["kind"] == "SecretRequest")
        .map(|d| {
            (
                d["metadata"]["namespace"].as_str().unwrap(),
                d["metadata"]["labels"]["kubricate.thaitype.dev/stack-id"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    // Once per namespace, in the first stack that uses it there.
    assert_eq!(requests, [("shop", "first"), ("billing", "elsewhere")]);
    // A resource filter keeps the stack's own resources only; a stack filter keeps the object.
    let only = GenerateOptions {
        filters: vec!["first.deployment".into()],
        ..Default::default()
    };
    let files = project.render(&only).unwrap();
    assert!(!kubricate::generate::to_stream(&files).contains("SecretRequest"));
    let whole = GenerateOptions {
        filters: vec!["first".into()],
        ..Default::default()
    };
    let files = project.render(&whole).unwrap();
    assert!(kubricate::generate::to_stream(&files).contains("SecretRequest"));
}

#[test]
fn an_external_test_provider_is_trusted_by_name_or_checked_by_its_keys() {
    let stack_of = |m: &SecretManager| app("web", "shop", m, &["A"]);
    // Keys unknown: references are trusted, nothing is loaded, applied or written.
    let m = SecretManager::new()
        .provider(TestProvider::new("made-elsewhere", Delivery::External))
        .add_secret("A");
    let project = Project::new().stack("web", stack_of(&m)).secrets(m);
    let plan = project.secret_plan().unwrap();
    assert!(plan.secrets.is_empty() && plan.generated.is_empty());
    assert_eq!(plan.references_checked, 0);
    assert!(stdout_of(&project)
        .iter()
        .all(|d| d["kind"] != "SecretRequest"));

    // Keys declared: a reference to another key is a dangling reference.
    let mut p = TestProvider::new("made-elsewhere", Delivery::External);
    p.keys = Some(vec!["other".to_owned()]);
    let m = SecretManager::new().provider(p).add_secret("A");
    let project = Project::new().stack("web", stack_of(&m)).secrets(m);
    let err = project.secret_plan().unwrap_err().to_string();
    assert!(
        err.contains(
            "env var `A` reads key `a` of Secret `shop/made-elsewhere`, which holds only `other`"
        ),
        "{err}"
    );
}

#[test]
fn validate_cross_checks_references_against_external_secret_targets() {
    let m = SecretManager::new()
        .provider(ExternalSecretProvider::new(
            "app",
            SecretStoreRef::cluster("vault"),
        ))
        .add_secret("DB");
    let stack = Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name: "web",
            image_name: "web",
            ..Default::default()
        },
    )
    .use_secrets(&m, |c| {
        c.secrets("DB").inject_as(strategy::env().key("WRONG"));
    });
    let project = Project::new().stack("web", stack).secrets(m);
    let err = project.secret_plan().unwrap_err().to_string();
    assert!(
        err.contains("env var `DB` reads key `WRONG` of Secret `app`, which holds only `DB`"),
        "{err}"
    );
    // A wrong configuration is reported by validate too, not only by generate.
    let m = SecretManager::new()
        .provider(
            ExternalSecretProvider::new("app", SecretStoreRef::cluster("vault"))
                .refresh_interval("daily"),
        )
        .add_secret("DB");
    let stack = Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name: "web",
            image_name: "web",
            ..Default::default()
        },
    )
    .use_secrets(&m, |c| {
        c.secrets("DB").inject_as(strategy::env().key("DB"));
    });
    let project = Project::new().stack("web", stack).secrets(m);
    let err = project.secret_plan().unwrap_err().to_string();
    assert!(
        err.contains("ExternalSecretProvider `app`: refresh interval `daily` is not a duration"),
        "{err}"
    );
    let err = project
        .render(&GenerateOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("refresh interval `daily`"), "{err}");
}

#[test]
fn image_pull_from_an_opaque_external_secret_is_refused_at_injection() {
    let m = SecretManager::new()
        .provider(ExternalSecretProvider::new(
            "reg",
            SecretStoreRef::cluster("vault"),
        ))
        .add_secret("REG");
    let stack = Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name: "web",
            image_name: "web",
            ..Default::default()
        },
    )
    .use_secrets(&m, |c| {
        c.secrets("REG").inject_as(strategy::image_pull_secret());
    });
    let err = stack.build().unwrap_err().to_string();
    assert!(err.contains("makes a Secret of type `Opaque`, which the kubelet does not read from imagePullSecrets"), "{err}");
}

#[test]
fn sealed_and_external_providers_in_one_project_keep_sealed_output_stable() {
    // An ExternalSecret provider registered first must not hide the previous output from the
    // SealedSecret provider after it.
    let cert = workspace().join("examples/sealed-secrets/TEST-ONLY-sealing-cert.pem");
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([
            ("TOKEN", "t0ken-ünï $x 'q'"),
            ("WIDE", "wide välue"),
        ]))
        .provider_as(
            "eso",
            ExternalSecretProvider::new("synced", SecretStoreRef::cluster("vault")),
        )
        .provider_as("sealed", SealedSecretProvider::new("sealed", &cert))
        .provider_as(
            "wide",
            SealedSecretProvider::new("wide", &cert).scope(SealingScope::ClusterWide),
        )
        .add_secret(kubricate::SecretSpec::new("REMOTE").provider("eso"))
        .add_secret(kubricate::SecretSpec::new("TOKEN").provider("sealed"))
        .add_secret(kubricate::SecretSpec::new("WIDE").provider("wide"));
    let stack = Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name: "web",
            image_name: "web",
            ..Default::default()
        },
    )
    .use_secrets(&m, |c| {
        c.secrets("REMOTE").inject_as(strategy::env().key("REMOTE"));
        c.secrets("TOKEN").inject_as(strategy::env().key("TOKEN"));
        c.secrets("WIDE").inject_as(strategy::env_from());
    });
    let root = tempdir();
    let project = Project::new()
        .stack("web", stack)
        .secrets(m)
        .root(root.path())
        .checksum_key(kubricate::checksum::ChecksumKeySource::secret(
            InMemoryConnector::new([("K", "a test checksum key of 32 bytes")]),
            "K",
        ));
    let opts = GenerateOptions {
        out_dir: root.path().join("out"),
        ..Default::default()
    };
    project.generate(&opts).unwrap();
    let first = files(&root.path().join("out"));
    project.generate(&opts).unwrap();
    assert_eq!(first, files(&root.path().join("out")));
    let out = docs(&String::from_utf8_lossy(&first[Path::new("web.yml")]));
    let kinds: Vec<&str> = out.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Deployment",
            "Service",
            "ExternalSecret",
            "SealedSecret",
            "SealedSecret"
        ]
    );
    assert!(!String::from_utf8_lossy(&first[Path::new("web.yml")]).contains("t0ken"));
    if python_with("cryptography") {
        let plain = unseal(&of_kind(&out, "SealedSecret"));
        // Cluster-wide: sealed under the empty label.
        assert_eq!(plain["default/wide"]["WIDE"], "wide välue".as_bytes());
        assert_eq!(
            plain["default/sealed"]["TOKEN"],
            "t0ken-ünï $x 'q'".as_bytes()
        );
    }
}

#[test]
fn validate_reports_an_unreadable_sealing_certificate() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "v")]))
        .provider(SealedSecretProvider::new("app", "/nonexistent/cert.pem"))
        .add_secret("A");
    let stack = Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name: "web",
            image_name: "web",
            ..Default::default()
        },
    )
    .use_secrets(&m, |c| {
        c.secrets("A").inject_as(strategy::env().key("A"));
    });
    let project = Project::new().stack("web", stack).secrets(m);
    let err = project.secret_plan().unwrap_err().to_string();
    assert!(
        err.contains(
            "manager `default`: SealedSecretProvider `app`: cannot read /nonexistent/cert.pem"
        ),
        "{err}"
    );
}

#[test]
fn two_providers_writing_one_external_secret_is_an_error() {
    let team = || {
        SecretManager::new()
            .provider(ExternalSecretProvider::new(
                "shared",
                SecretStoreRef::cluster("vault"),
            ))
            .add_secret("A")
    };
    let (a, b) = (team(), team());
    let stack = Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name: "web",
            image_name: "web",
            ..Default::default()
        },
    )
    .use_secrets(&a, |c| {
        c.secrets("A").inject_as(strategy::env().key("A"));
    })
    .use_secrets(&b, |c| {
        c.secrets("A")
            .for_name("B")
            .inject_as(strategy::env().key("A"));
    });
    let project = Project::new()
        .stack("web", stack)
        .secrets_named("a", a)
        .secrets_named("b", b);
    let err = project
        .render(&GenerateOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ExternalSecret default/shared is written by manager `a`, provider `ExternalSecretProvider` and by manager `b`, provider `ExternalSecretProvider`"),
        "{err}"
    );
}
