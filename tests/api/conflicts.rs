//! The conflict matrix: three levels × three strategies (and the default), plus strict mode.
//!
//! Every case runs the whole secret flow (load, prepare, group, merge, cross-check) through
//! `Project::secret_plan`, with values from `InMemoryConnector`.

use std::collections::BTreeMap;

use kubricate::prelude::*;
use kubricate::strategy::env;
use kubricate::{ConflictOptions, ConflictStrategy, Project, SecretSpec};

use ConflictStrategy::{AutoMerge, Error, Overwrite};

/// `namespace/name` (`name` alone without a namespace) → decoded data.
type Secrets = BTreeMap<String, BTreeMap<String, String>>;

struct Outcome {
    secrets: Secrets,
    warnings: Vec<String>,
}

fn plan(project: &Project) -> Result<Outcome, String> {
    let plan = project.secret_plan().map_err(|e| e.to_string())?;
    let secrets = plan
        .secrets
        .iter()
        .map(|s| {
            let data = s
                .data
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        String::from_utf8(v.expose().to_vec()).expect("utf-8 value"),
                    )
                })
                .collect();
            (s.place(), data)
        })
        .collect();
    Ok(Outcome {
        secrets,
        warnings: plan.warnings.iter().map(ToString::to_string).collect(),
    })
}

fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn one(name: &str, pairs: &[(&str, &str)]) -> Secrets {
    Secrets::from([(name.to_owned(), data(pairs))])
}

fn web() -> Stack {
    crate::common::simple_app("web", "web")
}

fn options(
    intra: Option<ConflictStrategy>,
    cross_provider: Option<ConflictStrategy>,
    cross_manager: Option<ConflictStrategy>,
) -> ConflictOptions {
    ConflictOptions {
        intra_provider: intra,
        cross_provider,
        cross_manager,
        strict: false,
    }
}

// ---------------------------------------------------------------------------------------------
// intraProvider: two secrets of one provider instance write the same key.

/// `FIRST` = {token, region}, `SECOND` = {token, endpoint}, both in the custom Secret `creds`.
fn intra_provider(conflict: ConflictOptions) -> Project {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([
            ("FIRST", r#"{"token":"t-first","region":"eu"}"#),
            ("SECOND", r#"{"token":"t-second","endpoint":"https://api"}"#),
        ]))
        .provider(CustomTypeSecretProvider::new("creds", "example.com/creds"))
        .add_secret("FIRST")
        .add_secret("SECOND");
    let stack = web().use_secrets(&m, |c| {
        c.secrets("FIRST")
            .for_name("TOKEN")
            .inject_as(env().key("token"));
        c.secrets("SECOND")
            .for_name("ENDPOINT")
            .inject_as(env().key("endpoint"));
    });
    Project::new()
        .stack("web", stack)
        .secrets_named("m", m)
        .conflict(conflict)
}

const INTRA_CONFLICT: &str = "Secret `creds` key `token` is written by secret `FIRST` and by secret `SECOND` of provider `CustomTypeSecretProvider` of manager `m`: intraProvider conflict";

#[test]
fn intra_provider_default_is_auto_merge_and_a_shared_key_fails() {
    let err = plan(&intra_provider(ConflictOptions::default()))
        .err()
        .expect("conflict");
    assert!(err.contains(INTRA_CONFLICT), "{err}");
    assert!(err.contains("or set intraProvider to overwrite"), "{err}");
    assert!(
        !err.contains("t-first") && !err.contains("t-second"),
        "values leaked: {err}"
    );
}

#[test]
fn intra_provider_error_fails_naming_both_secrets_and_the_key() {
    let err = plan(&intra_provider(options(Some(Error), None, None)))
        .err()
        .expect("conflict");
    assert!(err.starts_with("1 secret problem(s):"), "{err}");
    assert!(err.contains(INTRA_CONFLICT), "{err}");
}

#[test]
fn intra_provider_overwrite_keeps_the_last_declared_secret() {
    let out = plan(&intra_provider(options(Some(Overwrite), None, None))).expect("plan");
    assert_eq!(
        out.secrets,
        one(
            "creds",
            &[
                ("endpoint", "https://api"),
                ("region", "eu"),
                ("token", "t-second")
            ]
        )
    );
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(
        out.warnings[0].contains(INTRA_CONFLICT),
        "{:?}",
        out.warnings
    );
    assert!(
        out.warnings[0].ends_with("overwrite keeps secret `SECOND`"),
        "{:?}",
        out.warnings
    );
}

#[test]
fn intra_provider_auto_merge_merges_distinct_keys_and_rejects_the_shared_one() {
    let err = plan(&intra_provider(options(Some(AutoMerge), None, None)))
        .err()
        .expect("conflict");
    assert!(err.contains(INTRA_CONFLICT), "{err}");
}

#[test]
fn distinct_keys_of_one_provider_are_no_conflict_at_any_intra_provider_strategy() {
    for strategy in [None, Some(Error), Some(Overwrite), Some(AutoMerge)] {
        let m = SecretManager::new()
            .connector(InMemoryConnector::new([("A", "a"), ("B", "b")]))
            .provider(OpaqueSecretProvider::new("app"))
            .add_secret("A")
            .add_secret("B");
        let stack = web().use_secrets(&m, |c| {
            c.secrets("A").inject();
            c.secrets("B").inject();
        });
        let project = Project::new()
            .stack("web", stack)
            .secrets(m)
            .conflict(options(strategy, None, None));
        let out = plan(&project).unwrap_or_else(|e| panic!("{strategy:?}: {e}"));
        assert_eq!(out.secrets, one("app", &[("A", "a"), ("B", "b")]));
        assert!(out.warnings.is_empty(), "{strategy:?}: {:?}", out.warnings);
    }
}

// ---------------------------------------------------------------------------------------------
// crossProvider: two provider instances of one manager deliver the same Secret.

/// Providers `first` and `second` of manager `m` both deliver the Opaque Secret `shared`; `A` goes
/// through `first`, `B` through `second`. The stack injects `inject`.
fn cross_provider(conflict: ConflictOptions, inject: &[&str]) -> Project {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a"), ("B", "b")]))
        .provider_as("first", OpaqueSecretProvider::new("shared"))
        .provider_as("second", OpaqueSecretProvider::new("shared"))
        .add_secret(SecretSpec::new("A").provider("first"))
        .add_secret(SecretSpec::new("B").provider("second"));
    let stack = web().use_secrets(&m, |c| {
        for s in inject {
            c.secrets(*s).inject();
        }
    });
    Project::new()
        .stack("web", stack)
        .secrets_named("m", m)
        .conflict(conflict)
}

const CROSS_PROVIDER_CONFLICT: &str = "Secret `shared` is delivered by provider `first` of manager `m` and by provider `second` of manager `m`: crossProvider conflict";

#[test]
fn cross_provider_default_is_error() {
    let err = plan(&cross_provider(ConflictOptions::default(), &["A", "B"]))
        .err()
        .expect("conflict");
    assert!(err.contains(CROSS_PROVIDER_CONFLICT), "{err}");
    assert!(
        err.contains("give each provider its own Secret name"),
        "{err}"
    );
    assert!(
        err.contains("or set the crossProvider strategy to autoMerge: the two sides write different keys, which autoMerge delivers together (overwrite would keep only provider `second` of manager `m` and drop the keys of provider `first` of manager `m`)"),
        "{err}"
    );
}

#[test]
fn cross_provider_error_fails() {
    let err = plan(&cross_provider(
        options(None, Some(Error), None),
        &["A", "B"],
    ))
    .err()
    .expect("conflict");
    assert!(err.contains(CROSS_PROVIDER_CONFLICT), "{err}");
}

#[test]
fn cross_provider_overwrite_keeps_the_last_registered_provider() {
    let out = plan(&cross_provider(
        options(None, Some(Overwrite), None),
        &["B"],
    ))
    .expect("plan");
    assert_eq!(out.secrets, one("shared", &[("B", "b")]));
    assert!(
        out.warnings.iter().any(|w| w.contains(CROSS_PROVIDER_CONFLICT)
            && w.ends_with("overwrite keeps provider `second` of manager `m` and drops provider `first` of manager `m`")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn cross_provider_overwrite_that_drops_an_injected_key_fails_the_cross_check() {
    let err = plan(&cross_provider(
        options(None, Some(Overwrite), None),
        &["A", "B"],
    ))
    .err()
    .expect("dangling");
    assert!(
        err.contains("stack `web`, resource `deployment`, container 0 (`web`): env var `A` reads key `A` of Secret `shared`, but the crossProvider overwrite dropped it: Secret `shared` is delivered by provider `first` of manager `m` and by provider `second` of manager `m`, and overwrite keeps only provider `second` of manager `m`"),
        "{err}"
    );
    // The hint names the overwrite, not the env strategy's `key` option.
    assert!(!err.contains("`key` option"), "{err}");
    assert!(err.contains("and 1 warning(s):"), "{err}");
}

#[test]
fn cross_provider_auto_merge_merges_both_providers() {
    let out = plan(&cross_provider(
        options(None, Some(AutoMerge), None),
        &["A", "B"],
    ))
    .expect("plan");
    assert_eq!(out.secrets, one("shared", &[("A", "a"), ("B", "b")]));
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn cross_provider_auto_merge_rejects_one_key_from_both_providers() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([
            ("A", r#"{"token":"CANARY-a"}"#),
            ("B", r#"{"token":"CANARY-b"}"#),
        ]))
        .provider_as(
            "first",
            CustomTypeSecretProvider::new("shared", "example.com/t"),
        )
        .provider_as(
            "second",
            CustomTypeSecretProvider::new("shared", "example.com/t"),
        )
        .add_secret(SecretSpec::new("A").provider("first"))
        .add_secret(SecretSpec::new("B").provider("second"));
    let stack = web().use_secrets(&m, |c| {
        c.secrets("A").inject_as(env().key("token"));
    });
    let project = Project::new()
        .stack("web", stack)
        .secrets_named("m", m)
        .conflict(options(None, Some(AutoMerge), None));
    let err = plan(&project).err().expect("duplicate key");
    assert!(
        err.contains("Secret `shared` key `token` is written twice: by secret `A` (provider `first` of manager `m`) and by secret `B` (provider `second` of manager `m`)"),
        "{err}"
    );
    assert!(!err.contains("CANARY"), "values leaked: {err}");
}

// ---------------------------------------------------------------------------------------------
// crossManager: providers of two managers deliver the same Secret.

/// Managers `svc1` (secret `A`) and `svc2` (secret `B`) both deliver the Opaque Secret
/// `app-credentials`. The stack injects `inject` (manager name, secret).
fn cross_manager(conflict: ConflictOptions, inject: &[(&str, &str)], same_secret: bool) -> Project {
    let b = if same_secret { "A" } else { "B" };
    let svc1 = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "from-svc1")]))
        .provider(OpaqueSecretProvider::new("app-credentials"))
        .add_secret("A");
    let svc2 = SecretManager::new()
        .connector(InMemoryConnector::new([(b, "from-svc2")]))
        .provider(OpaqueSecretProvider::new("app-credentials"))
        .add_secret(b);
    let mut stack = web();
    for (manager, secret) in inject {
        let m = if *manager == "svc1" { &svc1 } else { &svc2 };
        stack = stack.use_secrets(m, |c| {
            c.secrets(*secret)
                .for_name(format!("{manager}_{secret}"))
                .inject();
        });
    }
    let registry = SecretRegistry::new().add("svc1", svc1).add("svc2", svc2);
    Project::new()
        .stack("web", stack)
        .registry(registry)
        .conflict(conflict)
}

const CROSS_MANAGER_CONFLICT: &str = "Secret `app-credentials` is delivered by provider `OpaqueSecretProvider` of manager `svc1` and by provider `OpaqueSecretProvider` of manager `svc2`: crossManager conflict";

#[test]
fn cross_manager_default_is_error_naming_both_managers_and_the_secret() {
    let err = plan(&cross_manager(
        ConflictOptions::default(),
        &[("svc1", "A"), ("svc2", "B")],
        false,
    ))
    .err()
    .expect("conflict");
    assert!(err.starts_with("1 secret problem(s):"), "{err}");
    assert!(err.contains(CROSS_MANAGER_CONFLICT), "{err}");
    assert!(
        err.contains(
            "or set the crossManager strategy to autoMerge: the two sides write different keys"
        ),
        "{err}"
    );
    // The same key on both sides: autoMerge would refuse it, so the hint is overwrite.
    let err = plan(&cross_manager(
        ConflictOptions::default(),
        &[("svc1", "A"), ("svc2", "A")],
        true,
    ))
    .err()
    .expect("conflict");
    assert!(
        err.contains("or set the crossManager strategy to overwrite to keep only provider `OpaqueSecretProvider` of manager `svc2`: both sides write key(s) `A`, which autoMerge refuses"),
        "{err}"
    );
    assert!(!err.contains("from-svc"), "values leaked: {err}");
    assert!(!err.contains("from-svc"), "values leaked: {err}");
}

#[test]
fn cross_manager_error_fails() {
    let err = plan(&cross_manager(
        options(None, None, Some(Error)),
        &[("svc1", "A"), ("svc2", "B")],
        false,
    ))
    .err()
    .expect("conflict");
    assert!(err.contains(CROSS_MANAGER_CONFLICT), "{err}");
}

#[test]
fn cross_manager_overwrite_keeps_the_last_registered_manager() {
    let out = plan(&cross_manager(
        options(None, None, Some(Overwrite)),
        &[("svc2", "B")],
        false,
    ))
    .expect("plan");
    assert_eq!(out.secrets, one("app-credentials", &[("B", "from-svc2")]));
    let dropped: Vec<&String> = out
        .warnings
        .iter()
        .filter(|w| w.contains(CROSS_MANAGER_CONFLICT))
        .collect();
    assert_eq!(dropped.len(), 1, "{:?}", out.warnings);
    assert!(dropped[0].ends_with(
        "overwrite keeps provider `OpaqueSecretProvider` of manager `svc2` and drops provider `OpaqueSecretProvider` of manager `svc1`"
    ));
}

/// The issue's case: two managers with different keys, `crossManager: overwrite`, and the stack
/// reading both. The dropped side's key is missing: the error says the overwrite dropped it (naming
/// both sources and the fix), not that the `key` option is wrong, and the overwrite warning is
/// printed with the error.
#[test]
fn cross_manager_overwrite_that_drops_a_read_key_names_the_overwrite() {
    let project = cross_manager(
        options(None, None, Some(Overwrite)),
        &[("svc1", "A"), ("svc2", "B")],
        false,
    );
    let err = plan(&project).err().expect("a dangling key");
    assert!(err.starts_with("1 secret problem(s):"), "{err}");
    assert!(
        err.contains("env var `svc1_A` reads key `A` of Secret `app-credentials`, but the crossManager overwrite dropped it: Secret `app-credentials` is delivered by provider `OpaqueSecretProvider` of manager `svc1` and by provider `OpaqueSecretProvider` of manager `svc2`, and overwrite keeps only provider `OpaqueSecretProvider` of manager `svc2`, which does not write key `A` (secret `A` of provider `OpaqueSecretProvider` of manager `svc1` does); set crossManager to autoMerge to keep the keys of both sides, or give each side's provider its own Secret name"),
        "{err}"
    );
    assert!(
        !err.contains("`key` option"),
        "blames the key option: {err}"
    );
    assert!(
        err.contains(&format!("and 1 warning(s):\n  - {CROSS_MANAGER_CONFLICT}; overwrite keeps provider `OpaqueSecretProvider` of manager `svc2` and drops provider `OpaqueSecretProvider` of manager `svc1`")),
        "{err}"
    );
    assert!(!err.contains("from-svc"), "values leaked: {err}");

    // The same through the CLI: exit 1, warning and cause on stderr, nothing on stdout.
    for args in [
        &["secret", "validate"][..],
        &["secret", "apply", "--dry-run"][..],
    ] {
        let (code, out, err) = crate::common::run_project(&project, args);
        assert_eq!(code, 1, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(
            err.contains("the crossManager overwrite dropped it"),
            "{err}"
        );
        assert!(
            err.contains(
                "overwrite keeps provider `OpaqueSecretProvider` of manager `svc2` and drops"
            ),
            "{err}"
        );
        assert!(!err.contains("from-svc"), "values leaked: {err}");
    }

    // -o json: the overwrite's warning goes with the problem it causes.
    let (code, out, _) =
        crate::common::run_project(&project, &["secret", "validate", "-o", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("a JSON document");
    assert_eq!(doc["ok"], false);
    assert!(doc["problems"][0]
        .as_str()
        .is_some_and(|p| p.contains("the crossManager overwrite dropped it")));
    assert_eq!(
        doc["warnings"],
        serde_json::json!([format!("{CROSS_MANAGER_CONFLICT}; overwrite keeps provider `OpaqueSecretProvider` of manager `svc2` and drops provider `OpaqueSecretProvider` of manager `svc1`")])
    );
    assert!(!out.contains("from-svc"), "values leaked: {out}");

    // autoMerge keeps both keys: the fix the message gives works.
    let fixed = cross_manager(
        options(None, None, Some(AutoMerge)),
        &[("svc1", "A"), ("svc2", "B")],
        false,
    );
    assert_eq!(
        plan(&fixed).expect("plan").secrets,
        one("app-credentials", &[("A", "from-svc1"), ("B", "from-svc2")])
    );
}

#[test]
fn cross_manager_auto_merge_merges_both_managers() {
    let out = plan(&cross_manager(
        options(None, None, Some(AutoMerge)),
        &[("svc1", "A"), ("svc2", "B")],
        false,
    ))
    .expect("plan");
    assert_eq!(
        out.secrets,
        one("app-credentials", &[("A", "from-svc1"), ("B", "from-svc2")])
    );
}

#[test]
fn cross_manager_auto_merge_rejects_one_key_from_both_managers() {
    let err = plan(&cross_manager(
        options(None, None, Some(AutoMerge)),
        &[("svc1", "A")],
        true,
    ))
    .err()
    .expect("duplicate key");
    assert!(
        err.contains("Secret `app-credentials` key `A` is written twice: by secret `A` (provider `OpaqueSecretProvider` of manager `svc1`) and by secret `A` (provider `OpaqueSecretProvider` of manager `svc2`)"),
        "{err}"
    );
    assert!(!err.contains("from-svc"), "values leaked: {err}");
}

#[test]
fn providers_of_one_manager_merge_before_managers() {
    // svc1 has two providers of `shared` (crossProvider autoMerge), svc2 one (crossManager overwrite):
    // the result is svc2's alone, and the warning names both of svc1's providers.
    let svc1 = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a"), ("B", "b")]))
        .provider_as("first", OpaqueSecretProvider::new("shared"))
        .provider_as("second", OpaqueSecretProvider::new("shared"))
        .add_secret(SecretSpec::new("A").provider("first"))
        .add_secret(SecretSpec::new("B").provider("second"));
    let svc2 = SecretManager::new()
        .connector(InMemoryConnector::new([("C", "c")]))
        .provider(OpaqueSecretProvider::new("shared"))
        .add_secret("C");
    let stack = web().use_secrets(&svc2, |c| {
        c.secrets("C").inject();
    });
    let project = Project::new()
        .stack("web", stack)
        .secrets_named("svc1", svc1)
        .secrets_named("svc2", svc2)
        .conflict(options(None, Some(AutoMerge), Some(Overwrite)));
    let out = plan(&project).expect("plan");
    assert_eq!(out.secrets, one("shared", &[("C", "c")]));
    assert!(
        out.warnings.iter().any(|w| w.ends_with(
            "overwrite keeps provider `OpaqueSecretProvider` of manager `svc2` and drops provider `first` of manager `svc1` and provider `second` of manager `svc1`"
        )),
        "{:?}",
        out.warnings
    );
}

// ---------------------------------------------------------------------------------------------
// strict

fn strict(extra: ConflictOptions) -> ConflictOptions {
    ConflictOptions {
        strict: true,
        ..extra
    }
}

#[test]
fn strict_makes_every_level_an_error() {
    let err = plan(&intra_provider(strict(ConflictOptions::default())))
        .err()
        .expect("intra");
    assert!(
        err.contains(INTRA_CONFLICT) && err.contains("strict mode makes every conflict an error"),
        "{err}"
    );
    let err = plan(&cross_provider(
        strict(ConflictOptions::default()),
        &["A", "B"],
    ))
    .err()
    .expect("cross provider");
    assert!(
        err.contains(CROSS_PROVIDER_CONFLICT) && err.contains("strict mode"),
        "{err}"
    );
    assert!(
        !err.contains("set the crossProvider strategy"),
        "strict must not suggest relaxing: {err}"
    );
    let err = plan(&cross_manager(
        strict(ConflictOptions::default()),
        &[("svc1", "A"), ("svc2", "B")],
        false,
    ))
    .err()
    .expect("cross manager");
    assert!(err.contains(CROSS_MANAGER_CONFLICT), "{err}");
}

#[test]
fn strict_accepts_explicit_error_strategies() {
    let err = plan(&cross_manager(
        strict(options(Some(Error), Some(Error), Some(Error))),
        &[("svc1", "A"), ("svc2", "B")],
        false,
    ))
    .err()
    .expect("cross manager");
    assert!(err.contains(CROSS_MANAGER_CONFLICT), "{err}");
}

#[test]
fn strict_rejects_relaxed_settings_all_at_once() {
    let project = cross_manager(
        strict(options(Some(Overwrite), None, Some(AutoMerge))),
        &[("svc1", "A")],
        false,
    );
    let err = plan(&project).err().expect("config error");
    assert!(
        err.contains("conflict strategies intraProvider = overwrite, crossManager = autoMerge are not allowed in strict mode"),
        "{err}"
    );
    let (code, _, stderr) = crate::common::run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not allowed in strict mode"), "{stderr}");
}

#[test]
fn strict_with_no_conflict_passes() {
    let project = cross_manager(strict(ConflictOptions::default()), &[("svc1", "A")], true);
    // Same name and key from both managers: still a crossManager conflict under strict.
    assert!(plan(&project).is_err());
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a")]))
        .provider(OpaqueSecretProvider::new("app"))
        .add_secret("A");
    let stack = web().use_secrets(&m, |c| {
        c.secrets("A").inject();
    });
    let project = Project::new()
        .stack("web", stack)
        .secrets(m)
        .conflict(strict(ConflictOptions::default()));
    assert_eq!(
        plan(&project).expect("plan").secrets,
        one("app", &[("A", "a")])
    );
}
