//! "Set up Docker registry authentication": registry credentials become a
//! `kubernetes.io/dockerconfigjson` Secret, and the pod pulls its image with it.
//!
//! ```sh
//! cargo run --example docker-registry-auth -- generate --stdout
//! cargo run --example docker-registry-auth -- secret apply --dry-run
//! ```
//!
//! Each value is a JSON object `{"username","password","registry"}` (see
//! `examples/docker-registry-auth/.env`). Both secrets of `registry-secrets` merge into one
//! `.dockerconfigjson` with an `auths` entry per registry, and the pod lists the Secret once in
//! `imagePullSecrets`. `githubApp` shows the other layout of the registry how-to: one Secret per
//! registry, from a second provider instance.

use kubricate::prelude::*;

/// Registry credentials; every secret of this set is delivered by a `DockerConfigSecretProvider`.
#[derive(SecretSet)]
#[secret_set(provider = DockerConfigSecretProvider)]
pub enum RegistrySecrets {
    /// `registry.example.com`, in `registry-secrets`.
    DockerRegistryToken,
    /// `mirror.example.com`, in `registry-secrets` too.
    MirrorRegistryToken,
    /// `ghcr.io`, in its own Secret `github-registry-auth`.
    #[secret(provider_id = "github-registry-auth")]
    GithubDockerSecret,
}

pub fn secret_manager() -> SecretManager<RegistrySecrets> {
    SecretManager::new()
        .connector(EnvConnector::new().working_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/docker-registry-auth"
        )))
        .provider(DockerConfigSecretProvider::new("registry-secrets"))
        .provider_as(
            "github-registry-auth",
            DockerConfigSecretProvider::new("github-registry-auth"),
        )
        // Secrets that name no instance use this one.
        .default_provider("DockerConfigSecretProvider")
}

stack! {
    /// The image lives on `registry.example.com`; `.inject()` picks the provider's only strategy,
    /// `imagePullSecret`.
    pub fn api_service(secrets: &SecretManager<RegistrySecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", image_registry: "registry.example.com", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("DOCKER_REGISTRY_TOKEN").inject();
                c.secrets("MIRROR_REGISTRY_TOKEN").inject(image_pull_secret);
            })
    }

    /// An image on GitHub Container Registry, pulled with its own Secret.
    pub fn github_app(secrets: &SecretManager<RegistrySecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "github-app", image_name: "app", image_registry: "ghcr.io/your-org", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("GITHUB_DOCKER_SECRET").inject(image_pull_secret);
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("apiService", api_service(&secrets))
        .stack("githubApp", github_app(&secrets))
        .secrets(secrets)
        .main()
}
