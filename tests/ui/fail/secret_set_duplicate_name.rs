use kubricate::prelude::*;

#[derive(SecretSet)]
pub enum AppSecrets {
    DatabaseUrl,
    #[secret(name = "DATABASE_URL")]
    PrimaryDatabase,
}

fn main() {}
