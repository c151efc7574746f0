//! Basic-auth credentials: a `kubernetes.io/basic-auth` Secret read through `env` (one key per
//! variable) or `envFrom` (every key, with a prefix), or both in one container.
//!
//! ```sh
//! cargo run --example basic-auth -- generate --stdout
//! cargo run --example basic-auth -- secret apply --dry-run
//! ```
//!
//! Each value is a JSON object `{"username","password"}` (see `examples/basic-auth/.env`). A
//! basic-auth Secret holds one credential, so each credential has its own provider instance:
//! `api-auth` and `db-auth`.

use kubricate::prelude::*;

/// Two credentials, each in its own basic-auth Secret.
#[derive(SecretSet)]
#[secret_set(provider = BasicAuthSecretProvider)]
pub enum Credentials {
    /// Delivered in the Secret `api-auth`.
    #[secret(provider_id = "api-auth")]
    ApiCredentials,
    /// Delivered in the Secret `db-auth`.
    #[secret(provider_id = "db-auth")]
    DbCredentials,
}

pub fn secret_manager() -> SecretManager<Credentials> {
    SecretManager::new()
        .connector(
            EnvConnector::new()
                .working_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/basic-auth")),
        )
        .provider_as("api-auth", BasicAuthSecretProvider::new("api-auth"))
        .provider_as("db-auth", BasicAuthSecretProvider::new("db-auth"))
}

stack! {
    /// BasicAuthSecretProvider supports `env` and `envFrom`, so every `.inject(..)` names one.
    pub fn api_service(secrets: &SecretManager<Credentials>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() })
            .use_secrets(secrets, |c| {
                // One variable per key: `key` picks `username` or `password`.
                c.secrets("API_CREDENTIALS").for_name("API_USER").inject(env { key: "username" });
                c.secrets("API_CREDENTIALS").for_name("API_PASSWORD").inject(env { key: "password" });
                // Every key of `db-auth` as a variable: DB_username, DB_password.
                c.secrets("DB_CREDENTIALS").inject(env_from { prefix: "DB_" });
                // The same Secret through `env` as well, in the same container (both are written;
                // Kubernetes gives an `env` entry precedence over an `envFrom` variable of its name).
                c.secrets("DB_CREDENTIALS").for_name("DATABASE_USER").inject(env { key: "username" });
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("apiService", api_service(&secrets))
        .secrets(secrets)
        .main()
}
