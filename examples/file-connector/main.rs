//! Values from files with `FileConnector`, one directory per environment.
//!
//! ```sh
//! cargo run --example file-connector -- secret apply --dry-run                      # dev
//! KUBRICATE_ENV=staging cargo run --example file-connector -- secret apply --dry-run
//! ```
//!
//! | Secret | File(s) | Delivered as |
//! |---|---|---|
//! | `API_KEY` | `secrets/<env>/API_KEY`, the directory's file of that name | `Opaque` key `API_KEY`, byte for byte (trailing newline and `$` included) |
//! | `SERVER_TLS` | `tls.crt` and `tls.key`, as `kubectl create secret tls --cert --key` takes them | `kubernetes.io/tls`; the pair is checked (PEM, key matches the certificate) |
//! | `REGISTRY_CONFIG` | `docker-config.json`, a docker `config.json` | `kubernetes.io/dockerconfigjson`, the file as it is |
//!
//! The environment is picked by a variable of this program (`KUBRICATE_ENV`): any way your program
//! chooses a directory, a `.env.<env>` file ([`EnvConnector::dotenv_file`]) or a command works the same.

use std::path::PathBuf;

use kubricate::prelude::*;

/// One secret per kind of file.
#[derive(SecretSet)]
pub enum AppSecrets {
    #[secret(provider = OpaqueSecretProvider)]
    ApiKey,
    #[secret(provider = TlsSecretProvider)]
    ServerTls,
    #[secret(provider = DockerConfigSecretProvider)]
    RegistryConfig,
}

/// `examples/file-connector/secrets/<KUBRICATE_ENV or dev>`.
fn secrets_dir() -> PathBuf {
    let stage = std::env::var("KUBRICATE_ENV").unwrap_or_else(|_| "dev".to_owned());
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/file-connector/secrets"
    ))
    .join(stage)
}

pub fn secret_manager() -> SecretManager<AppSecrets> {
    let dir = secrets_dir();
    SecretManager::new()
        .connector(
            FileConnector::dir(&dir)
                .tls("SERVER_TLS", dir.join("tls.crt"), dir.join("tls.key"))
                .file("REGISTRY_CONFIG", dir.join("docker-config.json")),
        )
        .provider(OpaqueSecretProvider::new("app-secrets"))
        .provider(TlsSecretProvider::new("web-tls"))
        .provider(DockerConfigSecretProvider::new("registry-config"))
}

stack! {
    /// A web app: the API key as a variable, the certificate as files, the image from a private registry.
    pub fn web(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "web", image_name: "web", image_registry: "registry.example.com/", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("API_KEY").inject();
                c.secrets("SERVER_TLS").inject(volume { mount_path: "/etc/tls", default_mode: 0o400 });
                c.secrets("REGISTRY_CONFIG").inject();
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("web", web(&secrets))
        .secrets(secrets)
        .main()
}
