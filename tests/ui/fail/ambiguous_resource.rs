use kubricate::prelude::*;
use serde_json::json;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    WebSecret,
}

#[derive(Resources)]
pub struct WebAndWorker {
    web_deployment: Resource<kinds::Deployment>,
    worker_deployment: Resource<kinds::Deployment>,
}

fn deployment(name: &str) -> Resource<kinds::Deployment> {
    Resource::new(json!({ "metadata": { "name": name } })).unwrap()
}

stack! {
    pub fn app(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_static("app", WebAndWorker { web_deployment: deployment("web"), worker_deployment: deployment("worker") })
            .use_secrets(secrets, |c| {
                c.secrets("WEB_SECRET").inject();
            })
    }
}

fn main() {}
