use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = String)]
pub enum AppSecrets {
    DatabaseUrl,
}

fn main() {}
