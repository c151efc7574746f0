//! "Inject secrets from .env files": the first scenario of the SecretManager how-to.
//!
//! ```sh
//! cargo run --example basic -- generate --stdout
//! cargo run --example basic -- secret apply --dry-run
//! ```
//!
//! Values come from `examples/basic/.env` (`KUBRICATE_SECRET_DATABASE_URL`, `KUBRICATE_SECRET_API_KEY`);
//! a variable set in the real environment wins over the file.

use kubricate::prelude::*;

/// The secrets this project knows; each is delivered by the set's default provider type.
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
}

/// Values from `KUBRICATE_SECRET_*` variables and the example's `.env`, delivered in the Opaque
/// Secret `app-secrets`.
pub fn secret_manager() -> SecretManager<AppSecrets> {
    SecretManager::new()
        .connector(
            EnvConnector::new().working_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/basic")),
        )
        .provider(OpaqueSecretProvider::new("app-secrets"))
}

stack! {
    /// A Deployment and a Service for the `api` image, reading both secrets from env vars.
    pub fn api_service(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("DATABASE_URL").inject();
                c.secrets("API_KEY").inject();
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
