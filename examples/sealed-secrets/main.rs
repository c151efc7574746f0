//! GitOps with Bitnami sealed-secrets: values are loaded as usual, and `generate` writes
//! `SealedSecret` objects that only the controller in the cluster can decrypt, so the output is safe
//! to commit. A second run with unchanged values leaves the files byte-identical; a changed value
//! changes only its own entry.
//!
//! ```sh
//! cargo run --example sealed-secrets -- generate            # rewrites examples/sealed-secrets/sealed/
//! cargo run --example sealed-secrets -- generate --stdout   # the same, printed
//! cargo run --example sealed-secrets -- secret validate     # loads every value, checks every reference
//! ```
//!
//! `TEST-ONLY-sealing-cert.pem` and `TEST-ONLY-sealing-key.pem` are a key pair made for this example
//! and its tests (`openssl req -x509 -newkey rsa:4096 -nodes`), so that anyone can decrypt the output
//! and compare it with `.env`. Never use them in a cluster: seal with your controller's certificate
//! (`kubeseal --fetch-cert > cert.pem`).

use kubricate::checksum::ChecksumKeySource;
use kubricate::prelude::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sealed-secrets");

/// The app's secrets, sealed into two SealedSecrets.
#[derive(SecretSet)]
#[secret_set(provider = SealedSecretProvider)]
pub enum AppSecrets {
    /// `app-secrets`, strict scope: decryptable only as `shop/app-secrets`.
    #[secret(provider_id = "app")]
    DatabaseUrl,
    #[secret(provider_id = "app")]
    ApiKey,
    /// `signing-key`, namespace-wide: a PEM file mounted into the pod.
    #[secret(provider_id = "signing")]
    JwtSigningKey,
}

fn test_only_cert() -> String {
    format!("{DIR}/TEST-ONLY-sealing-cert.pem")
}

/// Values from `KUBRICATE_SECRET_*` variables and the example's `.env`, sealed with the test-only
/// certificate.
pub fn secret_manager() -> SecretManager<AppSecrets> {
    SecretManager::new()
        .connector(EnvConnector::new().working_dir(DIR))
        .provider_as(
            "app",
            SealedSecretProvider::new("app-secrets", test_only_cert()),
        )
        .provider_as(
            "signing",
            SealedSecretProvider::new("signing-key", test_only_cert())
                .scope(SealingScope::NamespaceWide)
                .secret_key("JWT_SIGNING_KEY", "jwt.pem"),
        )
}

stack! {
    /// The shop in namespace `shop`, reading both SealedSecrets' Secrets.
    pub fn shop(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "shop", image_name: "shop", namespace: Some("shop"), ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("DATABASE_URL").inject(env { key: "DATABASE_URL" });
                c.secrets("API_KEY").inject(env { key: "API_KEY" });
                c.secrets("JWT_SIGNING_KEY").inject(volume { mount_path: "/etc/shop/jwt", items: [("jwt.pem", "signing.pem")], default_mode: 0o400 });
            })
    }
}

fn main() -> std::process::ExitCode {
    let secrets = secret_manager();
    kubricate::Project::new()
        .stack("shop", shop(&secrets))
        .secrets(secrets)
        // The committed output is the previous run: unchanged values keep their ciphertext.
        .out_dir(format!("{DIR}/sealed"))
        // The keyed checksums' key, here from `.env` (KUBRICATE_SECRET_SEALED_CHECKSUM_KEY); by
        // default it is read from KUBRICATE_CHECKSUM_KEY.
        .checksum_key(ChecksumKeySource::secret(
            EnvConnector::new().working_dir(DIR),
            "SEALED_CHECKSUM_KEY",
        ))
        .main()
}
