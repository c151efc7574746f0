// Strategy mistakes follow the provider type into every shape: an unsupported strategy in a loop,
// `.inject()` on a multi-strategy provider in an `if`, `key` on an Opaque secret in a helper
// function, and typed names outside any rewriting (`c.secret(AppSecrets::NAMES.X)`).
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    #[secret(provider = BasicAuthSecretProvider)]
    DbLogin,
}

fn input() -> SimpleAppInput<'static> {
    SimpleAppInput { name: "app", image_name: "app", ..Default::default() }
}

stack! {
    pub fn in_for(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c| {
            for _ in 0..1 {
                c.secrets("DATABASE_URL").inject(env_from { prefix: "DB_" });
            }
        })
    }

    pub fn in_if(m: &SecretManager<AppSecrets>, on: bool) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c| {
            if on {
                c.secrets("DB_LOGIN").inject();
            }
        })
    }

    fn helper(c: &mut Injector<AppSecrets>) {
        c.secrets("DATABASE_URL").inject(env { key: "DATABASE_URL", container_index: 0 });
    }

    pub fn via_helper(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c| helper(c))
    }

    pub fn basic_auth_without_key(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c| {
            c.secrets("DB_LOGIN").inject(env { container_index: 0 });
        })
    }
}

// Outside any macro, typed names are checked by the types.
pub fn plain(m: &SecretManager<AppSecrets>) -> Stack {
    Stack::from_template(SimpleApp, input()).use_secrets(m, |c| {
        c.secret(AppSecrets::NAMES.DATABASE_URL).inject_image_pull_secret();
    })
}

fn main() {}
