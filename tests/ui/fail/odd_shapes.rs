// The same checks where a `macro_rules!` writes the stack and in match arms.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
}

macro_rules! one_secret_stack {
    ($fn_name:ident, $secret:expr) => {
        stack! {
            pub fn $fn_name(m: &SecretManager<AppSecrets>) -> Stack {
                Stack::from_template(SimpleApp, SimpleAppInput::default()).use_secrets(m, |c| {
                    c.secrets($secret).inject();
                })
            }
        }
    };
}

one_secret_stack!(generated, "DATABASE_URI");

stack! {
    pub fn arms(m: &SecretManager<AppSecrets>, which: u8) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput::default()).use_secrets(m, move |c| {
            match which {
                0 => c.secrets("DATABASE").inject(),
                _ => c.secrets("DATABASE_URL").inject(image_pull_secret),
            };
        })
    }
}

fn main() {}
