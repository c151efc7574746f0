// A chain without `.inject()` is an error wherever it is written in `stack!`.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
}

stack! {
    pub fn app(m: &SecretManager<AppSecrets>, names: &[&str]) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "app", image_name: "app", ..Default::default() })
            .use_secrets(m, |c| {
                for _ in 0..1 {
                    c.secrets("API_KEY").for_name("KEY");
                }
                if names.is_empty() {
                    c.secrets("DATABASE_URL");
                }
            })
    }
}

fn main() {}
