// Every provider with its strategies: docker config, basic-auth (env key, envFrom prefix), TLS volume,
// SSH env, custom type.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    #[secret(provider = DockerConfigSecretProvider)]
    DockerRegistryToken,
    #[secret(provider = BasicAuthSecretProvider, provider_id = "api-auth")]
    ApiCredentials,
    #[secret(provider = BasicAuthSecretProvider, provider_id = "db-auth")]
    DbCredentials,
    #[secret(provider = TlsSecretProvider)]
    ServerTls,
    #[secret(provider = SshAuthSecretProvider)]
    GitSsh,
    #[secret(provider = CustomTypeSecretProvider)]
    VendorApi,
}

stack! {
    pub fn app(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "app", image_name: "app", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("DATABASE_URL").inject();
                c.secrets("DOCKER_REGISTRY_TOKEN").inject();
                c.secrets("API_CREDENTIALS").for_name("API_USER").inject(env { key: "username" });
                c.secrets("DB_CREDENTIALS").inject(env_from { prefix: "DB_" });
                c.secrets("SERVER_TLS").inject(volume { mount_path: "/etc/tls", items: [("tls.crt", "cert.pem")], default_mode: 0o400 });
                c.secrets("GIT_SSH").inject(env { key: "ssh-privatekey" });
                c.secrets("VENDOR_API").inject(env { key: "token" });
            })
    }
}

fn main() {
    let m = SecretManager::<AppSecrets>::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app-secrets"))
        .provider(DockerConfigSecretProvider::new("registry"))
        .provider_as("api-auth", BasicAuthSecretProvider::new("api-auth"))
        .provider_as("db-auth", BasicAuthSecretProvider::new("db-auth"))
        .provider(TlsSecretProvider::new("tls"))
        .provider(SshAuthSecretProvider::new("ssh"))
        .provider(CustomTypeSecretProvider::new("vendor", "vendor.example.com/api").allowed_keys(["token"]));
    let built = app(&m).build().unwrap();
    let pod = &built["deployment"].body()["spec"]["template"]["spec"];
    assert_eq!(pod["imagePullSecrets"][0]["name"], "registry");
    assert_eq!(pod["containers"][0]["envFrom"][0]["prefix"], "DB_");
    assert_eq!(pod["volumes"][0]["secret"]["defaultMode"], 0o400);
    assert_eq!(pod["containers"][0]["volumeMounts"][0]["mountPath"], "/etc/tls");
}
