// Containers by index, by name, and init containers; renames; an explicit target path.
use kubricate::prelude::*;
use serde_json::json;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    AppSecret,
    SidecarToken,
    MigrationUrl,
    StripeApiKey,
}

stack! {
    pub fn app(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "app", image_name: "app", ..Default::default() })
            .override(json!({ "deployment": { "spec": { "template": { "spec": {
                "containers": [{ "name": "app", "image": "app" }, { "name": "sidecar", "image": "sidecar" }],
                "initContainers": [{ "name": "migrate", "image": "migrate" }]
            } } } } }))
            .use_secrets(secrets, |c| {
                c.secrets("APP_SECRET").inject(env { container_index: 0 });
                c.secrets("SIDECAR_TOKEN").inject(env { container_name: "sidecar" });
                c.secrets("MIGRATION_URL").inject(env { init_container_name: "migrate" });
                c.secrets("STRIPE_API_KEY").for_name("STRIPE_SECRET_KEY").inject(env { target_path: "spec.template.spec.containers[1].env" });
            })
    }
}

fn main() {
    let m = SecretManager::<AppSecrets>::new().connector(InMemoryConnector::default()).provider(OpaqueSecretProvider::new("s"));
    let built = app(&m).build().unwrap();
    let pod = &built["deployment"].body()["spec"]["template"]["spec"];
    assert_eq!(pod["containers"][1]["env"][0]["name"], "SIDECAR_TOKEN");
    assert_eq!(pod["containers"][1]["env"][1]["name"], "STRIPE_SECRET_KEY");
    assert_eq!(pod["initContainers"][0]["env"][0]["name"], "MIGRATION_URL");
}
