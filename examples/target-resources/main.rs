//! "Target specific resources": a stack with two Deployments, where each injection names its
//! resource, or a default resource covers most of them.
//!
//! ```sh
//! cargo run --example target-resources -- generate --stdout
//! cargo run --example target-resources -- secret apply --dry-run
//! cargo run --example target-resources -- inspect
//! ```
//!
//! `WebAndWorker` is a user template: a `#[derive(Resources)]` struct tells the compiler its resource
//! ids (`webDeployment`, `workerDeployment`, `webService`), so a misspelt `.into_resource(..)` or
//! `set_default_resource_id(..)` is a compile error listing them, and so is an `.inject()` without a
//! resource (two Deployments: which one?). Values come from `examples/target-resources/.env`.

use kubricate::prelude::*;
use serde_json::json;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    WebSecret,
    WorkerSecret,
    AppSecret,
    QueueToken,
}

pub fn secret_manager() -> SecretManager<AppSecrets> {
    SecretManager::new()
        .connector(EnvConnector::new().working_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/target-resources"
        )))
        .provider(OpaqueSecretProvider::new("app-secrets"))
}

/// The template's resources; the field `web_deployment` is the resource id `webDeployment`.
#[derive(Resources)]
pub struct WebAndWorker {
    web_deployment: Resource<kinds::Deployment>,
    worker_deployment: Resource<kinds::Deployment>,
    web_service: Resource<kinds::Service>,
}

/// A web Deployment with its Service, and a background worker Deployment.
pub struct WebAndWorkerTemplate;

/// Input of [`WebAndWorkerTemplate`].
pub struct WebAndWorkerInput<'a> {
    pub name: &'a str,
    pub image: &'a str,
}

fn deployment(name: &str, image: &str, args: &[&str]) -> Resource<kinds::Deployment> {
    Resource::new(json!({
        "metadata": { "name": name },
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": { "app": name } },
            "template": {
                "metadata": { "labels": { "app": name } },
                "spec": { "containers": [{ "name": name, "image": image, "args": args }] }
            }
        }
    }))
    .expect("the literal is a Deployment")
}

impl Template for WebAndWorkerTemplate {
    type Input<'a> = WebAndWorkerInput<'a>;
    type Output = WebAndWorker;

    fn create(&self, input: WebAndWorkerInput<'_>) -> WebAndWorker {
        let web = format!("{}-web", input.name);
        let worker = format!("{}-worker", input.name);
        WebAndWorker {
            web_deployment: deployment(&web, input.image, &["serve"]),
            worker_deployment: deployment(&worker, input.image, &["work"]),
            web_service: Resource::new(json!({
                "metadata": { "name": web },
                "spec": { "selector": { "app": web }, "ports": [{ "port": 80, "targetPort": 8080 }] }
            }))
            .expect("the literal is a Service"),
        }
    }

    /// The `kubricate.thaitype.dev/stack-name` annotation of every resource of its stacks.
    fn name(&self) -> &str {
        "WebAndWorker"
    }
}

stack! {
    pub fn shop(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(WebAndWorkerTemplate, WebAndWorkerInput { name: "shop", image: "shop" })
            // Every injection names its resource.
            .use_secrets(secrets, |c| {
                c.secrets("WEB_SECRET").inject().into_resource("webDeployment");
                c.secrets("WORKER_SECRET").inject().into_resource("workerDeployment");
            })
            // Most secrets target the same resource: set a default, override per secret.
            .use_secrets(secrets, |c| {
                c.set_default_resource_id("webDeployment");
                c.secrets("APP_SECRET").inject(); // → webDeployment
                c.secrets("QUEUE_TOKEN").inject().into_resource("workerDeployment"); // override
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("shop", shop(&secrets))
        .secrets(secrets)
        .main()
}
