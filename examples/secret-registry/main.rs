//! "How to Organize Secrets Across Teams with SecretRegistry": one secret manager per team, stacks
//! that use one team's secrets or both, and a `crossManager: error` conflict policy.
//!
//! ```sh
//! cargo run --example secret-registry -- generate --stdout
//! cargo run --example secret-registry -- secret validate
//! cargo run --example secret-registry -- secret apply --dry-run
//! ```
//!
//! The managers are the fields of `TeamSecrets`, so `secrets.frontend` is checked by the compiler. The
//! run-time equivalent of the how-to's registry is
//! `SecretRegistry::new().add("frontend", ..).add("backend", ..)` with `registry.get("frontend")?`
//! and `Stack::use_secrets_any`; `Project::registry` takes either.

use kubricate::prelude::*;
use kubricate::{AnySecretManager, ConflictOptions, ConflictStrategy};

/// One secret manager per team. Each team's provider has a team-prefixed Secret name, so the two
/// teams never deliver the same Secret.
struct TeamSecrets {
    frontend: SecretManager,
    backend: SecretManager,
}

// By hand until a derive is available: the names are the ones used in messages.
impl IntoManagers for TeamSecrets {
    fn into_managers(self) -> Vec<(String, AnySecretManager)> {
        vec![
            ("frontend".to_owned(), self.frontend.into_any()),
            ("backend".to_owned(), self.backend.into_any()),
        ]
    }
}

const EXAMPLE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/secret-registry");

fn team_secrets() -> TeamSecrets {
    let frontend = SecretManager::new()
        .connector(EnvConnector::new().working_dir(EXAMPLE_DIR))
        .provider(OpaqueSecretProvider::new("frontend-app-secrets"))
        .add_secret("STRIPE_PUBLIC_KEY")
        .add_secret("ANALYTICS_KEY");
    let backend = SecretManager::new()
        .connector(EnvConnector::new().working_dir(EXAMPLE_DIR))
        .provider(OpaqueSecretProvider::new("backend-app-secrets"))
        .add_secret("DATABASE_URL")
        .add_secret("JWT_SECRET");
    TeamSecrets { frontend, backend }
}

fn app(name: &str, image_name: &str) -> Stack {
    Stack::from_template(
        SimpleApp,
        SimpleAppInput {
            name,
            image_name,
            ..Default::default()
        },
    )
}

fn main() -> std::process::ExitCode {
    let secrets = team_secrets();

    let frontend_app = app("frontend-app", "nginx").use_secrets(&secrets.frontend, |c| {
        c.secrets("STRIPE_PUBLIC_KEY")
            .for_name("STRIPE_KEY")
            .inject();
        c.secrets("ANALYTICS_KEY").inject();
    });
    let backend_app = app("backend-app", "api").use_secrets(&secrets.backend, |c| {
        c.secrets("DATABASE_URL").inject();
        c.secrets("JWT_SECRET").inject();
    });
    // A stack that needs secrets of both teams: one use_secrets block per manager.
    let api_gateway = app("api-gateway", "gateway")
        .use_secrets(&secrets.backend, |c| {
            c.secrets("DATABASE_URL").for_name("DB_CONNECTION").inject();
        })
        .use_secrets(&secrets.frontend, |c| {
            c.secrets("ANALYTICS_KEY")
                .for_name("ANALYTICS_TOKEN")
                .inject();
        });

    kubricate::Project::new()
        .stack("frontendApp", frontend_app)
        .stack("backendApp", backend_app)
        .stack("apiGateway", api_gateway)
        .registry(secrets)
        .conflict(ConflictOptions {
            // Fail on cross-team conflicts (also the default).
            cross_manager: Some(ConflictStrategy::Error),
            ..Default::default()
        })
        .main()
}
