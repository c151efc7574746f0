use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = TlsSecretProvider)]
pub enum TlsSecrets {
    ServerTls,
}

stack! {
    pub fn web(secrets: &SecretManager<TlsSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "web", image_name: "nginx", ..Default::default() })
            .use_secrets(secrets, |c| {
                c.secrets("SERVER_TLS").inject(volume { default_mode: 0o400 });
            })
    }
}

fn main() {}
