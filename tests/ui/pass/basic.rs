// The documented basic form: derive a set, declare a stack, build it.
use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
    #[secret(name = "pg_connection_string")]
    PgConnectionString,
}

stack! {
    pub fn api_service(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("DATABASE_URL").inject();
                c.secrets("API_KEY").inject(env { container_index: 0 });
                c.secrets("pg_connection_string").for_name("PG_URL").inject();
            })
    }
}

fn main() {
    let secrets = SecretManager::<AppSecrets>::new()
        .connector(InMemoryConnector::new([("DATABASE_URL", "a"), ("API_KEY", "b"), ("pg_connection_string", "c")]))
        .provider(OpaqueSecretProvider::new("app-secrets"));
    let built = api_service(&secrets).build().unwrap();
    let env = &built["deployment"].body()["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(env[2]["name"], "PG_URL");
    assert_eq!(env[2]["valueFrom"]["secretKeyRef"]["key"], "pg_connection_string");
}
