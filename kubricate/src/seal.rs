//! kubeseal's hybrid encryption, as the sealed-secrets controller decrypts it
//! (`bitnami-labs/sealed-secrets`, `pkg/crypto/crypto.go`, `HybridEncrypt`):
//!
//! ```text
//! len(rsa) as u16 big-endian || rsa || aes
//! rsa = RSA-OAEP(SHA-256, MGF1-SHA-256, label)(session key)
//! aes = AES-256-GCM(session key, nonce = 12 zero bytes)(plaintext) with its 16-byte tag appended
//! ```
//!
//! A fresh 32-byte session key per value makes the zero nonce safe (a key is used once). The label is
//! the sealing scope (`namespace/name`, `namespace`, or empty): the controller decrypts with the label
//! of the SealedSecret it finds, so a ciphertext cannot be moved to another name or namespace.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::{OsRng, RngCore};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Oaep, RsaPublicKey};
use sha2::Sha256;
use x509_cert::der::{DecodePem, Encode};
use x509_cert::Certificate;
use zeroize::Zeroizing;

/// Why a value could not be sealed, or the certificate read. Never holds a value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The PEM text is not an X.509 certificate.
    #[error("not a PEM X.509 certificate (kubeseal --fetch-cert writes one): {0}")]
    Certificate(String),
    /// The certificate's key is not an RSA key.
    #[error("the certificate's public key is not an RSA key: {0}")]
    NotRsa(String),
    /// Encryption failed (a key too small for OAEP with SHA-256, or no OS random source).
    #[error("encryption failed: {0}")]
    Encrypt(String),
}

/// The controller's public key, read from its certificate.
#[derive(Clone)]
pub struct SealingKey {
    key: RsaPublicKey,
    fingerprint: String,
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingKey")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl SealingKey {
    /// Reads the RSA key of a PEM certificate (the first `CERTIFICATE` block).
    pub fn from_certificate_pem(pem: &str) -> Result<SealingKey, SealError> {
        let block = first_certificate_block(pem)
            .ok_or_else(|| SealError::Certificate("no `BEGIN CERTIFICATE` block".to_owned()))?;
        let cert =
            Certificate::from_pem(block).map_err(|e| SealError::Certificate(e.to_string()))?;
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| SealError::Certificate(e.to_string()))?;
        let key = RsaPublicKey::from_public_key_der(&spki)
            .map_err(|e| SealError::NotRsa(e.to_string()))?;
        Ok(SealingKey {
            key,
            fingerprint: crate::hash::sha256_hex(&spki),
        })
    }

    /// SHA-256 (hex) of the key's SubjectPublicKeyInfo: changes when the controller's key does.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Seals `plaintext` under `label`; returns the raw ciphertext (base64 it for `encryptedData`).
    pub fn seal(&self, label: &str, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut session_key = Zeroizing::new([0u8; 32]);
        OsRng
            .try_fill_bytes(session_key.as_mut())
            .map_err(|e| SealError::Encrypt(format!("no OS random source: {e}")))?;
        let rsa_ct = self
            .key
            .encrypt(
                &mut OsRng,
                Oaep::new_with_label::<Sha256, _>(label),
                session_key.as_ref(),
            )
            .map_err(|e| SealError::Encrypt(e.to_string()))?;
        let len = u16::try_from(rsa_ct.len())
            .map_err(|_| SealError::Encrypt("RSA key larger than 65535 bytes".to_owned()))?;
        let cipher = Aes256Gcm::new_from_slice(session_key.as_ref())
            .map_err(|e| SealError::Encrypt(e.to_string()))?;
        let aes_ct = cipher
            .encrypt(Nonce::from_slice(&[0u8; 12]), plaintext)
            .map_err(|e| SealError::Encrypt(e.to_string()))?;
        let mut out = Vec::with_capacity(2 + rsa_ct.len() + aes_ct.len());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&rsa_ct);
        out.extend_from_slice(&aes_ct);
        Ok(out)
    }
}

/// The first `CERTIFICATE` PEM block of `pem` (a bundle may hold several, or text around them).
fn first_certificate_block(pem: &str) -> Option<&str> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let start = pem.find(BEGIN)?;
    let end = pem[start..].find(END)? + start + END.len();
    Some(&pem[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::RsaPrivateKey;

    const CERT: &str = include_str!("../../examples/sealed-secrets/TEST-ONLY-sealing-cert.pem");
    const KEY: &str = include_str!("../../examples/sealed-secrets/TEST-ONLY-sealing-key.pem");

    /// Decrypts as the controller's `HybridDecrypt` does.
    fn unseal(label: &str, ct: &[u8]) -> Vec<u8> {
        let private = RsaPrivateKey::from_pkcs8_pem(KEY).unwrap();
        let len = u16::from_be_bytes([ct[0], ct[1]]) as usize;
        let session = private
            .decrypt(Oaep::new_with_label::<Sha256, _>(label), &ct[2..2 + len])
            .unwrap();
        Aes256Gcm::new_from_slice(&session)
            .unwrap()
            .decrypt(Nonce::from_slice(&[0u8; 12]), &ct[2 + len..])
            .unwrap()
    }

    #[test]
    fn seals_in_the_hybrid_format_under_the_label() {
        let key = SealingKey::from_certificate_pem(CERT).unwrap();
        let value = "postgres://u:p@db/app?x=$HOME'\"\u{1F511}".as_bytes();
        let ct = key.seal("shop/app-secrets", value).unwrap();
        // 4096-bit key: 512 bytes of RSA, then the value and a 16-byte tag.
        assert_eq!(u16::from_be_bytes([ct[0], ct[1]]), 512);
        assert_eq!(ct.len(), 2 + 512 + value.len() + 16);
        assert_eq!(unseal("shop/app-secrets", &ct), value);
        // A fresh session key every time.
        assert_ne!(ct, key.seal("shop/app-secrets", value).unwrap());
        // Another label does not decrypt.
        let private = RsaPrivateKey::from_pkcs8_pem(KEY).unwrap();
        assert!(private
            .decrypt(Oaep::new_with_label::<Sha256, _>("shop/other"), &ct[2..514])
            .is_err());
        // Empty plaintext and the empty (cluster-wide) label work.
        assert_eq!(unseal("", &key.seal("", b"").unwrap()), b"");
    }

    #[test]
    fn bad_certificates_are_named() {
        let err = SealingKey::from_certificate_pem("hello")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `BEGIN CERTIFICATE` block"), "{err}");
        let err = SealingKey::from_certificate_pem(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("not a PEM X.509 certificate"), "{err}");
        let with_text = format!("subject=CN=sealed-secret\n{CERT}");
        assert!(SealingKey::from_certificate_pem(&with_text).is_ok());
        let key = SealingKey::from_certificate_pem(CERT).unwrap();
        assert_eq!(key.fingerprint().len(), 64);
        assert!(!format!("{key:?}").contains("BEGIN"));
    }
}
