// `#[stack_fn]` does what `stack!` does, on one function that rustfmt formats; and receivers other
// than a plain variable (a struct field behind `self`, a method call, a macro's output) are
// evaluated once and checked like `c`.
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

#[stack_fn]
pub fn attribute(m: &SecretManager<AppSecrets>) -> Stack {
    Stack::from_template(SimpleApp, input("attr")).use_secrets(m, |c| {
        for _ in 0..1 {
            c.secrets("DATABASE_URL").for_name("DB").inject(env { container_index: 0 });
        }
        c.secrets("API_KEY").inject().into_resource("deployment");
    })
}

struct Wiring<'a> {
    c: &'a mut Injector<AppSecrets>,
}

fn pass_through(c: &mut Injector<AppSecrets>) -> &mut Injector<AppSecrets> {
    c
}

macro_rules! same {
    ($e:expr) => {
        $e
    };
}

stack! {
    impl Wiring<'_> {
        fn database(&mut self) {
            self.c.secrets("DATABASE_URL").inject();
        }
    }

    pub fn receivers(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input("receivers")).use_secrets(m, |c| {
            Wiring { c: &mut *c }.database();
            pass_through(c).secrets("API_KEY").for_name("KEY").inject();
            same!(c).secrets("API_KEY").for_name("KEY2").inject();
        })
    }
}

#[stack_fn]
fn checked_later(m: &SecretManager<AppSecrets>, name: &str) -> Stack {
    // A name known only at run time keeps the string API, checked when the stack is built.
    Stack::from_template(SimpleApp, input("later")).use_secrets(m, |c| {
        c.secrets(name).inject();
    })
}

include!("../common/env_names.rs");

fn main() {
    let m = SecretManager::<AppSecrets>::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app-secrets"));
    assert_eq!(env_names(&attribute(&m)), ["DB", "API_KEY"]);
    assert_eq!(env_names(&receivers(&m)), ["DATABASE_URL", "KEY", "KEY2"]);
    assert_eq!(env_names(&checked_later(&m, "API_KEY")), ["API_KEY"]);
    let err = checked_later(&m, "API_KEYS").build().unwrap_err().to_string();
    assert!(err.contains("secret `API_KEYS` is not declared") && err.contains("API_KEY"), "{err}");
}
