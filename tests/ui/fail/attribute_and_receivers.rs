// The same checks under `#[stack_fn]` and through receivers other than a plain variable.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
}

#[stack_fn]
pub fn attribute(m: &SecretManager<AppSecrets>) -> Stack {
    Stack::from_template(SimpleApp, SimpleAppInput::default()).use_secrets(m, |c| {
        c.secrets("DATABASE_UR").inject();
        c.secrets("API_KEY").inject(env_from {});
        c.secrets("API_KEY").for_name("K");
    })
}

struct Wiring<'a> {
    c: &'a mut Injector<AppSecrets>,
}

stack! {
    impl Wiring<'_> {
        fn database(&mut self) {
            self.c.secrets("DATABASE_URK").inject();
        }
    }
}

#[stack_fn(extra)]
fn with_arguments() {}

fn main() {}
