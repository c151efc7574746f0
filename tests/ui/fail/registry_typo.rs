use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum Frontend {
    AnalyticsKey,
}

#[derive(IntoManagers)]
pub struct Teams {
    frontend: SecretManager<Frontend>,
    #[manager(name = "frontend")]
    web: SecretManager<Frontend>,
}

stack! {
    pub fn gateway(teams: &Teams) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api-gateway", image_name: "gateway", ..Default::default() })
            .use_secrets::<Frontend>(&teams.fronend, |c| {
                c.secrets("ANALYTICS_KEY").inject();
            })
    }
}

fn main() {}
