//! TLS, SSH and custom-type Secrets, each read through `env` (one key), `envFrom` (every key) and
//! `volume` (files).
//!
//! ```sh
//! cargo run --example tls-ssh-custom -- generate --stdout
//! cargo run --example tls-ssh-custom -- secret apply --dry-run
//! ```
//!
//! | Provider | Value | Secret |
//! |---|---|---|
//! | `TlsSecretProvider` | `{"cert","key"}` | `kubernetes.io/tls` with `tls.crt`, `tls.key` |
//! | `SshAuthSecretProvider` | `{"ssh-privatekey","known_hosts"?}` | `kubernetes.io/ssh-auth`; `known_hosts` only when given and not empty |
//! | `CustomTypeSecretProvider` | any flat object | the `type` you give; with `allowed_keys`, any other key is an error |
//!
//! The `volume` strategy adds a pod volume from the Secret (named `secret-<Secret name>`) and a
//! read-only mount at `mount_path`; mounting one Secret in two containers adds one volume and two
//! mounts. The certificate and key in `examples/tls-ssh-custom/.env` are a throwaway pair made for
//! the example (`TlsSecretProvider` checks that they are PEM and belong together); the SSH key is fake.

use kubricate::prelude::*;
use serde_json::json;

/// One secret per provider type.
#[derive(SecretSet)]
pub enum ServiceSecrets {
    /// The web server's certificate and key.
    #[secret(provider = TlsSecretProvider)]
    ServerTls,
    /// The deploy key git-sync clones with.
    #[secret(provider = SshAuthSecretProvider)]
    GitSsh,
    /// A vendor API credential of a custom Secret type.
    #[secret(provider = CustomTypeSecretProvider)]
    VendorApi,
}

pub fn secret_manager() -> SecretManager<ServiceSecrets> {
    SecretManager::new()
        .connector(EnvConnector::new().working_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/tls-ssh-custom"
        )))
        .provider(TlsSecretProvider::new("web-tls"))
        .provider(SshAuthSecretProvider::new("git-ssh"))
        .provider(
            CustomTypeSecretProvider::new("vendor-api", "vendor.example.com/api-credentials")
                .allowed_keys(["API_TOKEN", "API_ENDPOINT"]),
        )
}

/// Three Deployments, each with a main container and a sidecar.
#[derive(Resources)]
pub struct SecureServices {
    web_server: Resource<kinds::Deployment>,
    git_sync: Resource<kinds::Deployment>,
    vendor_agent: Resource<kinds::Deployment>,
}

fn deployment(name: &str, containers: &[(&str, &str)]) -> Resource<kinds::Deployment> {
    let containers: Vec<_> = containers
        .iter()
        .map(|(name, image)| json!({ "name": name, "image": image }))
        .collect();
    Resource::new(json!({
        "metadata": { "name": name },
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": { "app": name } },
            "template": {
                "metadata": { "labels": { "app": name } },
                "spec": { "containers": containers }
            }
        }
    }))
    .expect("the literal is a Deployment")
}

stack! {
    pub fn secure_services(secrets: &SecretManager<ServiceSecrets>) -> Stack {
        Stack::from_static("secure-services", SecureServices {
            web_server: deployment("web-server", &[("nginx", "nginx"), ("cert-exporter", "cert-exporter")]),
            git_sync: deployment("git-sync", &[("git-sync", "git-sync"), ("repo-indexer", "repo-indexer")]),
            vendor_agent: deployment("vendor-agent", &[("agent", "vendor-agent"), ("uploader", "uploader")]),
        })
        // TLS: files for nginx, the certificate as a variable, every key for the exporter.
        .use_secrets(secrets, |c| {
            c.set_default_resource_id("webServer");
            c.secrets("SERVER_TLS").inject(volume { container_name: "nginx", mount_path: "/etc/nginx/tls", items: [("tls.crt", "server.crt"), ("tls.key", "server.key")], default_mode: 0o400 });
            c.secrets("SERVER_TLS").for_name("TLS_CERT").inject(env { container_name: "nginx", key: "tls.crt" });
            c.secrets("SERVER_TLS").inject(env_from { container_name: "cert-exporter", prefix: "TLS_" });
            // The same volume in a second container: one pod volume, a second mount.
            c.secrets("SERVER_TLS").inject(volume { container_name: "cert-exporter", mount_path: "/certs", items: [("tls.crt", "server.crt"), ("tls.key", "server.key")], default_mode: 0o400 });
        })
        // SSH: the key as files (every key of the Secret) and as a variable; every key for the indexer.
        .use_secrets(secrets, |c| {
            c.set_default_resource_id("gitSync");
            c.secrets("GIT_SSH").inject(volume { container_name: "git-sync", mount_path: "/etc/git-secret", default_mode: 0o400 });
            c.secrets("GIT_SSH").for_name("GIT_SSH_KEY").inject(env { container_name: "git-sync", key: "ssh-privatekey" });
            c.secrets("GIT_SSH").inject(env_from { container_name: "repo-indexer", prefix: "GIT_" });
        })
        // Custom type: one key as a file and as a variable; every key for the uploader.
        .use_secrets(secrets, |c| {
            c.set_default_resource_id("vendorAgent");
            c.secrets("VENDOR_API").inject(volume { container_name: "agent", mount_path: "/var/run/vendor", items: [("API_TOKEN", "token")] });
            c.secrets("VENDOR_API").for_name("VENDOR_TOKEN").inject(env { container_name: "agent", key: "API_TOKEN" });
            c.secrets("VENDOR_API").inject(env_from { container_name: "uploader", prefix: "VENDOR_" });
        })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("secureServices", secure_services(&secrets))
        .secrets(secrets)
        .main()
}
