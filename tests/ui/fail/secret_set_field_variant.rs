use kubricate::prelude::*;

#[derive(SecretSet)]
pub enum AppSecrets {
    DatabaseUrl(String),
}

fn main() {}
