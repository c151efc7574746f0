use serde_json::json;

use super::Template;
use crate::model::resource::{
    kinds, Kind, Resource, ResourceDecl, ResourceId, ResourceMap, Resources,
};

/// A Deployment and a Service for one container image, as the reference's `simpleAppTemplate`.
///
/// Resource ids: `deployment`, `service`.
///
/// ```
/// use kubricate::prelude::*;
/// let stack = Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() });
/// assert_eq!(stack.resource_ids(), vec!["deployment", "service"]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SimpleApp;

/// Input of [`SimpleApp`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleAppInput<'a> {
    /// Name of the Deployment, Service, container and `app` label.
    pub name: &'a str,
    /// Image, e.g. `api` or `api:1.4`.
    pub image_name: &'a str,
    /// Registry (and path) of the image, e.g. `ghcr.io/acme` (default empty: the image name alone).
    /// Joined to `image_name` with one `/`: `ghcr.io/acme` and `ghcr.io/acme/` both give
    /// `ghcr.io/acme/api`.
    pub image_registry: &'a str,
    /// Namespace of both resources (default: none, i.e. the namespace `kubectl` applies to).
    pub namespace: Option<&'a str>,
    /// Replicas (default 1).
    pub replicas: u32,
    /// Container and service port (default 80).
    pub port: u16,
}

impl Default for SimpleAppInput<'_> {
    fn default() -> Self {
        SimpleAppInput {
            name: "",
            image_name: "",
            image_registry: "",
            namespace: None,
            replicas: 1,
            port: 80,
        }
    }
}

/// Resources of [`SimpleApp`].
#[derive(Debug, Clone)]
pub struct SimpleAppResources {
    /// `deployment`.
    pub deployment: Resource<kinds::Deployment>,
    /// `service`.
    pub service: Resource<kinds::Service>,
}

/// The resource ids of [`SimpleApp`] ([`Resources::Ids`]).
#[derive(Debug, Clone, Copy)]
pub struct SimpleAppIds {
    /// `deployment`.
    pub deployment: ResourceId<kinds::Deployment>,
    /// `service`.
    pub service: ResourceId<kinds::Service>,
}

impl Resources for SimpleAppResources {
    type Ids = SimpleAppIds;
    const IDS: &'static SimpleAppIds = &SimpleAppIds {
        deployment: ResourceId::new("deployment"),
        service: ResourceId::new("service"),
    };
    type Workloads = kinds::count::Sum<
        <kinds::Deployment as Kind>::Workloads,
        <kinds::Service as Kind>::Workloads,
    >;
    const RESOURCES: &'static [ResourceDecl] = &[
        ResourceDecl {
            id: "deployment",
            kind: "Deployment",
        },
        ResourceDecl {
            id: "service",
            kind: "Service",
        },
    ];
    fn into_resources(self) -> ResourceMap {
        ResourceMap::from([
            ("deployment".to_owned(), self.deployment.into_manifest()),
            ("service".to_owned(), self.service.into_manifest()),
        ])
    }
}

fn metadata(name: &str, namespace: Option<&str>) -> serde_json::Value {
    match namespace {
        Some(ns) => json!({ "name": name, "namespace": ns }),
        None => json!({ "name": name }),
    }
}

/// `registry/image` with exactly one `/` between them; empty parts are left out (the reference's
/// `joinPath`: one leading and trailing `/` of each part is dropped).
fn image_ref(registry: &str, image: &str) -> String {
    [registry, image]
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(|part| {
            let part = part.strip_prefix('/').unwrap_or(part);
            part.strip_suffix('/').unwrap_or(part)
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl Template for SimpleApp {
    type Input<'a> = SimpleAppInput<'a>;
    type Output = SimpleAppResources;

    fn create(&self, input: SimpleAppInput<'_>) -> SimpleAppResources {
        let SimpleAppInput {
            name,
            image_name,
            image_registry,
            namespace,
            replicas,
            port,
        } = input;
        let deployment = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata(name, namespace),
            "spec": {
                "replicas": replicas,
                "selector": { "matchLabels": { "app": name } },
                "template": {
                    "metadata": { "labels": { "app": name } },
                    "spec": {
                        "containers": [{
                            "name": name,
                            "image": image_ref(image_registry, image_name),
                            "ports": [{ "containerPort": port }]
                        }]
                    }
                }
            }
        });
        let service = json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata(name, namespace),
            "spec": {
                "selector": { "app": name },
                "type": "ClusterIP",
                // As the reference writes it: no `protocol` (Kubernetes defaults it to TCP).
                "ports": [{ "port": port, "targetPort": port }]
            }
        });
        SimpleAppResources {
            deployment: Resource::trusted(deployment),
            service: Resource::trusted(service),
        }
    }

    fn name(&self) -> &str {
        "SimpleApp"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_and_image_are_joined_with_one_slash() {
        for (registry, image, want) in [
            ("", "api", "api"),
            (
                "your-registry.com",
                "private-image",
                "your-registry.com/private-image",
            ),
            ("ghcr.io/acme/", "api:1.4", "ghcr.io/acme/api:1.4"),
            ("ghcr.io/acme", "/api", "ghcr.io/acme/api"),
            (
                "registry.example.com:5000/",
                "team/api@sha256:ab",
                "registry.example.com:5000/team/api@sha256:ab",
            ),
        ] {
            assert_eq!(image_ref(registry, image), want, "{registry:?} + {image:?}");
        }
    }

    #[test]
    fn service_port_is_written_as_the_reference_does() {
        let out = SimpleApp.create(SimpleAppInput {
            name: "web",
            image_name: "web",
            port: 8080,
            ..Default::default()
        });
        let service = out.service.into_manifest();
        assert_eq!(
            service.body()["spec"]["ports"],
            json!([{ "port": 8080, "targetPort": 8080 }])
        );
        let deployment = out.deployment.into_manifest();
        assert_eq!(
            deployment.body()["spec"]["template"]["spec"]["containers"][0]["ports"],
            json!([{ "containerPort": 8080 }])
        );
    }
}
