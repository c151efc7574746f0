//! Errors are values a user can match: every failure of a secret run reaches the caller as a variant
//! holding the names involved, through the public paths (`kubricate::SecretProblem`, ...), and its
//! `Display` is the message the CLI prints.

use kubricate::prelude::*;
use kubricate::strategy::env;
use kubricate::{
    ConflictLevel, ConflictOptions, ConflictStrategy, ManagerProblem, Project, ProjectError,
    ReferenceProblem, ReferenceUsage, SecretProblem, SecretWarning,
};

fn problems(project: &Project) -> Vec<SecretProblem> {
    match project.secret_plan() {
        Err(ProjectError::Secrets(e)) => e.problems,
        other => panic!("expected secret problems, got {other:?}"),
    }
}

fn web() -> Stack {
    crate::common::simple_app("web", "web")
}

#[test]
fn a_manager_that_cannot_serve_a_secret_is_a_manager_problem() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "1")]))
        .provider_as("one", OpaqueSecretProvider::new("a"))
        .provider_as("two", OpaqueSecretProvider::new("b"))
        .add_secret("A");
    let project = Project::new().secrets_named("team", m);
    let found = problems(&project);
    assert!(
        matches!(&found[..], [SecretProblem::Manager { manager, problem: ManagerProblem::AmbiguousProvider { secret, registered } }]
            if manager == "team" && secret == "A" && registered == &["one", "two"]),
        "{found:?}"
    );
    // The cause is kept as the error's source.
    let source = std::error::Error::source(&found[0]).map(ToString::to_string);
    assert_eq!(
        source.as_deref(),
        Some("secret `A` names no provider and the manager has several (one, two); set `.default_provider(\"...\")`")
    );
}

#[test]
fn two_providers_of_one_secret_are_a_conflict_at_their_level() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "1"), ("B", "2")]))
        .provider_as("p1", OpaqueSecretProvider::new("shared"))
        .provider_as("p2", OpaqueSecretProvider::new("shared"))
        .default_provider("p1")
        .add_secret("A")
        .add_secret(kubricate::SecretSpec::new("B").provider("p2"));
    // Only B is injected: with overwrite, the Secret keeps p2's side, which holds B.
    let stack = web().use_secrets(&m, |c| {
        c.secrets("B").inject_as(env());
    });
    let project = Project::new().stack("web", stack).secrets_named("m", m);
    let found = problems(&project);
    assert!(
        matches!(&found[..], [SecretProblem::Conflict { level: ConflictLevel::CrossProvider, namespace, secret_name, hint, .. }]
            if namespace.is_none() && secret_name == "shared" && hint.contains("autoMerge")),
        "{found:?}"
    );

    // overwrite: a warning value naming what was kept and dropped, and no problem.
    let project = project.conflict(ConflictOptions {
        cross_provider: Some(ConflictStrategy::Overwrite),
        ..Default::default()
    });
    let plan = project.secret_plan().expect("overwrite resolves it");
    assert!(
        plan.warnings.iter().any(|w| matches!(w, SecretWarning::SideOverwritten { level: ConflictLevel::CrossProvider, kept, dropped, .. }
            if kept.contains("`p2`") && dropped.contains("`p1`"))),
        "{:?}",
        plan.warnings
    );
    assert!(
        plan.warnings.iter().any(
            |w| matches!(w, SecretWarning::NotInjected { manager, secret }
            if manager == "m" && secret == "A")
        ),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn a_reference_nothing_delivers_is_a_reference_problem() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "1")]))
        .provider(OpaqueSecretProvider::new("app"))
        .add_secret("A");
    let stack = web()
        .use_secrets(&m, |c| {
            c.secrets("A").inject_as(env());
        })
        .override_with(
            serde_json::json!({ "deployment": { "spec": { "template": { "spec": {
            "imagePullSecrets": [{ "name": "registry" }]
        } } } } }),
        );
    let project = Project::new().stack("web", stack).secrets_named("m", m);
    let found = problems(&project);
    let [SecretProblem::Reference(problem)] = &found[..] else {
        panic!("{found:?}");
    };
    assert!(
        matches!(problem, ReferenceProblem::NotDelivered { site, usage: ReferenceUsage::ImagePullSecret, secret_name, .. }
            if site.stack == "web" && site.resource == "deployment" && secret_name == "registry"),
        "{problem:?}"
    );
    // Declared as made elsewhere, the same reference is fine.
    assert!(project.external_secret("registry").secret_plan().is_ok());
}
