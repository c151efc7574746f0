//! "Target specific containers" (and the sidecar how-to): secrets go to the main container, a sidecar,
//! or an init container, chosen by index or by name.
//!
//! ```sh
//! cargo run --example target-containers -- generate --stdout
//! cargo run --example target-containers -- secret apply --dry-run
//! ```
//!
//! The Deployment is declared statically (`#[derive(Resources)]` + `Stack::from_static`), with a main
//! container, a sidecar and an init container. The reference cannot target init containers; here
//! `init_container_name` / `init_container_index` do. A container index past the end is an error
//! naming the stack, resource and container count, never a sparse list.
//! Values come from `examples/target-containers/.env`.

use kubricate::prelude::*;
use serde_json::json;

/// Every secret is an env var read from the Opaque Secret `secret-application`.
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    AppSecret,
    SidecarToken,
    MonitoringToken,
}

pub fn secret_manager() -> SecretManager<AppSecrets> {
    SecretManager::new()
        .connector(EnvConnector::new().working_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/target-containers"
        )))
        .provider(OpaqueSecretProvider::new("secret-application"))
}

/// The resources of the stack: one Deployment, resource id `deployment`.
#[derive(Resources)]
pub struct ContainerWithSidecar {
    deployment: Resource<kinds::Deployment>,
}

/// A Deployment whose pod runs `main-app` (container 0), `my-sidecar` (container 1) and, before
/// them, the init container `db-migrate`.
fn deployment() -> Resource<kinds::Deployment> {
    Resource::new(json!({
        "metadata": { "name": "multi-container-app" },
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": { "app": "multi-container-app" } },
            "template": {
                "metadata": { "labels": { "app": "multi-container-app" } },
                "spec": {
                    "initContainers": [{ "name": "db-migrate", "image": "my-migrations" }],
                    "containers": [
                        { "name": "main-app", "image": "nginx" },
                        { "name": "my-sidecar", "image": "my-sidecar-image" }
                    ]
                }
            }
        }
    }))
    .expect("the literal is a Deployment")
}

stack! {
    /// `env { .. }` picks the container; without options, `.inject()` writes to container 0.
    pub fn multi_container_app(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_static("multi-container-app", ContainerWithSidecar { deployment: deployment() })
            .use_secrets(secrets, |c| {
                // Inject into first container (index 0) - default behavior
                c.secrets("DATABASE_URL").inject();
                // Main container (index 0)
                c.secrets("APP_SECRET").inject(env { container_index: 0 });
                // Sidecar container (index 1)
                c.secrets("SIDECAR_TOKEN").inject(env { container_index: 1 });
                // The sidecar again, by name: robust to reordering the containers
                c.secrets("MONITORING_TOKEN").inject(env { container_name: "my-sidecar" });
                // The init container that runs the migrations needs the database too
                c.secrets("DATABASE_URL").inject(env { init_container_name: "db-migrate" });
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("multiContainerApp", multi_container_app(&secrets))
        .secrets(secrets)
        .main()
}
