//! Providers of Secret types with fixed keys: `kubernetes.io/basic-auth`, `kubernetes.io/tls`,
//! `kubernetes.io/ssh-auth`. They differ only in data (type, fields, keys, strategies), so one macro
//! writes all three.

use super::common::{keyed_injection, prepare_fixed, FieldMap};
use super::facts::provider_facts;
use super::value;
use super::{target_builders, Provider, ProviderInfo, ProviderType, SecretEntry, SecretTarget};
use crate::model::pod_patch::PodPatch;
use crate::model::secret_value::SecretValue;
use crate::model::strategy::Strategy;

macro_rules! fixed_key_provider {
    (
        $(#[$doc:meta])*
        $name:ident {
            type: $secret_type:literal,
            strategies: [$($strategy:ident),*],
            fields: [$(($json:literal => $key:literal, $required:literal)),*],
            default_key: $default_key:literal,
            check: $check:expr $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            target: SecretTarget,
        }

        target_builders!($name);

        impl $name {
            const FIELDS: &'static [FieldMap] = &[$(FieldMap { json: $json, key: $key, required: $required }),*];
        }

        provider_facts!($name { strategies: [$($strategy),*], env_key: one_of [$($key),*] });

        impl Provider for $name {
            fn info(&self) -> &'static ProviderInfo {
                &Self::INFO
            }
            fn target(&self) -> &SecretTarget {
                &self.target
            }
            fn secret_type(&self) -> &str {
                $secret_type
            }
            fn injection(&self, _secret: &str, target_name: &str, strategy: &Strategy) -> Result<PodPatch, super::ProviderError> {
                keyed_injection(&self.target.name, target_name, $default_key, strategy)
            }
            fn prepare(&self, secret: &str, value: &SecretValue) -> Result<Vec<SecretEntry>, super::ProviderError> {
                let entries = prepare_fixed(Self::INFO.kind, secret, value, Self::FIELDS)
                    .map_err(|m| super::ProviderError::value(secret, m))?;
                let check: fn(&str, &[SecretEntry]) -> Result<(), String> = $check;
                check(secret, &entries).map_err(|m| super::ProviderError::value(secret, m))?;
                Ok(entries)
            }
        }
    };
}

fixed_key_provider! {
    /// A `kubernetes.io/basic-auth` Secret from a value `{"username","password"}`; injected with `env`
    /// (`key: username|password`) or `envFrom` (optional `prefix`).
    BasicAuthSecretProvider {
        type: "kubernetes.io/basic-auth",
        strategies: [Env, EnvFrom],
        fields: [("username" => "username", true), ("password" => "password", true)],
        default_key: "username",
        check: |_, _| Ok(()),
    }
}

fixed_key_provider! {
    /// A `kubernetes.io/tls` Secret from a value `{"cert","key"}` (PEM), as keys `tls.crt` and `tls.key`;
    /// injected with `env` (`key: tls.crt|tls.key`), `envFrom` or `volume`. The certificate and key must
    /// be PEM and belong together, as `kubectl create secret tls` requires (see `provider/value.rs`).
    TlsSecretProvider {
        type: "kubernetes.io/tls",
        strategies: [Env, EnvFrom, Volume],
        fields: [("cert" => "tls.crt", true), ("key" => "tls.key", true)],
        default_key: "tls.crt",
        check: |secret, entries| {
            let field = |k: &str| entries.iter().find(|e| e.key == k).map_or(&[][..], |e| e.value.expose());
            value::check_tls(secret, field("tls.crt"), field("tls.key"))
        },
    }
}

fixed_key_provider! {
    /// A `kubernetes.io/ssh-auth` Secret from a value `{"ssh-privatekey", "known_hosts"?}`; `known_hosts` is
    /// omitted when absent or empty. Injected with `env` (`key`), `envFrom` or `volume`.
    SshAuthSecretProvider {
        type: "kubernetes.io/ssh-auth",
        strategies: [Env, EnvFrom, Volume],
        fields: [("ssh-privatekey" => "ssh-privatekey", true), ("known_hosts" => "known_hosts", false)],
        default_key: "ssh-privatekey",
        check: |secret, entries| {
            let key = entries.iter().find(|e| e.key == "ssh-privatekey").map_or(&[][..], |e| e.value.expose());
            value::check_ssh_key(secret, key)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::StrategyKind;

    const KEY: &str =
        "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaA==\\n-----END OPENSSH PRIVATE KEY-----\\n";

    fn tls_value(extra: &str) -> SecretValue {
        let j = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        SecretValue::parse(&format!(
            r#"{{"cert":{},"key":{}{extra}}}"#,
            j(include_str!("testdata/rsa.crt")),
            j(include_str!("testdata/rsa.key"))
        ))
    }

    #[test]
    fn tls_refuses_values_that_are_not_pem() {
        let p = TlsSecretProvider::new("tls");
        let err = p
            .prepare(
                "T",
                &SecretValue::parse(r#"{"cert":"hello","key":"world"}"#),
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("secret `T`") && err.contains("`cert` is not PEM"),
            "{err}"
        );
        assert!(!err.contains("hello") && !err.contains("world"), "{err}");
    }

    #[test]
    fn ssh_known_hosts_is_omitted_when_absent_or_empty() {
        let p = SshAuthSecretProvider::new("ssh");
        for v in [
            format!(r#"{{"ssh-privatekey":"{KEY}"}}"#),
            format!(r#"{{"ssh-privatekey":"{KEY}","known_hosts":""}}"#),
        ] {
            let keys: Vec<String> = p
                .prepare("S", &SecretValue::parse(&v))
                .unwrap()
                .into_iter()
                .map(|e| e.key)
                .collect();
            assert_eq!(keys, ["ssh-privatekey"]);
        }
        let keys: Vec<String> = p
            .prepare(
                "S",
                &SecretValue::parse(&format!(
                    r#"{{"ssh-privatekey":"{KEY}","known_hosts":"h"}}"#
                )),
            )
            .unwrap()
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, ["ssh-privatekey", "known_hosts"]);
    }

    #[test]
    fn tls_maps_fields_to_keys_and_rejects_unknown_fields() {
        let p = TlsSecretProvider::new("tls");
        let keys: Vec<String> = p
            .prepare("T", &tls_value(""))
            .unwrap()
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, ["tls.crt", "tls.key"]);
        let err = p
            .prepare("T", &tls_value(r#","CANARY":"x""#))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1 unknown field(s) (the 3rd field of its value)")
                && !err.contains("CANARY"),
            "{err}"
        );
        assert_eq!(p.secret_type(), "kubernetes.io/tls");
        assert_eq!(
            BasicAuthSecretProvider::INFO.strategies,
            [StrategyKind::Env, StrategyKind::EnvFrom]
        );
    }
}
