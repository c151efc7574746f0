//! Values from a password manager or vault with `CommandConnector`.
//!
//! ```sh
//! cargo run --example command-connector -- secret apply --dry-run
//! ```
//!
//! Every secret runs `fake-pass show kubricate/{name}` (a stand-in for `pass`, committed next to this
//! file, so the example runs anywhere) except `SIGNING_KEY`, which runs its own command, a stand-in
//! for `vault kv get -field=value secret/{name}`. The command is an argument list, never a shell
//! line; `{name}` is the secret's name; one trailing newline is removed from the output, nothing
//! else. With the real tools, the same project reads:
//!
//! ```text
//! CommandConnector::new(["pass", "show", "kubricate/{name}"])
//!     .command_for("SIGNING_KEY", ["vault", "kv", "get", "-field=value", "secret/{name}"])
//! ```

use std::time::Duration;

use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiToken,
    SigningKey,
}

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/command-connector");

pub fn secret_manager() -> SecretManager<AppSecrets> {
    let pass = format!("{DIR}/fake-pass");
    let vault = format!("{DIR}/fake-vault");
    SecretManager::new()
        .connector(
            CommandConnector::new([pass.as_str(), "show", "kubricate/{name}"])
                .command_for(
                    "SIGNING_KEY",
                    [vault.as_str(), "kv", "get", "-field=value", "secret/{name}"],
                )
                .timeout(Duration::from_secs(10)),
        )
        .provider(OpaqueSecretProvider::new("app-secrets"))
}

stack! {
    pub fn api(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api", image_name: "api", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("DATABASE_URL").inject();
                c.secrets("API_TOKEN").inject();
                c.secrets("SIGNING_KEY").inject();
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("api", api(&secrets))
        .secrets(secrets)
        .main()
}
