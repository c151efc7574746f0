//! Typed authoring with k8s-openapi objects (`--features typed`).
#![cfg(feature = "typed")]

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubricate::prelude::*;

// Only the derive reads the variant.
#[allow(dead_code)]
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
}

#[derive(Resources)]
pub struct Typed {
    deployment: Resource<kinds::Deployment>,
}

fn typed_deployment() -> Deployment {
    Deployment {
        metadata: ObjectMeta {
            name: Some("typed".into()),
            ..Default::default()
        },
        spec: DeploymentSpec {
            template: PodTemplateSpec {
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "app".into(),
                        image: Some("app".into()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

stack! {
    fn typed_stack(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_static("typed", Typed { deployment: typed_deployment().try_into().expect("a Deployment") })
            .use_secrets(secrets, |c| {
                c.secrets("DATABASE_URL").inject();
            })
    }
}

#[test]
fn k8s_openapi_objects_convert_and_take_injections() {
    let secrets = SecretManager::<AppSecrets>::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app-secrets"));
    let built = typed_stack(&secrets).build().unwrap();
    let manifest = &built["deployment"];
    assert_eq!(manifest.api_version(), "apps/v1");
    assert_eq!(manifest.kind(), "Deployment");
    let back: Deployment = serde_json::from_value(manifest.body().clone()).unwrap();
    let env = back.spec.template.spec.unwrap().containers[0]
        .env
        .clone()
        .unwrap();
    assert_eq!(env[0].name, "DATABASE_URL");
    assert_eq!(
        env[0]
            .value_from
            .as_ref()
            .unwrap()
            .secret_key_ref
            .as_ref()
            .unwrap()
            .name,
        "app-secrets"
    );
}

#[test]
fn typed_resource_round_trips() {
    let r: Resource<kinds::Deployment> = typed_deployment().try_into().unwrap();
    let d: Deployment = r.to_typed().unwrap();
    assert_eq!(d.metadata.name.as_deref(), Some("typed"));
}
