// Several managers in one stack, the turbofish form, a let-bound stack, from_static, and the
// expression form of stack!.
use kubricate::prelude::*;
use serde_json::json;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum Frontend {
    AnalyticsKey,
}

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum Backend {
    DatabaseUrl,
}

pub struct Registry {
    pub frontend: SecretManager<Frontend>,
    pub backend: SecretManager<Backend>,
}

#[derive(Resources)]
pub struct Worker {
    job: Resource<kinds::CronJob>,
}

stack! {
    pub fn gateway(registry: &Registry) -> Stack {
        let stack = Stack::from_template(SimpleApp, SimpleAppInput { name: "api-gateway", image_name: "gateway", ..Default::default() });
        stack
            .use_secrets::<Backend>(&registry.backend, |c| {
                c.secrets("DATABASE_URL").for_name("DB_CONNECTION").inject();
            })
            .use_secrets::<Frontend>(&registry.frontend, |c| {
                c.secrets("ANALYTICS_KEY").for_name("ANALYTICS_TOKEN").inject();
            })
    }

    pub fn nightly(backend: &SecretManager<Backend>) -> Stack {
        Stack::from_static("nightly", Worker {
            job: Resource::new(json!({ "spec": { "jobTemplate": { "spec": { "template": { "spec": { "containers": [{ "name": "job", "image": "job" }] } } } } } })).unwrap(),
        })
        .use_secrets(backend, |c| {
            c.secrets("DATABASE_URL").inject();
        })
    }
}

fn main() {
    let registry = Registry {
        frontend: SecretManager::new().connector(InMemoryConnector::default()).provider(OpaqueSecretProvider::new("frontend-app-secrets")),
        backend: SecretManager::new().connector(InMemoryConnector::default()).provider(OpaqueSecretProvider::new("backend-app-secrets")),
    };
    let built = gateway(&registry).build().unwrap();
    let env = &built["deployment"].body()["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(env[0]["valueFrom"]["secretKeyRef"]["name"], "backend-app-secrets");
    assert_eq!(env[1]["valueFrom"]["secretKeyRef"]["name"], "frontend-app-secrets");
    assert!(nightly(&registry.backend).build().is_ok());

    let backend = &registry.backend;
    let expr_form = stack!(Stack::from_template(Namespace, NamespaceInput { name: "prod" }).use_secrets::<Backend>(backend, |_c| {}));
    assert_eq!(expr_form.resource_ids(), ["namespace"]);
}
