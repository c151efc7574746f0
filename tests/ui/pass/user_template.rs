// A user template with two deployments: into_resource, set_default_resource_id, per-secret override.
use kubricate::prelude::*;
use serde_json::json;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    WebSecret,
    WorkerSecret,
    AppSecret,
}

#[derive(Resources)]
pub struct WebAndWorker {
    web_deployment: Resource<kinds::Deployment>,
    worker_deployment: Resource<kinds::Deployment>,
    #[resource(id = "svc")]
    service: Resource<kinds::Service>,
}

pub struct WebAndWorkerTemplate;

fn deployment(name: &str) -> Resource<kinds::Deployment> {
    Resource::new(json!({ "metadata": { "name": name }, "spec": { "template": { "spec": { "containers": [{ "name": name, "image": name }] } } } })).unwrap()
}

impl Template for WebAndWorkerTemplate {
    type Input<'a> = &'a str;
    type Output = WebAndWorker;
    fn create(&self, name: &str) -> WebAndWorker {
        WebAndWorker {
            web_deployment: deployment(&format!("{name}-web")),
            worker_deployment: deployment(&format!("{name}-worker")),
            service: Resource::new(json!({ "metadata": { "name": name } })).unwrap(),
        }
    }
}

stack! {
    pub fn shop(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(WebAndWorkerTemplate, "shop")
            .use_secrets(secrets, |c| {
                c.secrets("WEB_SECRET").inject().into_resource("webDeployment");
                c.secrets("WORKER_SECRET").inject().into_resource("workerDeployment");
            })
            .use_secrets(secrets, |c| {
                c.set_default_resource_id("webDeployment");
                c.secrets("APP_SECRET").inject();
                c.secrets("WORKER_SECRET").for_name("TOKEN").inject().into_resource("workerDeployment");
            })
    }
}

fn main() {
    let m = SecretManager::<AppSecrets>::new().connector(InMemoryConnector::default()).provider(OpaqueSecretProvider::new("s"));
    let stack = shop(&m);
    assert_eq!(stack.resource_ids(), ["webDeployment", "workerDeployment", "svc"]);
    let built = stack.build().unwrap();
    let env = |id: &str| built[id].body()["spec"]["template"]["spec"]["containers"][0]["env"].clone();
    assert_eq!(env("webDeployment").as_array().unwrap().len(), 2);
    assert_eq!(env("workerDeployment").as_array().unwrap().len(), 2);
}
