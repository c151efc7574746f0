use kubricate::prelude::*;

#[derive(SecretSet)]
pub enum AppSecrets {
    #[secret(name)]
    DatabaseUrl,
    #[secret(name = 42)]
    ApiKey,
}

fn main() {}
