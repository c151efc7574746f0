//! Operations: a shop whose pods roll when a secret rotates, whose Secrets go wherever the shop is
//! applied, and whose Ingress and ServiceAccount name Secrets the cross-check follows.
//!
//! ```sh
//! cargo run --example operations -- generate --stdout          # with the secret-checksum annotation
//! cargo run --example operations -- secret apply --dry-run=client -o json
//! cargo run --example operations -- inspect --graph | dot -Tsvg > wiring.svg
//! ```
//!
//! - `Project::secret_checksums` makes `generate` add `kubricate.thaitype.dev/secret-checksum` to the
//!   Deployment's pod template: an HMAC-SHA256, under the key held by the secret `ROLLOUT_KEY`, of the
//!   values the pod consumes. Change `KUBRICATE_SECRET_STRIPE_KEY` and only that annotation changes, so
//!   `kubectl apply` rolls the pods.
//! - No resource has a namespace, so neither do the Secrets: `secret apply -n staging` and
//!   `kubectl -n staging apply -f output/` put all of them in `staging`.
//! - The Ingress terminates TLS with the `kubernetes.io/tls` Secret `shop-tls`, and the ServiceAccount
//!   pulls images with the docker-config Secret `registry-auth`; neither secret is injected into a pod,
//!   and `secret validate` still checks that both are delivered with the keys they need.
//!
//! Values come from `examples/operations/.env`.

use kubricate::checksum::ChecksumKeySource;
use kubricate::prelude::*;
use serde_json::json;

/// The shop's secrets: one env var, a TLS pair for the Ingress, registry credentials for the
/// ServiceAccount.
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum ShopSecrets {
    StripeKey,
    #[secret(provider = TlsSecretProvider)]
    ShopTls,
    #[secret(provider = DockerConfigSecretProvider)]
    RegistryAuth,
}

fn env() -> EnvConnector {
    EnvConnector::new().working_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/operations"))
}

pub fn secret_manager() -> SecretManager<ShopSecrets> {
    SecretManager::new()
        .connector(env())
        .provider(OpaqueSecretProvider::new("shop-secrets"))
        .provider(TlsSecretProvider::new("shop-tls"))
        .provider(DockerConfigSecretProvider::new("registry-auth"))
}

/// The shop: a Deployment running as the ServiceAccount `shop`, its Service and an Ingress.
#[derive(Resources)]
pub struct Shop {
    deployment: Resource<kinds::Deployment>,
    service: Resource<kinds::Service>,
    ingress: Resource<kinds::Ingress>,
    service_account: Resource<kinds::ServiceAccount>,
}

fn shop() -> Shop {
    let labels = json!({ "app": "shop" });
    Shop {
        deployment: Resource::new(json!({
            "metadata": { "name": "shop" },
            "spec": {
                "replicas": 2,
                "selector": { "matchLabels": labels },
                "template": {
                    "metadata": { "labels": labels },
                    "spec": {
                        "serviceAccountName": "shop",
                        "containers": [{ "name": "shop", "image": "registry.example.com/shop:1.4.2",
                                         "ports": [{ "containerPort": 8080 }] }]
                    }
                }
            }
        }))
        .expect("the literal is a Deployment"),
        service: Resource::new(json!({
            "metadata": { "name": "shop" },
            "spec": { "selector": labels, "ports": [{ "port": 80, "targetPort": 8080 }] }
        }))
        .expect("the literal is a Service"),
        ingress: Resource::new(json!({
            "metadata": { "name": "shop" },
            "spec": {
                "tls": [{ "hosts": ["shop.example.com"], "secretName": "shop-tls" }],
                "rules": [{ "host": "shop.example.com", "http": { "paths": [{
                    "path": "/", "pathType": "Prefix",
                    "backend": { "service": { "name": "shop", "port": { "number": 80 } } }
                }] } }]
            }
        }))
        .expect("the literal is an Ingress"),
        service_account: Resource::new(json!({
            "metadata": { "name": "shop" },
            "imagePullSecrets": [{ "name": "registry-auth" }]
        }))
        .expect("the literal is a ServiceAccount"),
    }
}

stack! {
    /// Only STRIPE_KEY reaches a container; the TLS and registry Secrets are named by the Ingress and
    /// the ServiceAccount.
    pub fn shop_stack(secrets: &SecretManager<ShopSecrets>) -> Stack {
        Stack::from_static("shop", shop())
            .use_secrets(secrets, |c| {
                c.secrets("STRIPE_KEY").inject();
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("shop", shop_stack(&secrets))
        .secrets(secrets)
        .secret_checksums(ChecksumKeySource::secret(env(), "ROLLOUT_KEY"))
        .main()
}
