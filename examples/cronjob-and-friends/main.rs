//! "Inject secrets into a CronJob container", and into every other workload kind: the pod spec's path
//! is derived from the resource's kind, so no `target_path` is written by hand.
//!
//! ```sh
//! cargo run --example cronjob-and-friends -- generate --stdout
//! cargo run --example cronjob-and-friends -- secret apply --dry-run
//! ```
//!
//! | Kind | Containers at |
//! |---|---|
//! | CronJob | `spec.jobTemplate.spec.template.spec` |
//! | Job, StatefulSet, DaemonSet (and Deployment, ReplicaSet) | `spec.template.spec` |
//! | Pod | `spec` |
//!
//! The reference needs `targetPath: 'spec.jobTemplate.spec.template.spec.containers[0].env'` for a
//! CronJob; here `.into_resource("cronJob")` is enough (an explicit `env { target_path: ".." }` stays
//! possible). Values come from `examples/cronjob-and-friends/.env`.

use kubricate::prelude::*;
use serde_json::{json, Value};

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    #[secret(name = "my_app_key")]
    MyAppKey,
}

pub fn secret_manager() -> SecretManager<AppSecrets> {
    SecretManager::new()
        .connector(EnvConnector::new().working_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/cronjob-and-friends"
        )))
        .provider(OpaqueSecretProvider::new("app-secrets"))
}

/// One resource of each workload kind other than Deployment (see the basic example for that).
#[derive(Resources)]
pub struct Workloads {
    cron_job: Resource<kinds::CronJob>,
    job: Resource<kinds::Job>,
    stateful_set: Resource<kinds::StatefulSet>,
    daemon_set: Resource<kinds::DaemonSet>,
    pod: Resource<kinds::Pod>,
}

/// A pod template running `image` as the container `name`.
fn pod_template(name: &str, image: &str, restart_policy: Option<&str>) -> Value {
    let mut spec = json!({ "containers": [{ "name": name, "image": image }] });
    if let Some(policy) = restart_policy {
        spec["restartPolicy"] = json!(policy);
    }
    json!({ "metadata": { "labels": { "app": name } }, "spec": spec })
}

fn cron_job() -> Resource<kinds::CronJob> {
    Resource::new(json!({
        "metadata": { "name": "my-cron-job" },
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": { "spec": { "template": pod_template("my-cron-job", "app-cli", Some("OnFailure")) } }
        }
    }))
    .expect("the literal is a CronJob")
}

fn job() -> Resource<kinds::Job> {
    Resource::new(json!({
        "metadata": { "name": "db-migrate" },
        "spec": { "template": pod_template("db-migrate", "app-cli", Some("Never")) }
    }))
    .expect("the literal is a Job")
}

fn stateful_set() -> Resource<kinds::StatefulSet> {
    Resource::new(json!({
        "metadata": { "name": "queue" },
        "spec": {
            "serviceName": "queue",
            "selector": { "matchLabels": { "app": "queue" } },
            "template": pod_template("queue", "queue", None)
        }
    }))
    .expect("the literal is a StatefulSet")
}

fn daemon_set() -> Resource<kinds::DaemonSet> {
    Resource::new(json!({
        "metadata": { "name": "log-shipper" },
        "spec": {
            "selector": { "matchLabels": { "app": "log-shipper" } },
            "template": pod_template("log-shipper", "log-shipper", None)
        }
    }))
    .expect("the literal is a DaemonSet")
}

fn pod() -> Resource<kinds::Pod> {
    Resource::new(json!({
        "metadata": { "name": "debug-shell", "labels": { "app": "debug-shell" } },
        "spec": { "containers": [{ "name": "debug-shell", "image": "busybox" }] }
    }))
    .expect("the literal is a Pod")
}

stack! {
    /// The same secret, as `ENV_APP_KEY`, in the first container of every workload.
    pub fn batch(secrets: &SecretManager<AppSecrets>) -> Stack {
        // The struct literal lets `stack!` check every `.into_resource(..)` id at compile time.
        Stack::from_static("batch", Workloads { cron_job: cron_job(), job: job(), stateful_set: stateful_set(), daemon_set: daemon_set(), pod: pod() })
            .use_secrets(secrets, |c| {
                c.secrets("my_app_key").for_name("ENV_APP_KEY").inject().into_resource("cronJob");
                c.secrets("my_app_key").for_name("ENV_APP_KEY").inject().into_resource("job");
                c.secrets("my_app_key").for_name("ENV_APP_KEY").inject().into_resource("statefulSet");
                c.secrets("my_app_key").for_name("ENV_APP_KEY").inject().into_resource("daemonSet");
                c.secrets("my_app_key").for_name("ENV_APP_KEY").inject().into_resource("pod");
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("batch", batch(&secrets))
        .secrets(secrets)
        .main()
}
