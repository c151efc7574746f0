// Typed names inside `stack!` are checked by type: a strategy the variant's provider lacks, and a
// misspelt variant.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    #[secret(provider = DockerConfigSecretProvider)]
    DockerRegistryToken,
}

stack! {
    pub fn app(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "app", image_name: "app", ..Default::default() })
            .use_secrets(m, |c| {
                c.secrets(AppSecrets::DatabaseUrl).inject(image_pull_secret);
                c.secrets(AppSecrets::DockerRegistryToken).inject(image_pull_secret);
                c.secrets(AppSecrets::DatabseUrl).inject();
            })
    }
}

fn main() {}
