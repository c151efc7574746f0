use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
}

stack! {
    pub fn api_service(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("DATABSE_URL").inject();
            })
    }
}

fn main() {}
