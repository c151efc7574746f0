// Shapes the token walk must keep working: a `stack!` written by a `macro_rules!` (names arrive in
// invisible groups), match arms, `move` closures, iterator closures, attributes on statements,
// comments inside a chain, an expression-form `stack!` with an injection, and keywords near chains.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
}

fn input(name: &'static str) -> SimpleAppInput<'static> {
    SimpleAppInput { name, image_name: "app", ..Default::default() }
}

macro_rules! one_secret_stack {
    ($fn_name:ident, $secret:expr, $as:expr) => {
        stack! {
            pub fn $fn_name(m: &SecretManager<AppSecrets>) -> Stack {
                Stack::from_template(SimpleApp, input("generated")).use_secrets(m, |c| {
                    c.secrets($secret).for_name($as).inject();
                })
            }
        }
    };
}

one_secret_stack!(generated, "API_KEY", "FROM_MACRO");

stack! {
    pub fn arms(m: &SecretManager<AppSecrets>, which: u8) -> Stack {
        let label = "arms";
        Stack::from_template(SimpleApp, input(label)).use_secrets(m, move |c| {
            match which {
                0 => c.secrets("DATABASE_URL").inject(),
                _ => c.secrets("API_KEY").inject(),
            };
            #[allow(unused_must_use)]
            {
                c.secrets("API_KEY") // the key
                    .for_name("KEY") /* renamed */
                    .inject();
            }
            ["DATABASE_URL"].into_iter().for_each(|n| {
                c.secrets(n).for_name("FROM_LOOP").inject();
            });
            if which > 9 {
                return;
            }
            let _ = c.secrets("DATABASE_URL").for_name("LAST").inject();
        })
    }
}

stack! {
    pub fn typed_return(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input("ret")).use_secrets(m, |c| -> () {
            c.secrets("API_KEY").inject();
        })
    }

    pub fn expression_body(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input("expr-body"))
            .use_secrets(m, |c| drop(c.secrets("DATABASE_URL").inject()))
    }
}

include!("../common/env_names.rs");

fn main() {
    let m = SecretManager::<AppSecrets>::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app-secrets"));
    assert_eq!(env_names(&generated(&m)), ["FROM_MACRO"]);
    assert_eq!(env_names(&arms(&m, 0)), ["DATABASE_URL", "KEY", "FROM_LOOP", "LAST"]);
    assert_eq!(env_names(&arms(&m, 1)), ["API_KEY", "KEY", "FROM_LOOP", "LAST"]);
    assert_eq!(env_names(&typed_return(&m)), ["API_KEY"]);
    assert_eq!(env_names(&expression_body(&m)), ["DATABASE_URL"]);
    let expr = stack!(Stack::from_template(SimpleApp, input("expr")).use_secrets(&m, |c| {
        c.secrets("API_KEY").inject(env { container_index: 0 });
    }));
    assert_eq!(env_names(&expr), ["API_KEY"]);
}
