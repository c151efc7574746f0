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

fn main() {}
