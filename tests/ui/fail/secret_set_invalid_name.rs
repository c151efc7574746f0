use kubricate::prelude::*;

#[derive(SecretSet)]
pub enum AppSecrets {
    #[secret(name = "database-url")]
    DatabaseUrl,
}

fn main() {}
