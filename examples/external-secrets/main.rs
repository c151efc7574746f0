//! GitOps with the External Secrets Operator: `generate` writes `ExternalSecret` objects beside the
//! workloads, and the operator in the cluster syncs each Secret from a secret store. No value passes
//! through this program: there is no connector and no `.env`.
//!
//! ```sh
//! cargo run --example external-secrets -- generate --stdout   # Deployment, Service and ExternalSecrets
//! cargo run --example external-secrets -- secret validate     # checks every reference against the targets
//! cargo run --example external-secrets -- secret apply --dry-run   # nothing to apply
//! ```

use kubricate::prelude::*;

/// The shop's secrets, all synced by the operator; each names the ExternalSecret it belongs to.
#[derive(SecretSet)]
#[secret_set(provider = ExternalSecretProvider)]
pub enum ShopSecrets {
    /// `app-secrets`: an Opaque Secret from Vault.
    #[secret(provider_id = "app")]
    DatabaseUrl,
    /// `payment-api`: another Opaque Secret, read whole with envFrom.
    #[secret(provider_id = "payment")]
    ApiKey,
    /// `db-login`: a `kubernetes.io/basic-auth` Secret of two keys.
    #[secret(provider_id = "db-login")]
    DbUser,
    #[secret(provider_id = "db-login")]
    DbPassword,
    /// `shop-tls`: a `kubernetes.io/tls` Secret, mounted as files.
    #[secret(provider_id = "tls")]
    TlsCert,
    #[secret(provider_id = "tls")]
    TlsKey,
    /// `registry-pull`: a `kubernetes.io/dockerconfigjson` Secret for `imagePullSecrets`.
    #[secret(provider_id = "registry")]
    RegistryAuth,
}

/// Five ExternalSecrets reading two stores; no connector: the operator loads the values.
pub fn secret_manager() -> SecretManager<ShopSecrets> {
    let vault = || SecretStoreRef::cluster("vault-backend");
    SecretManager::new()
        .provider_as(
            "app",
            ExternalSecretProvider::new("app-secrets", vault())
                .refresh_interval("15m")
                .remote(
                    "DATABASE_URL",
                    RemoteRef::new("shop/database").property("url"),
                ),
        )
        .provider_as(
            "payment",
            ExternalSecretProvider::new("payment-api", vault()).remote(
                "API_KEY",
                RemoteRef::new("shop/payment-api").property("key"),
            ),
        )
        .provider_as(
            "db-login",
            ExternalSecretProvider::new("db-login", vault())
                .secret_type("kubernetes.io/basic-auth")
                .remote_into(
                    "DB_USER",
                    "username",
                    RemoteRef::new("shop/database").property("user"),
                )
                .remote_into(
                    "DB_PASSWORD",
                    "password",
                    RemoteRef::new("shop/database").property("password"),
                ),
        )
        .provider_as(
            "tls",
            ExternalSecretProvider::new(
                "shop-tls",
                SecretStoreRef::namespaced("aws-secrets-manager"),
            )
            .refresh_interval("24h")
            .secret_type("kubernetes.io/tls")
            .remote_into(
                "TLS_CERT",
                "tls.crt",
                RemoteRef::new("shop/tls").property("certificate"),
            )
            .remote_into(
                "TLS_KEY",
                "tls.key",
                RemoteRef::new("shop/tls").property("private_key"),
            ),
        )
        .provider_as(
            "registry",
            ExternalSecretProvider::new("registry-pull", vault())
                .secret_type("kubernetes.io/dockerconfigjson")
                .creation_policy(CreationPolicy::Orphan)
                .remote_into(
                    "REGISTRY_AUTH",
                    ".dockerconfigjson",
                    RemoteRef::new("shop/registry"),
                ),
        )
}

stack! {
    /// The shop in namespace `shop`: every injection strategy reads a Secret the operator makes.
    pub fn shop(secrets: &SecretManager<ShopSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput {
            name: "shop", image_name: "shop", image_registry: "registry.example.com/", namespace: Some("shop"), ..Default::default()
        })
        .use_secrets(secrets, |c| {
            // env with a key: one variable per Secret key.
            c.secrets("DATABASE_URL").inject(env { key: "DATABASE_URL" });
            c.secrets("DB_USER").inject(env { key: "username" });
            c.secrets("DB_PASSWORD").inject(env { key: "password" });
            // envFrom: every key of `payment-api`, as PAYMENT_API_KEY.
            c.secrets("API_KEY").inject(env_from { prefix: "PAYMENT_" });
            // volume: the certificate and key as files; the key also as a variable.
            c.secrets("TLS_CERT").inject(volume { mount_path: "/etc/shop/tls", default_mode: 0o400 });
            c.secrets("TLS_KEY").for_name("TLS_KEY_PEM").inject(env { key: "tls.key" });
            // imagePullSecrets: the dockerconfigjson target.
            c.secrets("REGISTRY_AUTH").inject(image_pull_secret);
        })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("shop", shop(&secrets))
        .secrets(secrets)
        .main()
}
