//! Every documented delivery path, run as a user runs it: each example's `generate --stdout` and
//! `secret apply --dry-run` against its goldens, plus the facts each scenario promises.

use std::collections::BTreeSet;

use crate::common::*;
use base64::Engine;
use serde_json::{json, Value};

/// Runs an example, asserting success; returns stdout.
fn ok(name: &str, args: &[&str]) -> String {
    ok_with(name, args, &[])
}

fn ok_with(name: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = run(name, args, env);
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

/// The document of `kind` named `name`.
fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} `{name}` in the output"))
}

/// `generate --stdout` and `secret apply --dry-run` of `name`, compared with its goldens.
fn generate_and_dry_run(name: &str) -> (Vec<Value>, Vec<Value>) {
    let manifests = ok(name, &["generate", "--stdout"]);
    assert_golden(&format!("{name}/generate.yml"), &manifests);
    let secrets = ok(name, &["secret", "apply", "--dry-run"]);
    assert_golden(&format!("{name}/apply-dry-run.yml"), &secrets);
    (docs(&manifests), docs(&secrets))
}

/// The Secrets with their real values (`--show-values`).
fn revealed(name: &str, env: &[(&str, &str)]) -> Vec<Value> {
    docs(&ok_with(
        name,
        &["secret", "apply", "--dry-run", "--show-values"],
        env,
    ))
}

fn b64decode(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().expect("a base64 string"))
        .expect("valid base64")
}

fn data_keys(secret: &Value) -> Vec<&str> {
    secret["data"]
        .as_object()
        .expect("data")
        .keys()
        .map(String::as_str)
        .collect()
}

fn env_names(container: &Value) -> Vec<&str> {
    container["env"]
        .as_array()
        .map(|env| env.iter().filter_map(|e| e["name"].as_str()).collect())
        .unwrap_or_default()
}

fn env_var<'a>(container: &'a Value, name: &str) -> &'a Value {
    container["env"]
        .as_array()
        .and_then(|env| env.iter().find(|e| e["name"] == name))
        .unwrap_or_else(|| panic!("no env var {name} in {container}"))
}

fn secret_key_ref(name: &str, secret: &str, key: &str) -> Value {
    json!({ "name": name, "valueFrom": { "secretKeyRef": { "name": secret, "key": key } } })
}

/// `KUBRICATE_SECRET_*` entries of an example's `.env`, unquoted as written there (none for an
/// example whose values live in memory).
fn dotenv_values(example: &str) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(workspace().join("examples").join(example).join(".env"))
    else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| l.strip_prefix("KUBRICATE_SECRET_"))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(v);
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Example names listed in the README's example table, in order.
fn readme_examples() -> Vec<String> {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let mut names = Vec::new();
    for line in readme.lines().filter(|l| l.starts_with('|')) {
        if let Some(start) = line.find("](examples/") {
            let rest = &line[start + "](examples/".len()..];
            let name = rest.split('/').next().unwrap_or_default();
            assert!(
                rest.starts_with(&format!("{name}/main.rs)")),
                "README links an example as examples/{name}/main.rs: {line}"
            );
            names.push(name.to_owned());
        }
    }
    names
}

// ---------------------------------------------------------------------------------------------
// Every example, from the README's table.

#[test]
fn every_example_is_in_the_readme_table_and_matches_its_goldens() {
    let listed = readme_examples();
    let on_disk: BTreeSet<String> = examples().into_iter().collect();
    assert_eq!(
        listed.iter().cloned().collect::<BTreeSet<_>>(),
        on_disk,
        "the README's example table and examples/ disagree"
    );
    assert_eq!(
        listed.len(),
        on_disk.len(),
        "an example is listed twice: {listed:?}"
    );
    for name in &listed {
        generate_and_dry_run(name);
        let out = ok(name, &["secret", "validate"]);
        assert!(out.starts_with("secret validate: OK"), "{name}: {out}");
    }
}

#[test]
fn no_example_prints_a_value_of_its_dotenv() {
    for name in readme_examples() {
        let mut values = Vec::new();
        for (_, raw) in dotenv_values(&name) {
            match serde_json::from_str::<serde_json::Map<String, Value>>(&raw) {
                // A registry host is not secret: it is also the image's host.
                Ok(obj) => values.extend(
                    obj.iter()
                        .filter(|(k, _)| *k != "registry")
                        .filter_map(|(_, v)| v.as_str().map(str::to_owned)),
                ),
                Err(_) => values.push(raw),
            }
        }
        for args in [
            &["generate", "--stdout"][..],
            &["secret", "apply", "--dry-run"],
            &["secret", "validate"],
            &["inspect"],
        ] {
            let out = run(&name, args, &[]);
            let text = format!("{}{}", stdout(&out), stderr(&out));
            for v in &values {
                let encoded = base64::engine::general_purpose::STANDARD.encode(v);
                assert!(
                    !text.contains(v.as_str()) && !text.contains(&encoded),
                    "{name} {args:?} shows a value of its .env"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rename secrets during injection.

#[test]
fn rename_secrets_keeps_the_logical_name_as_the_key() {
    let (manifests, secrets) = generate_and_dry_run("rename-secrets");
    let container =
        &find(&manifests, "Deployment", "api-service")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["env"],
        json!([
            secret_key_ref("DATABASE_URL", "app-secrets", "pg_connection_string"),
            secret_key_ref("STRIPE_SECRET_KEY", "app-secrets", "stripe_api_key"),
        ])
    );
    let secret = find(&secrets, "Secret", "app-secrets");
    assert_eq!(
        data_keys(secret),
        ["pg_connection_string", "stripe_api_key"]
    );
    assert_eq!(secret["type"], "Opaque");
}

// ---------------------------------------------------------------------------------------------
// Target specific containers (sidecar how-to), plus init containers.

#[test]
fn target_containers_by_index_by_name_and_init_container() {
    let (manifests, secrets) = generate_and_dry_run("target-containers");
    let pod = &find(&manifests, "Deployment", "multi-container-app")["spec"]["template"]["spec"];
    let main = &pod["containers"][0];
    let sidecar = &pod["containers"][1];
    let init = &pod["initContainers"][0];
    assert_eq!(main["name"], "main-app");
    assert_eq!(env_names(main), ["DATABASE_URL", "APP_SECRET"]);
    assert_eq!(sidecar["name"], "my-sidecar");
    assert_eq!(env_names(sidecar), ["SIDECAR_TOKEN", "MONITORING_TOKEN"]);
    assert_eq!(init["name"], "db-migrate");
    assert_eq!(
        init["env"],
        json!([secret_key_ref(
            "DATABASE_URL",
            "secret-application",
            "DATABASE_URL"
        )])
    );
    assert_eq!(
        env_var(sidecar, "MONITORING_TOKEN"),
        &secret_key_ref("MONITORING_TOKEN", "secret-application", "MONITORING_TOKEN")
    );
    assert_eq!(
        pod["containers"].as_array().unwrap().len(),
        2,
        "no container is added"
    );
    assert_eq!(
        data_keys(find(&secrets, "Secret", "secret-application")),
        [
            "APP_SECRET",
            "DATABASE_URL",
            "MONITORING_TOKEN",
            "SIDECAR_TOKEN"
        ]
    );
}

#[test]
fn container_index_past_the_end_names_stack_resource_and_count() {
    use kubricate::prelude::*;
    let manager = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("secret-application"))
        .add_secret("REDIS_URL");
    let stack = simple_app("multi-container-app", "app").use_secrets(&manager, |c| {
        c.secrets("REDIS_URL")
            .inject_as(kubricate::strategy::env().container_index(2));
    });
    let err = stack.build().unwrap_err().to_string();
    assert!(
        err.contains("stack `SimpleApp`, resource `deployment`: container 2 is out of range: the pod has 1 container(s) (`multi-container-app`); use an index below 1"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Target specific resources; the debugging aids.

#[test]
fn target_resources_into_resource_and_default_with_override() {
    let (manifests, _) = generate_and_dry_run("target-resources");
    let container = |name: &str| {
        find(&manifests, "Deployment", name)["spec"]["template"]["spec"]["containers"][0].clone()
    };
    assert_eq!(
        env_names(&container("shop-web")),
        ["WEB_SECRET", "APP_SECRET"]
    );
    assert_eq!(
        env_names(&container("shop-worker")),
        ["WORKER_SECRET", "QUEUE_TOKEN"]
    );
    let service = find(&manifests, "Service", "shop-web");
    assert!(service["spec"].get("template").is_none());
}

#[test]
fn inspect_lists_resource_ids_and_injections() {
    let out = ok("target-resources", &["inspect"]);
    assert_golden("target-resources/inspect.txt", &out);
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!(
            "$ cargo run --example target-resources -- inspect\n{out}```"
        )),
        "the README's Debugging section shows this output"
    );
    assert!(
        out.contains("  resource webDeployment: Deployment\n"),
        "{out}"
    );
    assert!(
        out.contains("inject QUEUE_TOKEN as QUEUE_TOKEN via env (OpaqueSecretProvider) into workerDeployment, container 0 -> Secret app-secrets"),
        "{out}"
    );
}

/// The README's "Debugging" snippet, as code: resource ids before and after `build()`, and the
/// registered injections.
#[test]
fn debugging_aids_of_the_readme() {
    use kubricate::prelude::*;
    let manager = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app-secrets"))
        .add_secret("DATABASE_URL");
    let stack = simple_app("api-service", "api").use_secrets(&manager, |c| {
        c.secrets("DATABASE_URL").inject();
    });

    assert_eq!(stack.resource_ids(), ["deployment", "service"]);
    let built = stack.build().expect("the stack builds");
    assert_eq!(
        built.keys().map(String::as_str).collect::<Vec<_>>(),
        ["deployment", "service"]
    );
    let containers = built["deployment"].body()["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers[0]["name"], "api-service");

    let inj = &stack.injections()[0];
    assert_eq!(
        (inj.secret(), inj.target_name(), inj.resource_id()),
        ("DATABASE_URL", "DATABASE_URL", "deployment")
    );
    assert_eq!(inj.strategy().kind().to_string(), "env");
    assert_eq!(inj.provider().secret_name(), "app-secrets");

    let any = manager.as_any();
    let spec = manager.secrets().next().unwrap();
    assert_eq!(spec.name, "DATABASE_URL");
    assert_eq!(
        any.provider_for(&spec.name).map(|(id, _)| id),
        Ok("OpaqueSecretProvider")
    );
    assert_eq!(
        any.connector_for(&spec.name).map(|(id, _)| id),
        Ok("InMemoryConnector")
    );
}

// ---------------------------------------------------------------------------------------------
// Docker registry authentication.

#[test]
fn docker_registry_auth_adds_image_pull_secrets_once() {
    let (manifests, secrets) = generate_and_dry_run("docker-registry-auth");
    let pod = &find(&manifests, "Deployment", "api-service")["spec"]["template"]["spec"];
    // Two secrets of `registry-secrets` are injected; the pod lists the Secret once.
    assert_eq!(
        pod["imagePullSecrets"],
        json!([{ "name": "registry-secrets" }])
    );
    assert_eq!(pod["containers"][0]["image"], "registry.example.com/api");
    assert!(
        pod["containers"][0].get("env").is_none(),
        "registry credentials are not env vars"
    );
    let github = &find(&manifests, "Deployment", "github-app")["spec"]["template"]["spec"];
    assert_eq!(
        github["imagePullSecrets"],
        json!([{ "name": "github-registry-auth" }])
    );
    for name in ["registry-secrets", "github-registry-auth"] {
        let s = find(&secrets, "Secret", name);
        assert_eq!(s["type"], "kubernetes.io/dockerconfigjson");
        assert_eq!(data_keys(s), [".dockerconfigjson"]);
    }
}

/// `kubectl create secret docker-registry` for one registry value of the example's `.env`.
fn kubectl_docker_config(secret_name: &str, value: &str) -> Value {
    let v: Value = serde_json::from_str(value).expect("a JSON value in .env");
    let out = std::process::Command::new("kubectl")
        .args(["create", "secret", "docker-registry", secret_name])
        .arg(format!(
            "--docker-server={}",
            v["registry"].as_str().unwrap()
        ))
        .arg(format!(
            "--docker-username={}",
            v["username"].as_str().unwrap()
        ))
        .arg(format!(
            "--docker-password={}",
            v["password"].as_str().unwrap()
        ))
        .args(["--dry-run=client", "-o", "json"])
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn docker_config_json_equals_kubectl_create_secret_docker_registry() {
    if !kubectl_available() {
        eprintln!("skipped: kubectl is not on PATH");
        return;
    }
    let values = dotenv_values("docker-registry-auth");
    let value = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let ours = revealed("docker-registry-auth", &[]);
    for (secret, sources) in [
        (
            "registry-secrets",
            &["DOCKER_REGISTRY_TOKEN", "MIRROR_REGISTRY_TOKEN"][..],
        ),
        ("github-registry-auth", &["GITHUB_DOCKER_SECRET"]),
    ] {
        // kubectl writes one registry per Secret; ours merges the secrets of one provider, so the
        // expected document is the union of kubectl's `auths`.
        let mut auths = serde_json::Map::new();
        let mut kubectl_type = Value::Null;
        for source in sources {
            let theirs = kubectl_docker_config(secret, &value(source));
            kubectl_type = theirs["type"].clone();
            let doc: Value =
                serde_json::from_slice(&b64decode(&theirs["data"][".dockerconfigjson"])).unwrap();
            auths.extend(doc["auths"].as_object().unwrap().clone());
        }
        let expected = json!({ "auths": auths });
        let s = find(&ours, "Secret", secret);
        let decoded: Value =
            serde_json::from_slice(&b64decode(&s["data"][".dockerconfigjson"])).unwrap();
        assert_eq!(decoded, expected, "{secret}");
        assert_eq!(s["type"], kubectl_type);
    }
}

#[test]
fn docker_value_of_the_wrong_shape_names_the_secret_and_fields_but_not_the_value() {
    let canary = "CANARY-4c1d-user";
    let partial = format!(r#"{{"username":"{canary}"}}"#);
    let plain = "CANARY-4c1d-plain-text";
    for (value, expected) in [
        (
            partial.as_str(),
            "secret `DOCKER_REGISTRY_TOKEN` for DockerConfigSecretProvider must be a JSON object with fields {\"username\", \"password\", \"registry\"}: missing field(s): password, registry",
        ),
        (
            plain,
            "secret `DOCKER_REGISTRY_TOKEN` for DockerConfigSecretProvider must be a JSON object with fields {\"username\", \"password\", \"registry\"}, but its value is not a JSON object",
        ),
    ] {
        let env = [("KUBRICATE_SECRET_DOCKER_REGISTRY_TOKEN", value)];
        for args in [
            &["secret", "validate"][..],
            &["secret", "apply", "--dry-run"],
        ] {
            let out = run("docker-registry-auth", args, &env);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            let err = stderr(&out);
            assert!(err.contains(expected), "{err}");
            assert!(
                !err.contains("CANARY") && !stdout(&out).contains("CANARY"),
                "{err}"
            );
        }
        // Manifests only reference Secrets, so generating does not need the value.
        ok_with("docker-registry-auth", &["generate", "--stdout"], &env);
    }
}

// ---------------------------------------------------------------------------------------------
// Template overrides.

#[test]
fn template_overrides_patch_resources_and_injections_land_in_the_result() {
    let (manifests, secrets) = generate_and_dry_run("template-overrides");
    let deployment = find(&manifests, "Deployment", "multi-override-app");
    assert_eq!(deployment["spec"]["replicas"], 5);
    let containers = deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(
        containers.len(),
        1,
        "the override names the template's container: merged into it, not added"
    );
    let container = &containers[0];
    assert_eq!(container["resources"]["limits"]["memory"], "256Mi");
    assert_eq!(
        container["ports"],
        json!([{ "containerPort": 80 }]),
        "containers merge by name: what the override does not say is kept"
    );
    assert_eq!(
        container["env"],
        json!([
            { "name": "NODE_ENV", "value": "production" },
            { "name": "REPLICAS", "value": "5" },
            secret_key_ref("DATABASE_URL", "app-secrets", "DATABASE_URL"),
        ])
    );
    let service = find(&manifests, "Service", "multi-override-app");
    assert_eq!(service["spec"]["type"], "LoadBalancer");
    assert_eq!(service["spec"]["selector"]["app"], "multi-override-app");
    assert_eq!(
        service["spec"]["ports"],
        json!([{ "port": 80, "targetPort": 3000, "protocol": "TCP" }]),
        "unnamed ports are replaced as a list"
    );
    let secret = find(&secrets, "Secret", "app-secrets");
    assert_eq!(secret["metadata"]["namespace"], "production");
}

#[test]
fn override_after_use_secrets_gives_the_same_result_and_unknown_ids_fail() {
    use kubricate::prelude::*;
    let manager = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app-secrets"))
        .add_secret("DATABASE_URL");
    let input = || SimpleAppInput {
        name: "web-app",
        image_name: "nginx",
        ..Default::default()
    };
    let patch = json!({ "service": { "spec": { "type": "LoadBalancer" } } });
    let first = Stack::from_template(SimpleApp, input())
        .override_with(patch.clone())
        .use_secrets(&manager, |c| {
            c.secrets("DATABASE_URL").inject();
        })
        .build()
        .unwrap();
    let last = Stack::from_template(SimpleApp, input())
        .use_secrets(&manager, |c| {
            c.secrets("DATABASE_URL").inject();
        })
        .override_with(patch)
        .build()
        .unwrap();
    assert_eq!(first, last);
    assert_eq!(first["service"].body()["spec"]["type"], "LoadBalancer");

    let err = Stack::from_template(SimpleApp, input())
        .override_with(json!({ "svc": { "spec": { "type": "LoadBalancer" } } }))
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("override: resource `svc` not found in stack `SimpleApp`; available resource ids: deployment, service"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Basic auth.

#[test]
fn basic_auth_env_keys_and_env_from_prefix() {
    let (manifests, secrets) = generate_and_dry_run("basic-auth");
    let container =
        &find(&manifests, "Deployment", "api-service")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["env"],
        json!([
            secret_key_ref("API_USER", "api-auth", "username"),
            secret_key_ref("API_PASSWORD", "api-auth", "password"),
            // `db-auth` through env too, next to its envFrom: both written.
            secret_key_ref("DATABASE_USER", "db-auth", "username"),
        ])
    );
    assert_eq!(
        container["envFrom"],
        json!([{ "prefix": "DB_", "secretRef": { "name": "db-auth" } }])
    );
    for name in ["api-auth", "db-auth"] {
        let s = find(&secrets, "Secret", name);
        assert_eq!(s["type"], "kubernetes.io/basic-auth");
        assert_eq!(data_keys(s), ["password", "username"]);
    }
    let shown = revealed("basic-auth", &[]);
    let api = find(&shown, "Secret", "api-auth");
    assert_eq!(b64decode(&api["data"]["username"]), b"api-user");
}

/// A basic-auth stack built with the runtime API, injecting `DB_CREDENTIALS` the given ways.
fn basic_auth_stack(
    f: impl FnOnce(&mut kubricate::Injector),
) -> Result<kubricate::ResourceMap, kubricate::StackError> {
    use kubricate::prelude::*;
    let manager = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider_as("db-auth", BasicAuthSecretProvider::new("db-auth"))
        .add_secret(kubricate::SecretSpec::new("DB_CREDENTIALS").provider("db-auth"));
    simple_app("api-service", "api")
        .use_secrets(&manager, f)
        .build()
}

#[test]
fn basic_auth_env_and_env_from_of_one_secret_in_one_container_are_both_rendered() {
    // Kubernetes and the reference accept it (an `env` entry wins over an `envFrom` variable of
    // the same name), in either order of the calls.
    use kubricate::strategy::{env, env_from};
    let env_first = basic_auth_stack(|c| {
        c.secrets("DB_CREDENTIALS")
            .for_name("DB_USER")
            .inject_as(env().key("username"));
        c.secrets("DB_CREDENTIALS")
            .inject_as(env_from().prefix("DB_"));
    })
    .unwrap();
    let from_first = basic_auth_stack(|c| {
        c.secrets("DB_CREDENTIALS")
            .inject_as(env_from().prefix("DB_"));
        c.secrets("DB_CREDENTIALS")
            .for_name("DB_USER")
            .inject_as(env().key("username"));
    })
    .unwrap();
    for built in [env_first, from_first] {
        let c = &built["deployment"].body()["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            c["env"],
            serde_json::json!([{ "name": "DB_USER", "valueFrom": { "secretKeyRef": { "name": "db-auth", "key": "username" } } }])
        );
        assert_eq!(
            c["envFrom"],
            serde_json::json!([{ "prefix": "DB_", "secretRef": { "name": "db-auth" } }])
        );
    }
}

#[test]
fn basic_auth_env_from_with_two_prefixes_is_an_error() {
    use kubricate::strategy::env_from;
    let err = basic_auth_stack(|c| {
        c.secrets("DB_CREDENTIALS")
            .inject_as(env_from().prefix("DB_"));
        c.secrets("DB_CREDENTIALS")
            .inject_as(env_from().prefix("PG_"));
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("gets Secret `db-auth` through envFrom with two different prefixes (`DB_` and `PG_`); use one"),
        "{err}"
    );

    // The same prefix twice is one envFrom entry, not an error.
    let built = basic_auth_stack(|c| {
        c.secrets("DB_CREDENTIALS")
            .inject_as(env_from().prefix("DB_"));
        c.secrets("DB_CREDENTIALS")
            .inject_as(env_from().prefix("DB_"));
    })
    .unwrap();
    let container = &built["deployment"].body()["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["envFrom"].as_array().unwrap().len(), 1);
}

#[test]
fn basic_auth_env_and_env_from_in_different_containers_are_fine() {
    use kubricate::prelude::*;
    use kubricate::strategy::{env, env_from};
    let manager = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(BasicAuthSecretProvider::new("db-auth"))
        .add_secret("DB_CREDENTIALS");
    let stack = simple_app("api-service", "api")
        .override_with(
            json!({ "deployment": { "spec": { "template": { "spec": { "containers": [
        { "name": "api-service", "image": "api" }, { "name": "sidecar", "image": "sidecar" }
    ] } } } } }),
        )
        .use_secrets(&manager, |c| {
            c.secrets("DB_CREDENTIALS")
                .for_name("DB_USER")
                .inject_as(env().key("username"));
            c.secrets("DB_CREDENTIALS")
                .inject_as(env_from().container_name("sidecar"));
        });
    let built = stack.build().unwrap();
    let pod = &built["deployment"].body()["spec"]["template"]["spec"];
    assert_eq!(pod["containers"][0]["env"][0]["name"], "DB_USER");
    assert_eq!(
        pod["containers"][1]["envFrom"][0]["secretRef"]["name"],
        "db-auth"
    );
}

// ---------------------------------------------------------------------------------------------
// Multiple providers.

#[test]
fn multiple_providers_in_one_manager_deliver_to_the_stack_namespace() {
    let (manifests, secrets) = generate_and_dry_run("multiple-providers");
    let deployment = find(&manifests, "Deployment", "web-app");
    assert_eq!(deployment["metadata"]["namespace"], "production");
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(
        pod["imagePullSecrets"],
        json!([{ "name": "registry-auth" }])
    );
    assert_eq!(
        pod["containers"][0]["env"],
        json!([
            secret_key_ref("DATABASE_URL", "app-secrets", "DATABASE_URL"),
            secret_key_ref("JWT_SECRET", "app-secrets", "JWT_SECRET"),
            secret_key_ref("CACHE_URL", "app-secrets", "REDIS_URL"),
        ])
    );
    let opaque = find(&secrets, "Secret", "app-secrets");
    assert_eq!(opaque["type"], "Opaque");
    assert_eq!(opaque["metadata"]["namespace"], "production");
    assert_eq!(
        data_keys(opaque),
        ["DATABASE_URL", "JWT_SECRET", "REDIS_URL"]
    );
    let docker = find(&secrets, "Secret", "registry-auth");
    assert_eq!(docker["type"], "kubernetes.io/dockerconfigjson");
    assert_eq!(docker["metadata"]["namespace"], "production");
    assert_eq!(secrets.len(), 2);
}

#[test]
fn two_registry_secrets_of_one_provider_merge_into_one_docker_config() {
    let shown = revealed("multiple-providers", &[]);
    let docker = find(&shown, "Secret", "registry-auth");
    let doc: Value =
        serde_json::from_slice(&b64decode(&docker["data"][".dockerconfigjson"])).unwrap();
    let auths = doc["auths"].as_object().unwrap();
    assert_eq!(
        auths.keys().map(String::as_str).collect::<Vec<_>>(),
        ["your-registry.com", "ghcr.io"]
    );
    assert_eq!(auths["ghcr.io"]["username"], "github-user");
    let auth = base64::engine::general_purpose::STANDARD.encode("your-user:your-token");
    assert_eq!(auths["your-registry.com"]["auth"], auth.as_str());
}

// ---------------------------------------------------------------------------------------------
// CronJob and the other workload kinds.

#[test]
fn cronjob_and_friends_inject_at_the_path_of_each_kind() {
    let (manifests, secrets) = generate_and_dry_run("cronjob-and-friends");
    let expected = json!([secret_key_ref("ENV_APP_KEY", "app-secrets", "my_app_key")]);
    for (kind, name, pointer) in [
        (
            "CronJob",
            "my-cron-job",
            "/spec/jobTemplate/spec/template/spec/containers/0/env",
        ),
        ("Job", "db-migrate", "/spec/template/spec/containers/0/env"),
        (
            "StatefulSet",
            "queue",
            "/spec/template/spec/containers/0/env",
        ),
        (
            "DaemonSet",
            "log-shipper",
            "/spec/template/spec/containers/0/env",
        ),
        ("Pod", "debug-shell", "/spec/containers/0/env"),
    ] {
        let doc = find(&manifests, kind, name);
        assert_eq!(doc.pointer(pointer), Some(&expected), "{kind} {name}");
    }
    assert_eq!(manifests.len(), 5);
    assert_eq!(
        data_keys(find(&secrets, "Secret", "app-secrets")),
        ["my_app_key"]
    );
}

// ---------------------------------------------------------------------------------------------
// TLS, SSH and custom types.

#[test]
fn tls_ssh_custom_env_env_from_and_volumes() {
    let (manifests, secrets) = generate_and_dry_run("tls-ssh-custom");
    let pod = |name: &str| find(&manifests, "Deployment", name)["spec"]["template"]["spec"].clone();

    let web = pod("web-server");
    assert_eq!(
        web["volumes"],
        json!([{ "name": "secret-web-tls", "secret": { "secretName": "web-tls",
            "items": [{ "key": "tls.crt", "path": "server.crt" }, { "key": "tls.key", "path": "server.key" }],
            "defaultMode": 0o400 } }]),
        "one volume for two mounts"
    );
    assert_eq!(
        web["containers"][0]["volumeMounts"],
        json!([{ "name": "secret-web-tls", "mountPath": "/etc/nginx/tls", "readOnly": true }])
    );
    assert_eq!(
        web["containers"][1]["volumeMounts"],
        json!([{ "name": "secret-web-tls", "mountPath": "/certs", "readOnly": true }])
    );
    assert_eq!(
        web["containers"][0]["env"],
        json!([secret_key_ref("TLS_CERT", "web-tls", "tls.crt")])
    );
    assert_eq!(
        web["containers"][1]["envFrom"],
        json!([{ "prefix": "TLS_", "secretRef": { "name": "web-tls" } }])
    );

    let git = pod("git-sync");
    assert_eq!(
        git["volumes"],
        json!([{ "name": "secret-git-ssh", "secret": { "secretName": "git-ssh", "defaultMode": 0o400 } }])
    );
    assert_eq!(
        git["containers"][0]["env"],
        json!([secret_key_ref("GIT_SSH_KEY", "git-ssh", "ssh-privatekey")])
    );
    assert_eq!(
        git["containers"][1]["envFrom"][0]["secretRef"]["name"],
        "git-ssh"
    );

    let vendor = pod("vendor-agent");
    assert_eq!(
        vendor["volumes"][0]["secret"]["items"],
        json!([{ "key": "API_TOKEN", "path": "token" }])
    );
    assert_eq!(
        vendor["containers"][0]["env"],
        json!([secret_key_ref("VENDOR_TOKEN", "vendor-api", "API_TOKEN")])
    );
    assert_eq!(vendor["containers"][1]["envFrom"][0]["prefix"], "VENDOR_");

    let tls = find(&secrets, "Secret", "web-tls");
    assert_eq!(tls["type"], "kubernetes.io/tls");
    assert_eq!(data_keys(tls), ["tls.crt", "tls.key"]);
    let ssh = find(&secrets, "Secret", "git-ssh");
    assert_eq!(ssh["type"], "kubernetes.io/ssh-auth");
    assert_eq!(data_keys(ssh), ["known_hosts", "ssh-privatekey"]);
    let custom = find(&secrets, "Secret", "vendor-api");
    assert_eq!(custom["type"], "vendor.example.com/api-credentials");
    assert_eq!(data_keys(custom), ["API_ENDPOINT", "API_TOKEN"]);

    let shown = revealed("tls-ssh-custom", &[]);
    let crt = b64decode(&find(&shown, "Secret", "web-tls")["data"]["tls.crt"]);
    assert!(
        crt.starts_with(b"-----BEGIN CERTIFICATE-----\nMII")
            && crt.ends_with(b"-----END CERTIFICATE-----\n")
    );
}

#[test]
fn ssh_known_hosts_is_omitted_when_absent_or_empty() {
    let key = r#""ssh-privatekey":"-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE\n-----END OPENSSH PRIVATE KEY-----\n""#;
    for value in [
        format!("{{{key}}}"),
        format!(r#"{{{key},"known_hosts":""}}"#),
    ] {
        let shown = revealed("tls-ssh-custom", &[("KUBRICATE_SECRET_GIT_SSH", &value)]);
        let ssh = find(&shown, "Secret", "git-ssh");
        assert_eq!(data_keys(ssh), ["ssh-privatekey"], "{value}");
    }
}

#[test]
fn custom_type_key_outside_the_allowed_ones_is_an_error_naming_its_position_not_its_name() {
    let value = r#"{"API_TOKEN":"CANARY-9e2b-token","REGION":"CANARY-9e2b-eu"}"#;
    let out = run(
        "tls-ssh-custom",
        &["secret", "validate"],
        &[("KUBRICATE_SECRET_VENDOR_API", value)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("secret `VENDOR_API` for CustomTypeSecretProvider has 1 unknown field(s) (the 2nd field of its value); allowed: API_TOKEN, API_ENDPOINT"),
        "{err}"
    );
    // A field name outside the schema comes from the value: it is not shown either.
    assert!(!err.contains("REGION"), "{err}");
    assert!(!err.contains("CANARY") && !stdout(&out).contains("CANARY"));
}

#[test]
fn tls_value_without_key_names_the_missing_field() {
    let value = r#"{"cert":"CANARY-5a0c-cert"}"#;
    let out = run(
        "tls-ssh-custom",
        &["secret", "apply", "--dry-run"],
        &[("KUBRICATE_SECRET_SERVER_TLS", value)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("secret `SERVER_TLS` for TlsSecretProvider must be a JSON object with fields {\"cert\", \"key\"}: missing field(s): key"),
        "{err}"
    );
    assert!(!err.contains("CANARY") && !stdout(&out).contains("CANARY"));
}

#[test]
fn custom_type_env_key_outside_the_allowed_ones_fails_the_build() {
    use kubricate::prelude::*;
    let manager = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(
            CustomTypeSecretProvider::new("vendor-api", "vendor.example.com/api-credentials")
                .allowed_keys(["API_TOKEN", "API_ENDPOINT"]),
        )
        .add_secret("VENDOR_API");
    let err = simple_app("agent", "agent")
        .use_secrets(&manager, |c| {
            c.secrets("VENDOR_API")
                .inject_as(kubricate::strategy::env().key("REGION"));
        })
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("secret `VENDOR_API`: key `REGION` is not allowed by CustomTypeSecretProvider `vendor-api`; allowed: API_TOKEN, API_ENDPOINT"),
        "{err}"
    );
}

/// Every Rust block of the README is compiled by `cargo test -p kubricate --doc` (the README is
/// included as a doctest in kubricate/src/lib.rs): none may opt out with `ignore`, and a block in
/// another spelling (`rs`, no language) would not be compiled at all.
#[test]
fn every_rust_block_of_the_readme_is_a_doctest() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let lib = std::fs::read_to_string(workspace().join("kubricate/src/lib.rs")).unwrap();
    assert!(lib.contains("#[doc = include_str!(\"../../README.md\")]"));
    let mut rust_blocks = 0;
    let mut in_block = false;
    for line in readme.lines() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        if in_block {
            in_block = false;
            continue;
        }
        in_block = true;
        assert!(
            !info.is_empty(),
            "a README block without a language: say what it is"
        );
        assert!(
            !matches!(info, "rs" | "rust,ignore" | "ignore"),
            "README block ```{info} is not compiled"
        );
        if info == "rust" || info == "rust,no_run" {
            rust_blocks += 1;
        }
    }
    assert!(rust_blocks >= 3, "{rust_blocks} Rust blocks");
}

/// `cargo run --example NAME` builds the root package, whose dependencies must hold no test tool
/// (those are dev-dependencies of this package, `tests/`): the first run stays short.
#[test]
fn the_examples_package_depends_on_no_test_tool() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .current_dir(workspace())
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "kubricate-workspace",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{lib}",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let crates: BTreeSet<String> = stdout(&out)
        .lines()
        .map(|l| l.trim_end_matches(" (*)").to_owned())
        .collect();
    assert!(crates.contains("kubricate"), "{crates:?}");
    for tool in ["proptest", "trybuild", "divan", "tempfile", "k8s_openapi"] {
        assert!(
            !crates.contains(tool),
            "the examples build {tool}: {crates:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Connectors: files and commands.

#[test]
fn file_connector_delivers_every_file_byte_for_byte_per_environment() {
    for stage in ["dev", "staging"] {
        let env = [("KUBRICATE_ENV", stage)];
        let shown = revealed("file-connector", &env);
        let dir = workspace()
            .join("examples/file-connector/secrets")
            .join(stage);
        let file = |n: &str| std::fs::read(dir.join(n)).unwrap();
        let opaque = find(&shown, "Secret", "app-secrets");
        assert_eq!(
            b64decode(&opaque["data"]["API_KEY"]),
            file("API_KEY"),
            "{stage}"
        );
        assert!(file("API_KEY").ends_with(b"-$NOT_EXPANDED-${NOR_THIS}\n"));
        let tls = find(&shown, "Secret", "web-tls");
        assert_eq!(b64decode(&tls["data"]["tls.crt"]), file("tls.crt"));
        assert_eq!(b64decode(&tls["data"]["tls.key"]), file("tls.key"));
        let docker = find(&shown, "Secret", "registry-config");
        assert_eq!(
            b64decode(&docker["data"][".dockerconfigjson"]),
            file("docker-config.json"),
            "a docker config.json is delivered as written"
        );
    }
    // A certificate with another environment's key is refused by `secret validate`.
    let work = tempdir();
    let dev = workspace().join("examples/file-connector/secrets/dev");
    let staging = workspace().join("examples/file-connector/secrets/staging");
    for (f, from) in [
        ("API_KEY", &dev),
        ("docker-config.json", &dev),
        ("tls.crt", &dev),
        ("tls.key", &staging),
    ] {
        std::fs::copy(from.join(f), work.path().join(f)).unwrap();
    }
    let mixed = work.path().to_string_lossy().into_owned();
    let out = run(
        "file-connector",
        &["secret", "validate"],
        &[("KUBRICATE_ENV", &mixed)],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("secret `SERVER_TLS` for TlsSecretProvider: `key` does not belong to `cert`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn command_connector_runs_one_command_per_secret_and_trims_one_newline() {
    let shown = revealed("command-connector", &[]);
    let s = find(&shown, "Secret", "app-secrets");
    assert_eq!(
        b64decode(&s["data"]["DATABASE_URL"]),
        b"postgresql://app:example-$ecret@db.example.internal:5432/app"
    );
    assert_eq!(
        b64decode(&s["data"]["API_TOKEN"]),
        br#"example-token-with "quotes" and $dollars"#
    );
    assert_eq!(
        b64decode(&s["data"]["SIGNING_KEY"]),
        b"example-signing-key-0000"
    );
}

#[test]
fn secret_validate_refuses_non_pem_tls_and_a_secret_over_one_mebibyte() {
    let out = run(
        "tls-ssh-custom",
        &["secret", "validate"],
        &[(
            "KUBRICATE_SECRET_SERVER_TLS",
            r#"{"cert":"hello","key":"world"}"#,
        )],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("secret `SERVER_TLS` for TlsSecretProvider: `cert` is not PEM"),
        "{err}"
    );
    assert!(!err.contains("hello") && !err.contains("world"), "{err}");

    let work = tempdir();
    let dev = workspace().join("examples/file-connector/secrets/dev");
    for f in ["docker-config.json", "tls.crt", "tls.key"] {
        std::fs::copy(dev.join(f), work.path().join(f)).unwrap();
    }
    let big = work.path().to_string_lossy().into_owned();
    // A value under 1 MiB whose Secret (key name included) is over it: the Secret-level check.
    std::fs::write(work.path().join("API_KEY"), vec![b'k'; 1024 * 1024 - 3]).unwrap();
    let out = run(
        "file-connector",
        &["secret", "validate"],
        &[("KUBRICATE_ENV", &big)],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("Secret `app-secrets` holds 1048580 bytes of data, more than the 1 MiB"),
        "{}",
        stderr(&out)
    );
    // A file over 1 MiB is refused while it is read (the rest is never read).
    std::fs::write(work.path().join("API_KEY"), vec![b'k'; 100 * 1024 * 1024]).unwrap();
    let out = run(
        "file-connector",
        &["secret", "validate"],
        &[("KUBRICATE_ENV", &big)],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("API_KEY is larger than 1 MiB (secret `API_KEY`)"),
        "{}",
        stderr(&out)
    );
}
