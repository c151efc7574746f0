//! Secret preparation at scale: `secret apply` of 10,000 secrets (50 providers, 5 managers) still
//! runs kubectl exactly once, with every Secret on its stdin. Counts only; timings are in
//! BENCHMARKS.md (`cargo bench --bench scale`).
#![cfg(unix)]

#[path = "../benches/fixture/mod.rs"]
mod fixture;

use std::os::unix::fs::PermissionsExt;

use crate::common::*;
use serde_json::Value;

#[test]
fn secret_apply_of_ten_thousand_secrets_runs_kubectl_once() {
    let dir = tempdir();
    let calls = dir.path().join("calls");
    let payload = dir.path().join("stdin.json");
    // A stand-in kubectl: one line per invocation in `calls`, stdin kept for the checks below.
    let kubectl = dir.path().join("kubectl");
    std::fs::write(
        &kubectl,
        format!(
            "#!/bin/sh\necho call >> '{}'\ncat > '{}'\necho 'secrets configured'\n",
            calls.display(),
            payload.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();

    let project = fixture::prep_project();
    let (code, out, err) = run_project(
        &project,
        &["secret", "apply", "--kubectl", kubectl.to_str().unwrap()],
    );
    assert_eq!(code, 0, "secret apply failed:\n{err}");
    assert!(out.contains("secrets configured"), "{out}");

    let invocations = std::fs::read_to_string(&calls).unwrap().lines().count();
    assert_eq!(invocations, 1, "kubectl must run once whatever the count");

    let list: Value = serde_json::from_str(&std::fs::read_to_string(&payload).unwrap()).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        fixture::PREP_PROVIDERS,
        "one Secret per provider"
    );
    let keys: usize = items
        .iter()
        .map(|s| s["data"].as_object().unwrap().len())
        .sum();
    assert_eq!(keys, fixture::PREP_SECRETS, "every secret delivered once");

    // What the user sees names Secrets, never values.
    for text in [&out, &err] {
        assert!(!text.contains("fake-value-"), "a value was printed");
    }
}
