// The value of a fixed `key` is checked when the stack is built (a custom Secret type takes any
// key, so no type can tell a wrong one), in the words of the other checks.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
    #[secret(provider = BasicAuthSecretProvider)]
    ApiCredentials,
    #[secret(provider = DockerConfigSecretProvider)]
    DockerRegistryToken,
}

stack! {
    pub fn api_service(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("API_CREDENTIALS").inject(env { key: "user" });
            })
    }
}

fn main() {
    let m = SecretManager::<AppSecrets>::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app"))
        .provider(BasicAuthSecretProvider::new("creds"))
        .provider(DockerConfigSecretProvider::new("registry"));
    let err = api_service(&m).build().unwrap_err().to_string();
    assert!(
        err.contains("secret `API_CREDENTIALS`: BasicAuthSecretProvider needs `key` for the `env` strategy, one of: username, password (got `user`)"),
        "{err}"
    );
}
