//! "Rename secrets during injection": a secret's logical name and the env var a container sees differ.
//!
//! ```sh
//! cargo run --example rename-secrets -- generate --stdout
//! cargo run --example rename-secrets -- secret apply --dry-run
//! ```
//!
//! The container gets `DATABASE_URL` and `STRIPE_SECRET_KEY`; each reads the key named after the
//! logical secret (`pg_connection_string`, `stripe_api_key`) of the Opaque Secret `app-secrets`.
//! Values come from `examples/rename-secrets/.env`
//! (`KUBRICATE_SECRET_pg_connection_string`, `KUBRICATE_SECRET_stripe_api_key`).

use kubricate::prelude::*;

/// Secrets named as the secret store names them; the variant names are only Rust identifiers.
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    #[secret(name = "pg_connection_string")]
    PgConnectionString,
    #[secret(name = "stripe_api_key")]
    StripeApiKey,
}

pub fn secret_manager() -> SecretManager<AppSecrets> {
    SecretManager::new()
        .connector(EnvConnector::new().working_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/rename-secrets"
        )))
        .provider(OpaqueSecretProvider::new("app-secrets"))
}

stack! {
    /// `for_name` renames the variable only: the Secret key stays the logical name.
    pub fn api_service(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() })
            .use_secrets(secrets, |c| {
                // Secret name → environment variable name
                c.secrets("pg_connection_string").for_name("DATABASE_URL").inject();
                c.secrets("stripe_api_key").for_name("STRIPE_SECRET_KEY").inject();
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
