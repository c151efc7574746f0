//! "How to Organize Secrets Across Teams with SecretRegistry": one secret manager per team, stacks
//! that use one team's secrets or both, and a `crossManager: error` conflict policy.
//!
//! ```sh
//! cargo run --example secret-registry -- generate --stdout
//! cargo run --example secret-registry -- secret validate
//! cargo run --example secret-registry -- secret apply --dry-run
//! ```
//!
//! The managers are the fields of `TeamSecrets` (`#[derive(IntoManagers)]`), so `teams.frontend` is
//! checked by the compiler. The run-time equivalent of the how-to's registry is
//! `SecretRegistry::new().add("frontend", ..).add("backend", ..)` with `registry.get("frontend")?`
//! and `Stack::use_secrets_any`; `Project::registry` takes either.

use kubricate::prelude::*;
use kubricate::{ConflictOptions, ConflictStrategy};

/// The frontend team's secrets.
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum FrontendSecrets {
    StripePublicKey,
    AnalyticsKey,
}

/// The backend team's secrets.
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum BackendSecrets {
    DatabaseUrl,
    JwtSecret,
}

/// One secret manager per team. Each team's provider has a team-prefixed Secret name, so the two
/// teams never deliver the same Secret. The field names are the manager names used in messages.
#[derive(IntoManagers)]
pub struct TeamSecrets {
    pub frontend: SecretManager<FrontendSecrets>,
    pub backend: SecretManager<BackendSecrets>,
}

const EXAMPLE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/secret-registry");

fn team_secrets() -> TeamSecrets {
    TeamSecrets {
        frontend: SecretManager::new()
            .connector(EnvConnector::new().working_dir(EXAMPLE_DIR))
            .provider(OpaqueSecretProvider::new("frontend-app-secrets")),
        backend: SecretManager::new()
            .connector(EnvConnector::new().working_dir(EXAMPLE_DIR))
            .provider(OpaqueSecretProvider::new("backend-app-secrets")),
    }
}

stack! {
    /// The frontend team's app.
    pub fn frontend_app(secrets: &SecretManager<FrontendSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "frontend-app", image_name: "nginx", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("STRIPE_PUBLIC_KEY").for_name("STRIPE_KEY").inject();
                c.secrets("ANALYTICS_KEY").inject();
            })
    }

    /// The backend team's app.
    pub fn backend_app(secrets: &SecretManager<BackendSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "backend-app", image_name: "api", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("DATABASE_URL").inject();
                c.secrets("JWT_SECRET").inject();
            })
    }

    /// A stack that needs secrets of both teams: one use_secrets block per manager. The set of a
    /// manager reached through a struct field is named with a turbofish, so names are still checked.
    pub fn api_gateway(teams: &TeamSecrets) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api-gateway", image_name: "gateway", ..Default::default() })
            .use_secrets::<BackendSecrets>(&teams.backend, |c| {
                c.secrets("DATABASE_URL").for_name("DB_CONNECTION").inject();
            })
            .use_secrets::<FrontendSecrets>(&teams.frontend, |c| {
                c.secrets("ANALYTICS_KEY").for_name("ANALYTICS_TOKEN").inject();
            })
    }
}

fn main() -> std::process::ExitCode {
    let teams = team_secrets();
    kubricate::Project::new()
        .stack("frontendApp", frontend_app(&teams.frontend))
        .stack("backendApp", backend_app(&teams.backend))
        .stack("apiGateway", api_gateway(&teams))
        .registry(teams)
        .conflict(ConflictOptions {
            // Fail on cross-team conflicts (also the default).
            cross_manager: Some(ConflictStrategy::Error),
            ..Default::default()
        })
        .main()
}
