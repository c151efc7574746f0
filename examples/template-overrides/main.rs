//! "Modify stack templates with config overrides": change what a template does not expose as inputs,
//! and inject secrets into the result.
//!
//! ```sh
//! cargo run --example template-overrides -- generate --stdout
//! cargo run --example template-overrides -- secret apply --dry-run
//! ```
//!
//! `.override(json!({ "<resource id>": { .. } }))` merges a patch into the template's resources,
//! strategic-merge style: objects merge key by key, `null` removes a field, and named lists
//! (`containers`, `env`, `ports`, `volumes`, ...) merge item by item on `name`, so the container
//! named below keeps the template's `ports`; other lists and scalars are replaced (the Service's
//! unnamed `ports`). Injections are written into the overridden resources, after the patch, whatever
//! the order of the calls. A resource id the template does not have, or a container left without
//! `name` or `image`, is a build error naming the stack, the resource and the field.
//! Values come from `examples/template-overrides/.env`.

use kubricate::prelude::*;
use serde_json::json;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
}

pub fn secret_manager() -> SecretManager<AppSecrets> {
    SecretManager::new()
        .connector(EnvConnector::new().working_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/template-overrides"
        )))
        .provider(OpaqueSecretProvider::new("app-secrets"))
}

stack! {
    /// Override multiple resources: 5 replicas, resource limits and plain env vars on the
    /// Deployment, a LoadBalancer Service; then the secret joins the overridden container's env.
    pub fn multi_override_app(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "multi-override-app", image_name: "app", namespace: Some("production"), ..Default::default() })
            .override(json!({
                "deployment": {
                    "spec": {
                        "replicas": 5,
                        "template": {
                            "spec": {
                                // Merged by name into the template's container (its image could
                                // be left out; the reference's how-to repeats it).
                                "containers": [{
                                    "name": "multi-override-app",
                                    "image": "app",
                                    "resources": {
                                        "requests": { "memory": "128Mi", "cpu": "50m" },
                                        "limits": { "memory": "256Mi", "cpu": "100m" }
                                    },
                                    "env": [
                                        { "name": "NODE_ENV", "value": "production" },
                                        { "name": "REPLICAS", "value": "5" }
                                    ]
                                }]
                            }
                        }
                    }
                },
                "service": {
                    "spec": {
                        "type": "LoadBalancer",
                        "ports": [{ "port": 80, "targetPort": 3000, "protocol": "TCP" }]
                    }
                }
            }))
            .use_secrets(secrets, |c| {
                c.secrets("DATABASE_URL").inject();
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("multiOverrideApp", multi_override_app(&secrets))
        .secrets(secrets)
        .main()
}
