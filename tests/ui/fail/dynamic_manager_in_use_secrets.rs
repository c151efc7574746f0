// A run-time set has no names to check against at compile time: inside `stack!` its block is
// written with `use_secrets_any` (see tests/ui/pass/shapes.rs); `use_secrets` says so.
use kubricate::prelude::*;

stack! {
    pub fn app(m: &SecretManager) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "app", image_name: "app", ..Default::default() })
            .use_secrets(m, |c| {
                c.secrets("DATABASE_URL").inject();
            })
    }
}

fn main() {}
