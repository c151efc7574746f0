//! "Use multiple secret providers": one manager with an Opaque provider for environment variables and
//! a DockerConfig provider for registry credentials, chosen per secret.
//!
//! ```sh
//! cargo run --example multiple-providers -- generate --stdout
//! cargo run --example multiple-providers -- secret apply --dry-run
//! ```
//!
//! The stack lives in namespace `production`, so both Secrets are delivered there (a pod can only read
//! Secrets of its own namespace). Values come from `examples/multiple-providers/.env`: plain strings
//! for the Opaque secrets, `{"username","password","registry"}` objects for the registry secrets.

use kubricate::prelude::*;

/// Opaque by default; the registry secrets override the provider type.
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    // Environment variables (default provider)
    DatabaseUrl,
    JwtSecret,
    RedisUrl,
    // Docker registry authentication (specific provider)
    #[secret(provider = DockerConfigSecretProvider)]
    PrivateRegistryAuth,
    #[secret(provider = DockerConfigSecretProvider)]
    GithubRegistryAuth,
}

pub fn secret_manager() -> SecretManager<AppSecrets> {
    SecretManager::new()
        .connector(EnvConnector::new().working_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/multiple-providers"
        )))
        .provider(OpaqueSecretProvider::new("app-secrets"))
        .provider(DockerConfigSecretProvider::new("registry-auth"))
}

stack! {
    /// Each secret's provider decides what `.inject()` does: an env var, or an image pull secret.
    pub fn web_app(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "web-app", image_name: "private-image", image_registry: "your-registry.com", namespace: Some("production"), ..Default::default() })
            .use_secrets(secrets, |c| {
                // Environment variables (OpaqueSecretProvider: env)
                c.secrets("DATABASE_URL").inject();
                c.secrets("JWT_SECRET").inject();
                c.secrets("REDIS_URL").for_name("CACHE_URL").inject();

                // Docker registry auth (DockerConfigSecretProvider: imagePullSecret)
                c.secrets("PRIVATE_REGISTRY_AUTH").inject();
                c.secrets("GITHUB_REGISTRY_AUTH").inject();
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("webApp", web_app(&secrets))
        .secrets(secrets)
        .main()
}
