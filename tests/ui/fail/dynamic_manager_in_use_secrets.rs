// A run-time set has no names to check against at compile time. When the macro sees the manager's
// type (a parameter `&SecretManager`), `use_secrets` keeps string names (tests/ui/pass/shapes.rs);
// a manager it cannot see as one (here a struct field) gets rustc's "no field", on a type whose name
// is the fix: `use_secrets_any(m.as_any(), ..)`.
use kubricate::prelude::*;

pub struct Env {
    pub runtime: SecretManager,
}

stack! {
    pub fn app(env: &Env) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "app", image_name: "app", ..Default::default() })
            .use_secrets(&env.runtime, |c| {
                c.secrets("DATABASE_URL").inject();
            })
    }
}

fn main() {}
