//! "Inject secrets from .env files": the first scenario of the SecretManager how-to.
//!
//! ```sh
//! cargo run --example basic -- generate --stdout
//! cargo run --example basic -- secret apply --dry-run
//! ```

use kubricate::prelude::*;

fn secret_manager() -> SecretManager {
    SecretManager::new()
        .connector(
            EnvConnector::new().working_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/basic")),
        )
        .provider(OpaqueSecretProvider::new("app-secrets"))
        .add_secret("DATABASE_URL")
        .add_secret("API_KEY")
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    let api_service = Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name: "api-service",
            image_name: "api",
            ..Default::default()
        },
    )
    .use_secrets(&secrets, |c| {
        c.secrets("DATABASE_URL").inject();
        c.secrets("API_KEY").inject();
    });
    kubricate::Project::new()
        .stack("apiService", api_service)
        .secrets(secrets)
        .main()
}
