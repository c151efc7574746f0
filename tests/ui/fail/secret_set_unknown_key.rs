use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    #[secret(rename = "DB")]
    DatabaseUrl,
}

fn main() {}
