//! "How to Organize Secrets Across Teams with SecretRegistry", run as a user runs it, plus the
//! registry API, namespaces, the reference cross-check and docker config merging.

use crate::common::*;
use base64::Engine;
use kubricate::prelude::*;
use kubricate::strategy::{env, env_from, image_pull_secret, volume};
use kubricate::{Project, RegistryError};
use serde_json::{json, Value};

fn app(name: &str, image: &str) -> Stack {
    Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name,
            image_name: image,
            ..Default::default()
        },
    )
}

fn app_in(name: &str, namespace: &str) -> Stack {
    Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name,
            image_name: name,
            namespace: Some(namespace),
            ..Default::default()
        },
    )
}

/// A manager over run-time secrets (the set type cannot be inferred through `impl Into<..>`).
fn manager() -> SecretManager {
    SecretManager::new()
}

fn container(built: &kubricate::ResourceMap) -> &Value {
    &built["deployment"].body()["spec"]["template"]["spec"]["containers"][0]
}

// ---------------------------------------------------------------------------------------------
// The example

#[test]
fn example_generate_stdout_matches_golden() {
    let out = run("secret-registry", &["generate", "--stdout"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_golden("secret-registry/generate.yml", &text);
    let docs = kubricate::yaml::from_str_multi(&text).unwrap();
    assert_eq!(docs.len(), 6);
    let gateway = &docs[4];
    assert_eq!(gateway["metadata"]["name"], "api-gateway");
    assert_eq!(
        gateway["spec"]["template"]["spec"]["containers"][0]["env"],
        json!([
            { "name": "DB_CONNECTION", "valueFrom": { "secretKeyRef": { "name": "backend-app-secrets", "key": "DATABASE_URL" } } },
            { "name": "ANALYTICS_TOKEN", "valueFrom": { "secretKeyRef": { "name": "frontend-app-secrets", "key": "ANALYTICS_KEY" } } }
        ])
    );
    assert_eq!(
        docs[0]["spec"]["template"]["spec"]["containers"][0]["env"][0],
        json!({ "name": "STRIPE_KEY", "valueFrom": { "secretKeyRef": { "name": "frontend-app-secrets", "key": "STRIPE_PUBLIC_KEY" } } })
    );
}

#[test]
fn example_dry_run_matches_golden_and_shows_no_values() {
    let out = run("secret-registry", &["secret", "apply", "--dry-run"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_golden("secret-registry/apply-dry-run.yml", &text);
    let b64 = base64::engine::general_purpose::STANDARD;
    for value in [
        "pk_test_123",
        "analytics_key_456",
        "postgresql://localhost:5432/app",
        "secret_jwt_key_789",
    ] {
        assert!(!text.contains(value), "{value} leaked");
        assert!(
            !text.contains(&b64.encode(value)),
            "{value} leaked as base64"
        );
    }
    assert!(
        stderr(&out).is_empty(),
        "no warnings expected: {}",
        stderr(&out)
    );
}

#[test]
fn example_show_values_decodes_to_the_env_file() {
    let out = run(
        "secret-registry",
        &["secret", "apply", "--dry-run", "--show-values"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = kubricate::yaml::from_str_multi(&stdout(&out)).unwrap();
    let decode = |doc: &Value, key: &str| {
        let b = base64::engine::general_purpose::STANDARD
            .decode(doc["data"][key].as_str().unwrap())
            .unwrap();
        String::from_utf8(b).unwrap()
    };
    assert_eq!(docs[0]["metadata"]["name"], "backend-app-secrets");
    assert_eq!(
        decode(&docs[0], "DATABASE_URL"),
        "postgresql://localhost:5432/app"
    );
    assert_eq!(decode(&docs[0], "JWT_SECRET"), "secret_jwt_key_789");
    assert_eq!(docs[1]["metadata"]["name"], "frontend-app-secrets");
    assert_eq!(decode(&docs[1], "STRIPE_PUBLIC_KEY"), "pk_test_123");
    assert_eq!(decode(&docs[1], "ANALYTICS_KEY"), "analytics_key_456");
}

#[test]
fn example_validate_prints_a_short_summary() {
    let out = run("secret-registry", &["secret", "validate"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "secret validate: OK: 2 Secret(s) from 2 secret manager(s) ready to apply; 6 Secret reference(s) in 3 stack(s) checked\n\
         \x20 backend-app-secrets (Opaque): DATABASE_URL, JWT_SECRET\n\
         \x20 frontend-app-secrets (Opaque): ANALYTICS_KEY, STRIPE_PUBLIC_KEY\n"
    );
}

#[test]
fn example_validate_reports_missing_values_of_both_teams_at_once() {
    let dir = tempdir();
    let out = run_in(
        "secret-registry",
        &["secret", "validate"],
        &[
            ("KUBRICATE_SECRET_ANALYTICS_KEY", ""),
            ("KUBRICATE_SECRET_JWT_SECRET", ""),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("2 secret problem(s)"), "{err}");
    assert!(
        err.contains("manager `frontend`, connector `EnvConnector`")
            && err.contains("KUBRICATE_SECRET_ANALYTICS_KEY is set but empty"),
        "{err}"
    );
    assert!(
        err.contains("manager `backend`, connector `EnvConnector`")
            && err.contains("KUBRICATE_SECRET_JWT_SECRET is set but empty"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// The run-time registry

/// The example again, with the run-time `SecretRegistry` and `registry.get(..)`.
fn dynamic_example() -> Result<Project, RegistryError> {
    let dir = workspace().join("examples/secret-registry");
    // The example's .env only: the test process's own KUBRICATE_* variables must not leak in.
    let connector = || {
        EnvConnector::new()
            .working_dir(&dir)
            .environment(std::iter::empty::<(String, String)>())
    };
    let registry = SecretRegistry::new()
        .add(
            "frontend",
            SecretManager::new()
                .connector(connector())
                .provider(OpaqueSecretProvider::new("frontend-app-secrets"))
                .add_secret("STRIPE_PUBLIC_KEY")
                .add_secret("ANALYTICS_KEY"),
        )
        .add(
            "backend",
            SecretManager::new()
                .connector(connector())
                .provider(OpaqueSecretProvider::new("backend-app-secrets"))
                .add_secret("DATABASE_URL")
                .add_secret("JWT_SECRET"),
        );
    let frontend_app =
        app("frontend-app", "nginx").use_secrets_any(registry.get("frontend")?, |c| {
            c.secrets("STRIPE_PUBLIC_KEY")
                .for_name("STRIPE_KEY")
                .inject();
            c.secrets("ANALYTICS_KEY").inject();
        });
    let backend_app = app("backend-app", "api").use_secrets_any(registry.get("backend")?, |c| {
        c.secrets("DATABASE_URL").inject();
        c.secrets("JWT_SECRET").inject();
    });
    let api_gateway = app("api-gateway", "gateway")
        .use_secrets_any(registry.get("backend")?, |c| {
            c.secrets("DATABASE_URL").for_name("DB_CONNECTION").inject();
        })
        .use_secrets_any(registry.get("frontend")?, |c| {
            c.secrets("ANALYTICS_KEY")
                .for_name("ANALYTICS_TOKEN")
                .inject();
        });
    Ok(Project::new()
        .stack("frontendApp", frontend_app)
        .stack("backendApp", backend_app)
        .stack("apiGateway", api_gateway)
        .registry(registry))
}

#[test]
fn runtime_registry_gives_the_same_output_as_the_typed_one() {
    let project = dynamic_example().unwrap();
    let (code, out, err) = run_project(&project, &["generate", "--stdout"]);
    assert_eq!(code, 0, "{err}");
    assert_golden("secret-registry/generate.yml", &out);
    let (code, out, err) = run_project(&project, &["secret", "apply", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert_golden("secret-registry/apply-dry-run.yml", &out);
}

#[test]
fn get_with_a_typo_lists_the_registered_names() {
    let registry = SecretRegistry::new()
        .add("frontend", manager())
        .add("backend", manager());
    assert_eq!(registry.list(), ["frontend", "backend"]);
    let err = registry.get("fronend").unwrap_err();
    assert_eq!(
        err.to_string(),
        "secret manager `fronend` is not registered; registered: frontend, backend; did you mean `frontend`?"
    );
    assert!(
        matches!(err, RegistryError::NotFound { ref registered, .. } if registered == &["frontend", "backend"])
    );
}

#[test]
fn duplicate_manager_names_are_an_error() {
    let registry = SecretRegistry::new()
        .add("app", manager().provider(OpaqueSecretProvider::new("a")))
        .add("app", manager().provider(OpaqueSecretProvider::new("b")));
    assert_eq!(
        registry.get("app").unwrap_err().to_string(),
        "secret manager name `app` is registered twice; give each manager a unique name, e.g. `frontend-app` and `backend-app`"
    );
    assert_eq!(registry.check().unwrap_err().len(), 1);
    let project = Project::new().registry(registry);
    for args in [
        &["generate", "--stdout"][..],
        &["secret", "validate"],
        &["secret", "apply", "--dry-run"],
    ] {
        let (code, _, err) = run_project(&project, args);
        assert_eq!(code, 1, "{args:?}");
        assert!(
            err.contains("secret manager name `app` is used twice"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_registry_name_may_not_repeat_a_manager_added_otherwise() {
    let project = Project::new()
        .secrets_named("frontend", manager())
        .registry(SecretRegistry::new().add("frontend", manager()));
    let (code, _, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1);
    assert!(err.contains("`frontend` is used twice"), "{err}");
}

#[test]
fn cross_manager_collision_fails_by_default_naming_both_managers_and_the_secret() {
    let registry = SecretRegistry::new()
        .add(
            "frontend",
            SecretManager::new()
                .connector(InMemoryConnector::new([("ANALYTICS_KEY", "CANARY-f")]))
                .provider(OpaqueSecretProvider::new("app-secrets"))
                .add_secret("ANALYTICS_KEY"),
        )
        .add(
            "backend",
            SecretManager::new()
                .connector(InMemoryConnector::new([("DATABASE_URL", "CANARY-b")]))
                .provider(OpaqueSecretProvider::new("app-secrets"))
                .add_secret("DATABASE_URL"),
        );
    let stack = app("api-gateway", "gateway")
        .use_secrets_any(registry.get("backend").unwrap(), |c| {
            c.secrets("DATABASE_URL").inject();
        })
        .use_secrets_any(registry.get("frontend").unwrap(), |c| {
            c.secrets("ANALYTICS_KEY").inject();
        });
    let project = Project::new().stack("apiGateway", stack).registry(registry);
    for args in [
        &["secret", "validate"][..],
        &["secret", "apply", "--dry-run"],
    ] {
        let (code, out, err) = run_project(&project, args);
        assert_eq!(code, 1, "{args:?}");
        assert!(out.is_empty(), "nothing is printed as if it worked: {out}");
        assert!(
            err.contains("Secret `app-secrets` is delivered by provider `OpaqueSecretProvider` of manager `frontend` and by provider `OpaqueSecretProvider` of manager `backend`: crossManager conflict"),
            "{err}"
        );
        assert!(!err.contains("CANARY"), "values leaked: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Stacks and managers

#[test]
fn stack_build_is_idempotent() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([
            ("A", "a"),
            (
                "REG",
                r#"{"username":"u","password":"p","registry":"ghcr.io"}"#,
            ),
        ]))
        .provider(OpaqueSecretProvider::new("app"))
        .provider(DockerConfigSecretProvider::new("pull"))
        .default_provider("OpaqueSecretProvider")
        .add_secret("A")
        .add_secret(kubricate::SecretSpec::new("REG").provider("DockerConfigSecretProvider"));
    let stack = app("web", "web").use_secrets(&m, |c| {
        c.secrets("A").inject();
        c.secrets("REG").inject();
    });
    let first = stack.build().unwrap();
    let second = stack.build().unwrap();
    assert_eq!(first, second);
    assert_eq!(container(&second)["env"].as_array().unwrap().len(), 1);
    assert_eq!(
        second["deployment"].body()["spec"]["template"]["spec"]["imagePullSecrets"],
        json!([{ "name": "pull" }])
    );
    let project = Project::new().stack("web", stack).secrets(m);
    let (_, a, _) = run_project(&project, &["generate", "--stdout"]);
    let (_, b, _) = run_project(&project, &["generate", "--stdout"]);
    assert_eq!(a, b);
    assert!(project.secret_plan().is_ok());
    assert!(
        project.secret_plan().is_ok(),
        "planning does not change the stacks"
    );
}

#[test]
fn two_managers_sharing_a_secret_name_never_cross_their_secret_names() {
    let frontend = SecretManager::new()
        .connector(InMemoryConnector::new([("API_KEY", "front-value")]))
        .provider(OpaqueSecretProvider::new("frontend-app-secrets"))
        .add_secret("API_KEY");
    let backend = SecretManager::new()
        .connector(InMemoryConnector::new([("API_KEY", "back-value")]))
        .provider(OpaqueSecretProvider::new("backend-app-secrets"))
        .add_secret("API_KEY");
    let stack = app("gateway", "gateway")
        .use_secrets(&frontend, |c| {
            c.secrets("API_KEY").for_name("FRONTEND_API_KEY").inject();
        })
        .use_secrets(&backend, |c| {
            c.secrets("API_KEY").for_name("BACKEND_API_KEY").inject();
        });
    let built = stack.build().unwrap();
    assert_eq!(
        container(&built)["env"],
        json!([
            { "name": "FRONTEND_API_KEY", "valueFrom": { "secretKeyRef": { "name": "frontend-app-secrets", "key": "API_KEY" } } },
            { "name": "BACKEND_API_KEY", "valueFrom": { "secretKeyRef": { "name": "backend-app-secrets", "key": "API_KEY" } } }
        ])
    );
    let project = Project::new()
        .stack("gateway", stack)
        .secrets_named("frontend", frontend)
        .secrets_named("backend", backend);
    let plan = project.secret_plan().unwrap();
    let found: Vec<(&str, &[u8])> = plan
        .secrets
        .iter()
        .map(|s| (s.name.as_str(), s.data["API_KEY"].expose()))
        .collect();
    assert_eq!(
        found,
        [
            ("backend-app-secrets", &b"back-value"[..]),
            ("frontend-app-secrets", &b"front-value"[..])
        ]
    );
}

#[test]
fn an_injection_from_a_manager_outside_the_project_is_reported() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a")]))
        .provider(OpaqueSecretProvider::new("app"))
        .add_secret("A");
    let stack = app("web", "web").use_secrets(&m, |c| {
        c.secrets("A").inject();
    });
    let project = Project::new().stack("web", stack);
    let (code, _, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "stack `web` injects secret `A` (Secret `app`) from a secret manager that is not part of the project"
        ),
        "{err}"
    );
}

#[test]
fn unused_secret_is_a_warning() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a"), ("SPARE", "s")]))
        .provider(OpaqueSecretProvider::new("app"))
        .add_secret("A")
        .add_secret("SPARE");
    let stack = app("web", "web").use_secrets(&m, |c| {
        c.secrets("A").inject();
    });
    let project = Project::new().stack("web", stack).secrets_named("team", m);
    let (code, out, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("secret validate: OK"), "{out}");
    assert_eq!(
        err,
        "warning: manager `team`: secret `SPARE` is registered but injected into no stack\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Namespaces and the reference cross-check

#[test]
fn a_provider_used_from_two_namespaces_delivers_into_each() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a")]))
        .provider(OpaqueSecretProvider::new("shared"))
        .add_secret("A");
    let shop = app_in("shop", "team-shop").use_secrets(&m, |c| {
        c.secrets("A").inject();
    });
    let blog = app_in("blog", "team-blog").use_secrets(&m, |c| {
        c.secrets("A").inject();
    });
    let project = Project::new()
        .stack("shop", shop)
        .stack("blog", blog)
        .secrets(m);
    let plan = project.secret_plan().unwrap();
    let placed: Vec<String> = plan.secrets.iter().map(|s| s.place()).collect();
    assert_eq!(placed, ["team-blog/shared", "team-shop/shared"]);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn explicit_provider_namespace_away_from_the_workload_is_a_dangling_reference() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a")]))
        .provider(OpaqueSecretProvider::new("app").namespace("infra"))
        .add_secret("A");
    let shop = app_in("shop", "team-shop").use_secrets(&m, |c| {
        c.secrets("A").for_name("APP_A").inject();
    });
    let project = Project::new().stack("shop", shop).secrets(m);
    let (code, _, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("stack `shop`, resource `deployment`, container 0 (`shop`): env var `APP_A` refers to Secret `app` in namespace `team-shop`, but it is delivered only in namespace `infra`; a pod can only read Secrets of its own namespace: remove the provider's explicit namespace, or set it to `team-shop`"),
        "{err}"
    );
}

#[test]
fn dangling_references_of_every_kind_are_each_reported() {
    // A basic-auth credential read through env (key `username`) and envFrom; a docker config in
    // imagePullSecrets; a TLS Secret mounted as a volume. The template's override adds references
    // that nothing delivers.
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([
            ("DB", r#"{"username":"u","password":"p"}"#),
            ("TLS", tls_value().as_str()),
        ]))
        .provider(BasicAuthSecretProvider::new("db-auth"))
        .provider(TlsSecretProvider::new("tls"))
        .add_secret(kubricate::SecretSpec::new("DB").provider("BasicAuthSecretProvider"))
        .add_secret(kubricate::SecretSpec::new("TLS").provider("TlsSecretProvider"));
    let stack = app("web", "web")
        .use_secrets(&m, |c| {
            c.secrets("DB").for_name("DB_USER").inject_as(env().key("username"));
            c.secrets("TLS")
                .inject_as(volume("/etc/tls").item("tls.crt", "cert.pem").item("ca.crt", "ca.pem"));
        })
        .r#override(json!({ "deployment": { "spec": { "template": { "spec": {
            "imagePullSecrets": [{ "name": "regcred" }],
            "initContainers": [{ "name": "migrate", "image": "web", "envFrom": [{ "secretRef": { "name": "migrations" } }] }]
        } } } } }));
    let project = Project::new().stack("web", stack).secrets(m);
    let (code, out, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("3 secret problem(s)"), "{err}");
    assert!(
        err.contains("stack `web`, resource `deployment`, init container 0 (`migrate`): envFrom refers to Secret `migrations`, which no provider of the project delivers; fix the name, give a provider of a registered secret manager the Secret name `migrations`, or declare a Secret created elsewhere with Project::external_secret(\"migrations\")"),
        "{err}"
    );
    assert!(
        err.contains("stack `web`, resource `deployment`: imagePullSecrets refers to Secret `regcred`, which no provider of the project delivers"),
        "{err}"
    );
    assert!(
        err.contains("stack `web`, resource `deployment`: volume `secret-tls` mounts key(s) `ca.crt` of Secret `tls`, which holds only `tls.crt`, `tls.key`; fix the volume strategy's items"),
        "{err}"
    );
    assert!(
        !err.contains("DB_USER"),
        "the basic-auth reference is fine: {err}"
    );

    let m2 = SecretManager::new()
        .connector(InMemoryConnector::new([("TLS", tls_value())]))
        .provider(TlsSecretProvider::new("tls"))
        .add_secret("TLS");
    let stack = app("web", "web")
        .use_secrets(&m2, |c| {
            c.secrets("TLS").inject_as(volume("/etc/tls"));
        })
        .r#override(json!({ "deployment": { "spec": { "template": { "spec": {
            "imagePullSecrets": [{ "name": "regcred" }]
        } } } } }));
    let project = Project::new()
        .stack("web", stack)
        .secrets(m2)
        .external_secret("regcred");
    let (code, out, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 0, "external Secrets are not checked: {err}");
    assert!(
        out.contains("1 Secret reference(s) in 1 stack(s) checked"),
        "{out}"
    );
}

#[test]
fn a_wrong_env_key_and_an_env_from_in_another_namespace_are_checked() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([(
            "API",
            r#"{"token":"t","endpoint":"e"}"#,
        )]))
        .provider(CustomTypeSecretProvider::new("api", "example.com/api").namespace("default"))
        .add_secret("API");
    let web = app_in("web", "default").use_secrets(&m, |c| {
        c.secrets("API")
            .for_name("API_REGION")
            .inject_as(env().key("region"));
    });
    let worker = app_in("worker", "jobs").use_secrets(&m, |c| {
        c.secrets("API").inject_as(env_from().prefix("API_"));
    });
    let project = Project::new()
        .stack("web", web)
        .stack("worker", worker)
        .secrets(m);
    let (code, _, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1);
    assert!(err.contains("2 secret problem(s)"), "{err}");
    assert!(
        err.contains("stack `web`, resource `deployment`, container 0 (`web`): env var `API_REGION` reads key `region` of Secret `default/api`, which holds only `endpoint`, `token`; fix the env strategy's `key` option, or the secret's value"),
        "{err}"
    );
    assert!(
        err.contains("stack `worker`, resource `deployment`, container 0 (`worker`): envFrom refers to Secret `api` in namespace `jobs`, but it is delivered only in namespace `default`"),
        "{err}"
    );
}

#[test]
fn image_pull_secret_must_be_a_docker_config() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a")]))
        .provider(OpaqueSecretProvider::new("app"))
        .add_secret("A");
    let stack = app("web", "web")
        .use_secrets(&m, |c| {
            c.secrets("A").inject();
        })
        .r#override(json!({ "deployment": { "spec": { "template": { "spec": {
            "imagePullSecrets": [{ "name": "app" }]
        } } } } }));
    let project = Project::new().stack("web", stack).secrets(m);
    let (code, _, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("imagePullSecrets names Secret `app` of type `Opaque`, but the kubelet only reads kubernetes.io/dockerconfigjson Secrets there"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Docker config: several registries in one Secret

#[test]
fn several_registries_merge_into_one_dockerconfigjson_end_to_end() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([
            (
                "GHCR",
                r#"{"username":"gh-bot","password":"gh-pass","registry":"ghcr.io"}"#,
            ),
            (
                "DOCKER_HUB",
                r#"{"username":"hub-bot","password":"hub-pass","registry":"https://index.docker.io/v1/"}"#,
            ),
        ]))
        .provider(DockerConfigSecretProvider::new("registry-secrets"))
        .add_secret("GHCR")
        .add_secret("DOCKER_HUB");
    let stack = app("web", "web").use_secrets(&m, |c| {
        c.secrets("GHCR").inject();
        c.secrets("DOCKER_HUB").inject_as(image_pull_secret());
    });
    let built = stack.build().unwrap();
    assert_eq!(
        built["deployment"].body()["spec"]["template"]["spec"]["imagePullSecrets"],
        json!([{ "name": "registry-secrets" }]),
        "one imagePullSecrets entry for one Secret"
    );
    let project = Project::new().stack("web", stack).secrets(m);
    let (code, out, err) =
        run_project(&project, &["secret", "apply", "--dry-run", "--show-values"]);
    assert_eq!(code, 0, "{err}");
    let docs = kubricate::yaml::from_str_multi(&out).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["type"], "kubernetes.io/dockerconfigjson");
    let data = docs[0]["data"].as_object().unwrap();
    assert_eq!(data.keys().collect::<Vec<_>>(), [".dockerconfigjson"]);
    let b64 = base64::engine::general_purpose::STANDARD;
    let config: Value = serde_json::from_slice(
        &b64.decode(data[".dockerconfigjson"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        config,
        json!({ "auths": {
            "ghcr.io": { "username": "gh-bot", "password": "gh-pass", "auth": b64.encode("gh-bot:gh-pass") },
            "https://index.docker.io/v1/": { "username": "hub-bot", "password": "hub-pass", "auth": b64.encode("hub-bot:hub-pass") }
        } })
    );
    let (code, out, _) = run_project(&project, &["secret", "apply", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(
        !out.contains("pass") && !out.contains(&b64.encode("gh-bot:gh-pass")),
        "{out}"
    );
}

#[test]
fn one_registry_twice_in_one_docker_config_is_an_intra_provider_conflict() {
    let m = SecretManager::new()
        .connector(InMemoryConnector::new([
            (
                "A",
                r#"{"username":"a","password":"CANARY-1","registry":"ghcr.io"}"#,
            ),
            (
                "B",
                r#"{"username":"b","password":"CANARY-2","registry":"ghcr.io"}"#,
            ),
        ]))
        .provider(DockerConfigSecretProvider::new("registry-secrets"))
        .add_secret("A")
        .add_secret("B");
    let stack = app("web", "web").use_secrets(&m, |c| {
        c.secrets("A").inject();
        c.secrets("B").inject();
    });
    let project = Project::new().stack("web", stack).secrets(m);
    let (code, _, err) = run_project(&project, &["secret", "validate"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Secret `registry-secrets` one registry entry (the same `registry`) is written by secret `A` and by secret `B` of provider `DockerConfigSecretProvider` of manager `default`: intraProvider conflict"),
        "{err}"
    );
    // The registry host comes from the values: the message does not show it.
    assert!(!err.contains("ghcr.io"), "{err}");
    assert!(!err.contains("CANARY"), "{err}");
}
