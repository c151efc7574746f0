// Every valid shape of issue 11 compiles and renders what it says: strategies in loops and ifs,
// names from a `&[&str]`, container names from variables, a shadowed manager, a template in a
// variable, a generic template with a concrete set, a generic set, a run-time set through
// `use_secrets_any`, a keyword as a logical name, `let`-split chains, helper functions, typed
// closure parameters and typed names outside the macro.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
    #[secret(name = "type")]
    Kind,
}

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum Other {
    OtherToken,
}

const NAMES: &[&str] = &["DATABASE_URL", "API_KEY"];

fn input(name: &'static str) -> SimpleAppInput<'static> {
    SimpleAppInput { name, image_name: "app", ..Default::default() }
}

fn two_containers(stack: Stack) -> Stack {
    // Overrides merge containers by name: `null` drops the template's container, then both are set.
    stack
        .override_with(serde_json::json!({ "deployment": { "spec": { "template": { "spec": {
            "containers": null
        } } } } }))
        .override_with(serde_json::json!({ "deployment": { "spec": { "template": { "spec": {
            "containers": [{ "name": "app", "image": "app" }, { "name": "agent", "image": "agent" }]
        } } } } }))
}

stack! {
    pub fn loops_and_ifs(m: &SecretManager<AppSecrets>, agent: bool) -> Stack {
        two_containers(Stack::from_template(SimpleApp, input("loops")))
            .use_secrets(m, |c| {
                for _ in 0..1 {
                    c.secrets("DATABASE_URL").inject(env { container_name: "agent" });
                }
                if agent {
                    c.secrets("API_KEY").inject(env { container_index: 1 });
                }
            })
    }

    pub fn names_from_a_slice(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input("slice")).use_secrets(m, |c| {
            for name in NAMES {
                c.secrets(name).inject();
            }
        })
    }

    pub fn variable_containers(m: &SecretManager<AppSecrets>, first: &str, second: &str) -> Stack {
        two_containers(Stack::from_template(SimpleApp, input("vars"))).use_secrets(m, |c| {
            c.secrets("DATABASE_URL").for_name("URL").inject(env { container_name: first });
            c.secrets("API_KEY").for_name("URL").inject(env { container_name: second });
        })
    }

    pub fn shadowed(m: &SecretManager<Other>, inner: &SecretManager<AppSecrets>) -> Stack {
        let m2 = m;
        let m = inner;
        Stack::from_template(SimpleApp, input("shadow"))
            .use_secrets(m, |c| {
                c.secrets("API_KEY").inject();
            })
            .use_secrets(m2, |c| {
                c.secrets("OTHER_TOKEN").inject();
            })
    }

    pub fn template_in_a_variable(m: &SecretManager<AppSecrets>) -> Stack {
        let template = SimpleApp;
        Stack::from_template(template, input("var")).use_secrets(m, |c| {
            c.secrets("DATABASE_URL").inject();
        })
    }

    pub fn generic_template<T: Template>(t: T, i: T::Input<'_>, m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(t, i).use_secrets(m, |c| {
            c.secrets("DATABASE_URL").inject().into_resource("deployment");
        })
    }

    pub fn generic_set<S: SecretSet>(m: &SecretManager<S>) -> Stack {
        Stack::from_template(SimpleApp, input("generic")).use_secrets(m, |c| {
            c.secrets("DATABASE_URL").inject();
        })
    }

    pub fn run_time_set(m: &SecretManager) -> Stack {
        Stack::from_template(SimpleApp, input("dynamic")).use_secrets_any(m.as_any(), |c| {
            c.secrets("RUNTIME_TOKEN").inject(env { container_index: 0 });
        })
    }

    // `use_secrets` itself on a parameter typed as a run-time set's manager: string names, checked
    // at run time (the macro sees the `&SecretManager` type; elsewhere the error names the fix).
    pub fn run_time_set_use_secrets(m: &SecretManager<kubricate::Dynamic>, typo: bool) -> Stack {
        Stack::from_template(SimpleApp, input("dynamic2")).use_secrets(m, |c| {
            if typo {
                c.secrets("RUNTIME_TOKN").inject();
            } else {
                c.secrets("RUNTIME_TOKEN").for_name("TOKEN").inject();
            }
        })
    }

    // Typed names (the set's variants) inside the macro: checked by type, like string literals;
    // a renamed secret (`Kind` is `type`) reads its logical name; into another resource by id.
    pub fn typed_variants(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input("variants")).use_secrets(m, |c| {
            c.secrets(AppSecrets::DatabaseUrl).inject(env { container_index: 0 });
            c.secrets(AppSecrets::Kind).for_name("KIND").inject().into_resource("deployment");
        })
    }

    pub fn keyword_name(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input("keyword")).use_secrets(m, |c| {
            c.secrets("type").for_name("KIND").inject();
        })
    }

    pub fn let_split(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input("split")).use_secrets(m, |c| {
            let chosen = c.secrets("DATABASE_URL").for_name("DB");
            let injected = chosen.inject();
            injected.into_resource("deployment");
        })
    }

    // The closure's names are read once before its body; a body that binds `c` again (a reborrow,
    // another stack's closure inside) keeps the per-injection form, checked against each `c`'s own set.
    pub fn moved_and_rebound(m: &SecretManager<AppSecrets>, other: &SecretManager<Other>) -> (Stack, Stack) {
        let mut inner = None;
        let slot = &mut inner;
        let outer = Stack::from_template(SimpleApp, input("outer")).use_secrets(m, move |c| {
            c.secrets("API_KEY").inject();
            *slot = Some(Stack::from_template(SimpleApp, input("inner")).use_secrets(other, |c| {
                c.secrets("OTHER_TOKEN").inject();
            }));
            let c = &mut *c;
            c.secrets("DATABASE_URL").inject();
        });
        (outer, inner.unwrap_or_else(|| panic!("the closure ran")))
    }

    fn helper(c: &mut Injector<AppSecrets>) {
        c.secrets("API_KEY").inject();
    }

    pub fn via_helper(m: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, input("helper")).use_secrets(m, |c: &mut Injector<AppSecrets>| helper(c))
    }
}

// Outside any macro: typed names, checked by types.
pub fn plain(m: &SecretManager<AppSecrets>) -> Stack {
    Stack::from_template(SimpleApp, input("plain")).use_secrets(m, |c| {
        c.secret(AppSecrets::NAMES.DATABASE_URL).inject_env(kubricate::strategy::env());
    })
}

fn env_of(stack: &Stack, container: usize) -> String {
    let built = stack.build().unwrap_or_else(|e| panic!("{e}"));
    let spec = &built["deployment"].body()["spec"]["template"]["spec"]["containers"][container]["env"];
    kubricate::yaml::to_string(spec)
}

fn main() {
    let m = SecretManager::<AppSecrets>::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app-secrets"));
    let other = SecretManager::<Other>::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("other-secrets"));
    let dynamic = SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("runtime-secrets"))
        .add_secret("RUNTIME_TOKEN");

    let one = |name: &str, secret: &str, key: &str| {
        format!("- name: {name}\n  valueFrom:\n    secretKeyRef:\n      name: {secret}\n      key: {key}\n")
    };
    assert_eq!(env_of(&loops_and_ifs(&m, true), 1), one("DATABASE_URL", "app-secrets", "DATABASE_URL") + &one("API_KEY", "app-secrets", "API_KEY")[..]);
    assert_eq!(env_of(&names_from_a_slice(&m), 0), one("DATABASE_URL", "app-secrets", "DATABASE_URL") + &one("API_KEY", "app-secrets", "API_KEY")[..]);
    assert_eq!(env_of(&variable_containers(&m, "app", "agent"), 0), one("URL", "app-secrets", "DATABASE_URL"));
    assert_eq!(env_of(&variable_containers(&m, "app", "agent"), 1), one("URL", "app-secrets", "API_KEY"));
    // The same variable twice in one container, from variables: a run-time error.
    let err = variable_containers(&m, "app", "app").build().unwrap_err().to_string();
    assert!(err.contains("env var `URL` is defined twice"), "{err}");
    assert_eq!(env_of(&shadowed(&other, &m), 0), one("API_KEY", "app-secrets", "API_KEY") + &one("OTHER_TOKEN", "other-secrets", "OTHER_TOKEN")[..]);
    assert_eq!(env_of(&template_in_a_variable(&m), 0), one("DATABASE_URL", "app-secrets", "DATABASE_URL"));
    assert_eq!(env_of(&generic_template(SimpleApp, input("gen"), &m), 0), one("DATABASE_URL", "app-secrets", "DATABASE_URL"));
    assert_eq!(env_of(&generic_set(&m), 0), one("DATABASE_URL", "app-secrets", "DATABASE_URL"));
    // A generic set is checked at run time, with the words of the compile-time check.
    let err = generic_set(&other).build().unwrap_err().to_string();
    assert!(err.contains("secret `DATABASE_URL` is not declared"), "{err}");
    assert_eq!(env_of(&run_time_set(&dynamic), 0), one("RUNTIME_TOKEN", "runtime-secrets", "RUNTIME_TOKEN"));
    assert_eq!(env_of(&run_time_set_use_secrets(&dynamic, false), 0), one("TOKEN", "runtime-secrets", "RUNTIME_TOKEN"));
    let err = run_time_set_use_secrets(&dynamic, true).build().unwrap_err().to_string();
    assert!(err.contains("secret `RUNTIME_TOKN` is not declared") && err.contains("RUNTIME_TOKEN"), "{err}");
    assert_eq!(env_of(&typed_variants(&m), 0), one("DATABASE_URL", "app-secrets", "DATABASE_URL") + &one("KIND", "app-secrets", "type")[..]);
    assert_eq!(env_of(&keyword_name(&m), 0), one("KIND", "app-secrets", "type"));
    assert_eq!(env_of(&let_split(&m), 0), one("DB", "app-secrets", "DATABASE_URL"));
    assert_eq!(env_of(&via_helper(&m), 0), one("API_KEY", "app-secrets", "API_KEY"));
    let (outer, inner) = moved_and_rebound(&m, &other);
    assert_eq!(env_of(&outer, 0), one("API_KEY", "app-secrets", "API_KEY") + &one("DATABASE_URL", "app-secrets", "DATABASE_URL")[..]);
    assert_eq!(env_of(&inner, 0), one("OTHER_TOKEN", "other-secrets", "OTHER_TOKEN"));
    assert_eq!(env_of(&plain(&m), 0), one("DATABASE_URL", "app-secrets", "DATABASE_URL"));
    let _keyword: kubricate::SecretName<OpaqueSecretProvider, AppSecrets> = AppSecrets::NAMES.r#type;
}
