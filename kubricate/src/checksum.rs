//! Keyed checksums of secret values: HMAC-SHA256 under a key only the team holds.
//!
//! A checksum says whether a value changed since the last run without revealing it. A plain hash
//! would not do: anyone holding the output could hash guesses (`hunter2`, every 6-digit PIN) and
//! compare. Under a secret key each checksum is a pseudo-random function of the value, so a guess can
//! only be checked by someone who also holds the key. The key never appears in output, `Debug` or
//! errors, and is zeroed on drop.
//!
//! Every checksum binds its *context* (what the value is: purpose, Secret, key, encryption label...)
//! as length-prefixed fields, so equal values in different places give unrelated checksums and no
//! two contexts can be confused by concatenation.
//!
//! ```
//! use kubricate::checksum::ChecksumKey;
//! let key = ChecksumKey::new(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap();
//! let a = key.checksum(&["sealed", "prod/app", "DB"], b"postgres://u:p@db/app");
//! assert_eq!(a.len(), 64);
//! assert_ne!(a, key.checksum(&["sealed", "prod/app", "API"], b"postgres://u:p@db/app"));
//! assert_eq!(format!("{key:?}"), "ChecksumKey(<redacted>)");
//! ```

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::connector::{Connector, ConnectorError};
use crate::model::secret_value::{ExposeSecret, SecretValue};

/// The environment variable read when no other key source is configured.
pub const CHECKSUM_KEY_ENV: &str = "KUBRICATE_CHECKSUM_KEY";

/// Shortest accepted key, in bytes. HMAC's security is that of its key: a short or memorable key
/// would let someone holding the output search keys and values together.
pub const MIN_KEY_BYTES: usize = 16;

/// The HMAC-SHA256 key of keyed checksums. `Debug` never shows it.
#[derive(Clone)]
pub struct ChecksumKey {
    bytes: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for ChecksumKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChecksumKey(<redacted>)")
    }
}

/// Why no checksum key is available. Never holds the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChecksumKeyError {
    /// No key is configured.
    #[error("no checksum key: {source_name} is not set; set it to at least {MIN_KEY_BYTES} random bytes (e.g. the output of `openssl rand -hex 32`), kept as secret as the values it protects")]
    Missing {
        /// Where the key was looked for.
        source_name: String,
    },
    /// The key is shorter than [`MIN_KEY_BYTES`].
    #[error("the checksum key from {source_name} is {len} bytes; it needs at least {MIN_KEY_BYTES} random bytes (e.g. `openssl rand -hex 32`)")]
    TooShort {
        /// Where the key came from.
        source_name: String,
        /// Its length.
        len: usize,
    },
    /// The connector holding the key failed.
    #[error("cannot load the checksum key `{secret}`: {source}")]
    Connector {
        /// The secret name asked for.
        secret: String,
        /// The connector's error (names, never values).
        #[source]
        source: ConnectorError,
    },
}

impl ChecksumKey {
    /// A key from raw bytes (at least [`MIN_KEY_BYTES`]).
    pub fn new(bytes: Vec<u8>) -> Result<ChecksumKey, ChecksumKeyError> {
        Self::checked(Zeroizing::new(bytes), "the given key")
    }

    fn checked(bytes: Zeroizing<Vec<u8>>, source: &str) -> Result<ChecksumKey, ChecksumKeyError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(ChecksumKeyError::TooShort {
                source_name: source.to_owned(),
                len: bytes.len(),
            });
        }
        Ok(ChecksumKey { bytes })
    }

    /// The key in the environment variable [`CHECKSUM_KEY_ENV`].
    pub fn from_env() -> Result<ChecksumKey, ChecksumKeyError> {
        Self::from_env_value(std::env::var_os(CHECKSUM_KEY_ENV))
    }

    /// [`from_env`](Self::from_env) for a given variable value (tests cannot set the environment
    /// safely while other tests run).
    fn from_env_value(value: Option<std::ffi::OsString>) -> Result<ChecksumKey, ChecksumKeyError> {
        let source = format!("the environment variable {CHECKSUM_KEY_ENV}");
        match value {
            Some(v) if !v.is_empty() => {
                Self::checked(Zeroizing::new(v.into_encoded_bytes()), &source)
            }
            _ => Err(ChecksumKeyError::Missing {
                source_name: source,
            }),
        }
    }

    /// HMAC-SHA256 of `value` in `context`, as 64 lowercase hex digits.
    pub fn checksum(&self, context: &[&str], value: &[u8]) -> String {
        // `new_from_slice` fails only for key sizes HMAC does not accept; HMAC accepts every size.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.bytes) else {
            return String::new();
        };
        for field in context {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        mac.update(&(value.len() as u64).to_be_bytes());
        mac.update(value);
        let digest = mac.finalize().into_bytes();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `expected` is the checksum of `value` in `context`, compared in constant time.
    pub fn verify(&self, context: &[&str], value: &[u8], expected: &str) -> bool {
        let actual = self.checksum(context, value);
        actual.len() == expected.len()
            && actual
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// Where the checksum key comes from; resolved only when something needs it.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum ChecksumKeySource {
    /// The environment variable [`CHECKSUM_KEY_ENV`] (the default).
    #[default]
    Env,
    /// A secret loaded through a connector, e.g. `EnvConnector` reading `KUBRICATE_SECRET_<NAME>` from
    /// the environment or a `.env` file.
    Secret {
        /// The connector.
        connector: Arc<dyn Connector>,
        /// The secret's logical name.
        name: String,
    },
}

impl fmt::Debug for ChecksumKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChecksumKeySource::Env => f.write_str("Env"),
            ChecksumKeySource::Secret { connector, name } => f
                .debug_struct("Secret")
                .field("connector", &connector.kind())
                .field("name", name)
                .finish(),
        }
    }
}

impl ChecksumKeySource {
    /// The key held by the secret `name` of `connector`.
    pub fn secret(connector: impl Connector, name: impl Into<String>) -> Self {
        ChecksumKeySource::Secret {
            connector: Arc::new(connector),
            name: name.into(),
        }
    }

    /// Loads the key.
    pub fn resolve(&self) -> Result<ChecksumKey, ChecksumKeyError> {
        match self {
            ChecksumKeySource::Env => ChecksumKey::from_env(),
            ChecksumKeySource::Secret { connector, name } => {
                let mut values = connector.load(&[name.as_str()]).map_err(|source| {
                    ChecksumKeyError::Connector {
                        secret: name.clone(),
                        source,
                    }
                })?;
                let source = format!("secret `{name}` of {}", connector.kind());
                let Some(value) = values.shift_remove(name) else {
                    return Err(ChecksumKeyError::Missing {
                        source_name: source,
                    });
                };
                let bytes = match &value {
                    SecretValue::Text(s) => Zeroizing::new(s.expose_secret().as_bytes().to_vec()),
                    _ => Zeroizing::new(value.to_bytes().expose().to_vec()),
                };
                ChecksumKey::checked(bytes, &source)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InMemoryConnector;

    fn key() -> ChecksumKey {
        ChecksumKey::new(b"test-only checksum key, 32 bytes".to_vec()).unwrap()
    }

    #[test]
    fn is_hmac_sha256_of_length_prefixed_fields_then_the_value() {
        // The framing is ours, so it is spelt out here: u64 big-endian length, bytes, per field.
        let k = key();
        let mut mac = Hmac::<Sha256>::new_from_slice(b"test-only checksum key, 32 bytes").unwrap();
        mac.update(&1u64.to_be_bytes());
        mac.update(b"a");
        mac.update(&3u64.to_be_bytes());
        mac.update(b"xyz");
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(k.checksum(&["a"], b"xyz"), expected);
    }

    #[test]
    fn context_framing_keeps_fields_apart() {
        let k = key();
        assert_ne!(
            k.checksum(&["ab", "c"], b"v"),
            k.checksum(&["a", "bc"], b"v")
        );
        assert_ne!(k.checksum(&["a"], b"bv"), k.checksum(&["ab"], b"v"));
        let other = ChecksumKey::new(b"another key of thirty-two bytes!".to_vec()).unwrap();
        assert_ne!(k.checksum(&["a"], b"v"), other.checksum(&["a"], b"v"));
    }

    #[test]
    fn verify_accepts_only_the_exact_checksum() {
        let k = key();
        let sum = k.checksum(&["x"], "ünïcødé $'\"".as_bytes());
        assert!(k.verify(&["x"], "ünïcødé $'\"".as_bytes(), &sum));
        assert!(!k.verify(&["x"], b"other", &sum));
        assert!(!k.verify(&["x"], "ünïcødé $'\"".as_bytes(), &sum[..63]));
        assert!(!k.verify(&["x"], "ünïcødé $'\"".as_bytes(), ""));
    }

    #[test]
    fn the_environment_variable_is_named_when_missing_empty_or_short() {
        for v in [None, Some("".into())] {
            let msg = ChecksumKey::from_env_value(v).unwrap_err().to_string();
            assert!(
                msg.starts_with(
                    "no checksum key: the environment variable KUBRICATE_CHECKSUM_KEY is not set"
                ) && msg.contains("openssl rand -hex 32"),
                "{msg}"
            );
        }
        let msg = ChecksumKey::from_env_value(Some("CANARY-short".into()))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("KUBRICATE_CHECKSUM_KEY is 12 bytes") && !msg.contains("CANARY"),
            "{msg}"
        );
        let k = ChecksumKey::from_env_value(Some("0123456789abcdef".into())).unwrap();
        assert_eq!(
            k.checksum(&[], b""),
            key_of("0123456789abcdef").checksum(&[], b"")
        );
    }

    fn key_of(s: &str) -> ChecksumKey {
        ChecksumKey::new(s.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn short_or_missing_keys_are_clear_errors_that_never_show_the_key() {
        let err = ChecksumKey::new(b"CANARY-short".to_vec()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("12 bytes") && msg.contains("at least 16"),
            "{msg}"
        );
        assert!(!msg.contains("CANARY"));

        let source =
            ChecksumKeySource::secret(InMemoryConnector::new([("KEY", "CANARY-shrt")]), "KEY");
        let msg = source.resolve().unwrap_err().to_string();
        assert!(
            msg.contains("secret `KEY` of InMemoryConnector") && !msg.contains("CANARY"),
            "{msg}"
        );

        let source = ChecksumKeySource::secret(InMemoryConnector::default(), "KEY");
        let msg = source.resolve().unwrap_err().to_string();
        assert!(msg.contains("cannot load the checksum key `KEY`"), "{msg}");

        let long = "CANARY-long-enough-key-0123456789";
        let source = ChecksumKeySource::secret(InMemoryConnector::new([("KEY", long)]), "KEY");
        let k = source.resolve().unwrap();
        assert!(!format!("{k:?}{source:?}").contains("CANARY"));
    }
}
