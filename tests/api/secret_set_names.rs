//! `#[derive(SecretSet)]` writes the names struct that `stack!`'s checks resolve through: one field
//! per secret, named after its logical name (raw for a keyword), typed by its provider.

use kubricate::prelude::*;
use kubricate::provider::AnyProvider;
use kubricate::SecretName;

// The variants are never built here: only the derive's names struct is under test.
#[allow(dead_code)]
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum Mixed {
    Zeta,
    #[secret(name = "lower_case")]
    LowerCase,
    #[secret(name = "type")]
    Keyword,
    #[secret(provider = TlsSecretProvider)]
    Cert,
}

#[allow(dead_code)]
#[derive(SecretSet)]
pub enum NoProvider {
    Plain,
}

#[test]
fn each_secret_has_a_field_typed_by_its_provider() {
    let zeta: SecretName<OpaqueSecretProvider, Mixed> = Mixed::NAMES.ZETA;
    let lower: SecretName<OpaqueSecretProvider, Mixed> = Mixed::NAMES.lower_case;
    let keyword: SecretName<OpaqueSecretProvider, Mixed> = Mixed::NAMES.r#type;
    let cert: SecretName<TlsSecretProvider, Mixed> = Mixed::NAMES.CERT;
    let plain: SecretName<AnyProvider, NoProvider> = NoProvider::NAMES.PLAIN;
    let names = [
        zeta.name(),
        lower.name(),
        keyword.name(),
        cert.name(),
        plain.name(),
    ];
    assert_eq!(names, ["ZETA", "lower_case", "type", "CERT", "PLAIN"]);
    let declared: Vec<&str> = Mixed::SECRETS.names.to_vec();
    assert_eq!(declared, ["ZETA", "lower_case", "type", "CERT"]);
}

#[test]
fn a_typed_name_injects_like_its_string() {
    let m = SecretManager::<Mixed>::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app"))
        .provider(TlsSecretProvider::new("tls"));
    let input = || SimpleAppInput {
        name: "a",
        image_name: "a",
        ..Default::default()
    };
    let typed = Stack::from_template(SimpleApp, input())
        .use_secrets(&m, |c| {
            c.secret(c.names().ZETA).inject();
            c.secret(c.names().CERT)
                .inject_env_key("tls.crt", kubricate::strategy::env());
        })
        .build()
        .unwrap();
    let strings = Stack::from_template(SimpleApp, input())
        .use_secrets(&m, |c| {
            c.secrets("ZETA").inject();
            c.secrets("CERT")
                .inject_as(kubricate::strategy::env().key("tls.crt"));
        })
        .build()
        .unwrap();
    assert_eq!(typed, strings);
    // A bad fixed key is a run-time error with the words of the compile-time checks.
    let err = Stack::from_template(SimpleApp, input())
        .use_secrets(&m, |c| {
            c.secret(c.names().CERT)
                .inject_env_key("tls.crt2", kubricate::strategy::env());
        })
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("TlsSecretProvider needs `key` for the `env` strategy, one of: tls.crt, tls.key (got `tls.crt2`)"), "{err}");
}

/// Providers and connectors that change from secret to secret, and back: the derive's table keeps
/// them as runs of consecutive secrets, and every secret must come out with its own.
#[allow(dead_code)]
#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider, connector = "env")]
pub enum Alternating {
    First,
    Second,
    #[secret(provider = TlsSecretProvider)]
    Cert,
    #[secret(provider = OpaqueSecretProvider, provider_id = "other")]
    Other,
    Back,
    #[secret(connector = "file")]
    FromFile,
    Last,
}

#[test]
fn the_secret_table_gives_each_secret_its_own_options() {
    let decls: Vec<(&str, &str, Option<&str>, Option<&str>)> = Alternating::SECRETS
        .iter()
        .map(|d| {
            let provider = d.provider.map_or("-", |p| p.kind);
            (d.name, provider, d.provider_id, d.connector)
        })
        .collect();
    let opaque = <OpaqueSecretProvider as kubricate::ProviderType>::INFO.kind;
    let tls = <TlsSecretProvider as kubricate::ProviderType>::INFO.kind;
    assert_eq!(
        decls,
        [
            ("FIRST", opaque, None, Some("env")),
            ("SECOND", opaque, None, Some("env")),
            ("CERT", tls, None, Some("env")),
            ("OTHER", opaque, Some("other"), Some("env")),
            ("BACK", opaque, None, Some("env")),
            ("FROM_FILE", opaque, None, Some("file")),
            ("LAST", opaque, None, Some("env")),
        ]
    );
    // Seven secrets in six runs: only FIRST and SECOND share theirs.
    assert_eq!(Alternating::SECRETS.runs.len(), 6);
    assert_eq!(Alternating::SECRETS.len(), 7);
}
