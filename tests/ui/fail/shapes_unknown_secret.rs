// A misspelt secret name is a compile error in every shape a user writes: loops, ifs, nested
// blocks, `let`-split chains, managers in struct fields, locals and tuple fields, typed closure
// parameters, helper functions, and a generic template with a concrete set.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
}

pub struct Env {
    pub app: SecretManager<AppSecrets>,
}
pub struct Wrap(pub SecretManager<AppSecrets>);

fn input() -> SimpleAppInput<'static> {
    SimpleAppInput { name: "app", image_name: "app", ..Default::default() }
}

stack! {
    pub fn in_for(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c| {
            for _ in 0..2 {
                c.secrets("DATABSE_URL").inject();
            }
        })
    }

    pub fn in_if(m: &SecretManager<AppSecrets>, on: bool) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c| {
            if on {
                c.secrets("API_KYE").inject();
            }
        })
    }

    pub fn nested(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c| {
            {
                {
                    c.secrets("APIKEY").inject();
                }
            }
        })
    }

    pub fn let_split(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c| {
            let chosen = c.secrets("DATABASE_UR");
            chosen.inject();
        })
    }

    pub fn struct_field(env: &Env) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(&env.app, |c| {
            c.secrets("API_KEYS").inject();
        })
    }

    pub fn local() -> Stack {
        let m = SecretManager::<AppSecrets>::new();
        Stack::from_template(SimpleApp, input()).use_secrets(&m, |c| {
            c.secrets("DATABASE_URI").inject();
        })
    }

    pub fn tuple_field(m: &Wrap) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(&m.0, |c| {
            c.secrets("APY_KEY").inject();
        })
    }

    pub fn typed_param(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c: &mut Injector<AppSecrets>| {
            c.secrets("DATABASE_URLL").inject();
        })
    }

    fn helper(c: &mut Injector<AppSecrets>) {
        c.secrets("API_KEEY").inject();
    }

    pub fn via_helper(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input()).use_secrets(m, |c| helper(c))
    }

    pub fn generic_template<T: Template>(t: T, i: T::Input<'_>, m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(t, i).use_secrets(m, |c| {
            c.secrets("DATABASE").inject();
        })
    }
}

fn main() {}
