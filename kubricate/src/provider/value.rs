//! What a value must look like before it is delivered: the checks `secret validate` and `secret apply`
//! both run. Every message names the secret (or Secret) and the kind of problem, never any part of a value.
//!
//! - TLS (`kubernetes.io/tls`): `tls.crt` holds PEM `CERTIFICATE` blocks, `tls.key` one unencrypted PEM
//!   private key (`PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`), each well-formed DER; and the
//!   key belongs to the first certificate, as `kubectl create secret tls` (Go's `tls.X509KeyPair`)
//!   requires. The match is checked without any cryptography: an RSA key's modulus, and an EC key's
//!   public point when the key file carries it, are compared with the certificate's public key; the
//!   key type must be the certificate's. An EC key without its public point and an Ed25519 key are
//!   checked for type only (deriving their public key needs curve arithmetic).
//! - SSH (`kubernetes.io/ssh-auth`): `ssh-privatekey` is a `-----BEGIN … PRIVATE KEY-----` block with
//!   its END line.
//! - Every Secret: data keys are 1–253 characters of `[-._a-zA-Z0-9]`, and the data together is at
//!   most 1 MiB (what the API server accepts).

use std::collections::BTreeMap;

use crate::model::secret_value::{SecretBytes, MAX_SECRET_BYTES};

/// Checks the data of the Secret `id` (`namespace/name`): key names and total size.
pub(crate) fn check_secret_data(
    id: &str,
    data: &BTreeMap<String, SecretBytes>,
) -> Vec<DataProblem> {
    let mut problems = Vec::new();
    for (i, key) in data.keys().enumerate() {
        if let Err(why) = check_data_key(key) {
            // Keys of custom types come from values, so the key itself is not shown.
            problems.push(DataProblem::InvalidKey {
                secret: id.to_owned(),
                position: i + 1,
                why,
            });
        }
    }
    let total: usize = data.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > MAX_SECRET_BYTES {
        problems.push(DataProblem::TooLarge {
            secret: id.to_owned(),
            total,
        });
    }
    problems
}

/// What is wrong with the `data` of a Secret about to be delivered. Names the Secret, never a key
/// (custom types' keys come from values) nor a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataProblem {
    /// A data key Kubernetes refuses.
    #[error("Secret `{secret}`: its {} data key {why}; data keys are 1 to 253 characters of letters, digits, `-`, `_` and `.`", super::common::ordinal(*position))]
    InvalidKey {
        /// `namespace/name` of the Secret.
        secret: String,
        /// The key's position in the Secret's sorted keys, from 1.
        position: usize,
        /// What is wrong with it.
        why: &'static str,
    },
    /// More data than the API server accepts in one Secret.
    #[error("Secret `{secret}` holds {total} bytes of data, more than the 1 MiB (1048576 bytes) Kubernetes accepts; split it into several Secrets or mount the data another way")]
    TooLarge {
        /// `namespace/name` of the Secret.
        secret: String,
        /// Keys and values, in bytes.
        total: usize,
    },
}

/// A Secret data key: `[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..`.
pub(crate) fn check_data_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        return Err("is empty");
    }
    if key.len() > 253 {
        return Err("is longer than 253 characters");
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err("has a character other than letters, digits, `-`, `_` and `.`");
    }
    if key == "." || key == ".." {
        return Err("is `.` or `..`");
    }
    Ok(())
}

/// Checks a TLS certificate and key (PEM) and that they belong together.
pub(crate) fn check_tls(secret: &str, cert: &[u8], key: &[u8]) -> Result<(), String> {
    let err = |what: &str| format!("secret `{secret}` for TlsSecretProvider: {what}");
    let certs = pem_blocks(cert).map_err(|e| err(&format!("`cert` {e}")))?;
    let Some(leaf) = certs.iter().find(|b| b.label == "CERTIFICATE") else {
        return Err(err(
            "`cert` holds no PEM `CERTIFICATE` block (-----BEGIN CERTIFICATE-----)",
        ));
    };
    let spki = certificate_public_key(&leaf.der).ok_or_else(|| {
        err("`cert`'s first CERTIFICATE block is not a well-formed X.509 certificate")
    })?;
    let keys = pem_blocks(key).map_err(|e| err(&format!("`key` {e}")))?;
    let key_block = match keys.as_slice() {
        [one] => one,
        [] => return Err(err("`key` holds no PEM block")),
        _ => {
            return Err(err(
                "`key` holds more than one PEM block; give only the private key",
            ))
        }
    };
    let private =
        match key_block.label.as_str() {
            "PRIVATE KEY" => pkcs8_key(&key_block.der),
            "RSA PRIVATE KEY" => pkcs1_modulus(&key_block.der).map(PublicKey::Rsa),
            "EC PRIVATE KEY" => sec1_public(&key_block.der).map(PublicKey::Ec),
            "ENCRYPTED PRIVATE KEY" => {
                return Err(err(
                    "`key` is encrypted; Kubernetes needs the key unencrypted",
                ))
            }
            _ => return Err(err(
                "`key` is not a PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)",
            )),
        }
        .ok_or_else(|| err("`key` is not a well-formed private key"))?;
    let matches = match (&spki, &private) {
        (PublicKey::Rsa(a), PublicKey::Rsa(b)) => a == b,
        (PublicKey::Ec(a), PublicKey::Ec(Some(b))) => a.as_deref() == Some(b.as_slice()),
        (PublicKey::Ec(_), PublicKey::Ec(None)) | (PublicKey::Ed25519, PublicKey::Ed25519) => true,
        _ => {
            return Err(err(
                "`key` is not of the certificate's key type (RSA, EC or Ed25519)",
            ))
        }
    };
    if matches {
        Ok(())
    } else {
        Err(err(
            "`key` does not belong to `cert`: the certificate's public key is not the key's",
        ))
    }
}

/// Checks an SSH private key: a `-----BEGIN ... PRIVATE KEY-----` line with its END line (the body is
/// not decoded: OpenSSH's format is its own, and Kubernetes stores the key as given).
pub(crate) fn check_ssh_key(secret: &str, key: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(key).unwrap_or_default();
    let mut lines = text.lines().map(str::trim);
    let label = lines.find_map(|l| {
        l.strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("PRIVATE KEY-----"))
    });
    let closed = label.is_some_and(|label| {
        let end = format!("-----END {label}PRIVATE KEY-----");
        lines.any(|l| l == end)
    });
    if closed {
        Ok(())
    } else {
        Err(format!("secret `{secret}` for SshAuthSecretProvider: `ssh-privatekey` is not a private key block (-----BEGIN OPENSSH PRIVATE KEY----- ... -----END OPENSSH PRIVATE KEY-----, or another PEM private key)"))
    }
}

/// One PEM block: its label and decoded bytes.
struct PemBlock {
    label: String,
    der: zeroize::Zeroizing<Vec<u8>>,
}

/// Every PEM block of `text` (RFC 7468, with legacy `Key: value` headers skipped).
fn pem_blocks(text: &[u8]) -> Result<Vec<PemBlock>, &'static str> {
    use base64::Engine;
    let text = std::str::from_utf8(text).map_err(|_| "is not PEM text (not UTF-8)")?;
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = zeroize::Zeroizing::new(String::new());
        let mut closed = false;
        for l in lines.by_ref() {
            if l == end {
                closed = true;
                break;
            }
            if l.contains(':') {
                continue; // Proc-Type: / DEK-Info: headers of legacy encrypted keys
            }
            body.push_str(l);
        }
        if !closed {
            return Err("has a PEM block without its END line");
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| "has a PEM block whose body is not base64")?;
        blocks.push(PemBlock {
            label: label.to_owned(),
            der: zeroize::Zeroizing::new(der),
        });
    }
    if blocks.is_empty() {
        return Err("is not PEM (no -----BEGIN ...----- line)");
    }
    Ok(blocks)
}

/// A public key, reduced to what comparing needs.
enum PublicKey {
    /// The modulus, without leading zeros.
    Rsa(Vec<u8>),
    /// The public point, when known.
    Ec(Option<Vec<u8>>),
    Ed25519,
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// One DER element: tag and content; the rest of the input after it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The content of the element with `tag` at the start of `input`, and the rest.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = tlv(input)?;
    (t == tag).then_some((content, rest))
}

const SEQ: u8 = 0x30;
const INT: u8 = 0x02;
const BITS: u8 = 0x03;
const OCTETS: u8 = 0x04;
const OID: u8 = 0x06;

fn strip_zeros(int: &[u8]) -> Vec<u8> {
    let start = int.iter().position(|&b| b != 0).unwrap_or(int.len());
    int[start..].to_vec()
}

/// The public key of a certificate's `subjectPublicKeyInfo`.
fn certificate_public_key(der: &[u8]) -> Option<PublicKey> {
    let (cert, _) = expect(der, SEQ)?;
    let (tbs, _) = expect(cert, SEQ)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.2; // [0] version
    }
    rest = expect(rest, INT)?.1; // serialNumber
    for _ in 0..4 {
        rest = expect(rest, SEQ)?.1; // signature, issuer, validity, subject
    }
    let (spki, _) = expect(rest, SEQ)?;
    let (alg, rest) = expect(spki, SEQ)?;
    let (oid, _) = expect(alg, OID)?;
    let (bits, _) = expect(rest, BITS)?;
    let key = bits.get(1..)?; // unused-bits byte
    match oid {
        o if o == OID_RSA => {
            let (seq, _) = expect(key, SEQ)?;
            let (modulus, _) = expect(seq, INT)?;
            Some(PublicKey::Rsa(strip_zeros(modulus)))
        }
        o if o == OID_EC => Some(PublicKey::Ec(Some(key.to_vec()))),
        o if o == OID_ED25519 => Some(PublicKey::Ed25519),
        _ => None,
    }
}

/// The modulus of a PKCS#1 `RSAPrivateKey`.
fn pkcs1_modulus(der: &[u8]) -> Option<Vec<u8>> {
    let (seq, _) = expect(der, SEQ)?;
    let (_, rest) = expect(seq, INT)?; // version
    let (modulus, _) = expect(rest, INT)?;
    Some(strip_zeros(modulus))
}

/// The public point of a SEC1 `ECPrivateKey`, when it carries one (`None` inside: it does not).
fn sec1_public(der: &[u8]) -> Option<Option<Vec<u8>>> {
    let (seq, _) = expect(der, SEQ)?;
    let (_, mut rest) = expect(seq, INT)?;
    rest = expect(rest, OCTETS)?.1;
    while let Some((tag, content, next)) = tlv(rest) {
        if tag == 0xa1 {
            let (bits, _) = expect(content, BITS)?;
            return Some(Some(bits.get(1..)?.to_vec()));
        }
        rest = next;
    }
    Some(None)
}

/// The key inside a PKCS#8 `PrivateKeyInfo`.
fn pkcs8_key(der: &[u8]) -> Option<PublicKey> {
    let (seq, _) = expect(der, SEQ)?;
    let (_, rest) = expect(seq, INT)?;
    let (alg, rest) = expect(rest, SEQ)?;
    let (oid, _) = expect(alg, OID)?;
    let (inner, _) = expect(rest, OCTETS)?;
    match oid {
        o if o == OID_RSA => pkcs1_modulus(inner).map(PublicKey::Rsa),
        o if o == OID_EC => sec1_public(inner).map(PublicKey::Ec),
        o if o == OID_ED25519 => Some(PublicKey::Ed25519),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Throwaway test material made with `openssl req -x509 -newkey ...` for these tests only.
    const RSA_CERT: &str = include_str!("testdata/rsa.crt");
    const RSA_KEY: &str = include_str!("testdata/rsa.key");
    const RSA_KEY_PKCS1: &str = include_str!("testdata/rsa-pkcs1.key");
    const OTHER_RSA_KEY: &str = include_str!("testdata/other-rsa.key");
    const EC_CERT: &str = include_str!("testdata/ec.crt");
    const EC_KEY: &str = include_str!("testdata/ec.key");
    const EC_KEY_SEC1: &str = include_str!("testdata/ec-sec1.key");
    const OTHER_EC_KEY: &str = include_str!("testdata/other-ec-sec1.key");
    const ED_CERT: &str = include_str!("testdata/ed25519.crt");
    const ED_KEY: &str = include_str!("testdata/ed25519.key");

    #[test]
    fn tls_accepts_matching_pairs() {
        for (cert, key) in [
            (RSA_CERT, RSA_KEY),
            (RSA_CERT, RSA_KEY_PKCS1),
            (EC_CERT, EC_KEY),
            (EC_CERT, EC_KEY_SEC1),
            (ED_CERT, ED_KEY),
        ] {
            check_tls("T", cert.as_bytes(), key.as_bytes()).unwrap();
        }
        // A chain: the leaf first, then an intermediate.
        let chain = format!("{RSA_CERT}{EC_CERT}");
        check_tls("T", chain.as_bytes(), RSA_KEY.as_bytes()).unwrap();
    }

    #[test]
    fn tls_refusals_name_the_secret_and_the_problem_only() {
        let canary = "CANARY-Zq7";
        let not_base64 =
            format!("-----BEGIN CERTIFICATE-----\n{canary}!!\n-----END CERTIFICATE-----\n");
        let truncated = RSA_CERT.replace("-----END CERTIFICATE-----", "");
        let garbage_der = "-----BEGIN CERTIFICATE-----\nQ0FOQVJZ\n-----END CERTIFICATE-----\n";
        for (cert, key, why) in [
            (canary, RSA_KEY, "`cert` is not PEM"),
            ("hello", "world", "`cert` is not PEM"),
            (not_base64.as_str(), RSA_KEY, "not base64"),
            (truncated.as_str(), RSA_KEY, "without its END line"),
            (garbage_der, RSA_KEY, "not a well-formed X.509"),
            (RSA_KEY, RSA_KEY, "no PEM `CERTIFICATE` block"),
            (RSA_CERT, canary, "`key` is not PEM"),
            (RSA_CERT, RSA_CERT, "not a PEM private key"),
            (RSA_CERT, OTHER_RSA_KEY, "does not belong to `cert`"),
            (EC_CERT, OTHER_EC_KEY, "does not belong to `cert`"),
            (RSA_CERT, EC_KEY, "not of the certificate's key type"),
            (ED_CERT, RSA_KEY, "not of the certificate's key type"),
        ] {
            let e = check_tls("SERVER_TLS", cert.as_bytes(), key.as_bytes()).unwrap_err();
            assert!(e.contains(why) && e.contains("`SERVER_TLS`"), "{why}: {e}");
            assert!(!e.contains(canary) && !e.contains("MII"), "{e}");
        }
    }

    #[test]
    fn ssh_keys_must_be_private_key_blocks() {
        check_ssh_key("S", b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n").unwrap();
        check_ssh_key("S", RSA_KEY.as_bytes()).unwrap();
        for bad in [&b"CANARY"[..], RSA_CERT.as_bytes()] {
            let e = check_ssh_key("S", bad).unwrap_err();
            assert!(e.contains("`S`") && !e.contains("CANARY"), "{e}");
        }
    }

    #[test]
    fn data_keys_follow_the_kubernetes_rule() {
        for ok in [
            "a",
            "tls.crt",
            ".dockerconfigjson",
            "A-b_c.9",
            &"k".repeat(253),
        ] {
            assert_eq!(check_data_key(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "../etc/passwd",
            "a/b",
            ".",
            "..",
            "é",
            &"k".repeat(254),
            "k:v",
        ] {
            assert!(check_data_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_secret_over_one_mebibyte_is_refused_without_naming_keys_or_values() {
        let mut data = BTreeMap::new();
        data.insert(
            "a".to_owned(),
            SecretBytes::new(vec![b'x'; MAX_SECRET_BYTES - 2]),
        );
        assert!(check_secret_data("ns/s", &data).is_empty());
        data.insert("b".to_owned(), SecretBytes::new(vec![b'x'; 2]));
        let p = check_secret_data("ns/s", &data);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].to_string()
                .contains("Secret `ns/s` holds 1048578 bytes"),
            "{p:?}"
        );
        data.clear();
        data.insert("CANARY key".to_owned(), SecretBytes::new(b"v".to_vec()));
        let p = check_secret_data("ns/s", &data);
        assert!(
            p[0].to_string().contains("1st data key has a character")
                && !p[0].to_string().contains("CANARY"),
            "{p:?}"
        );
    }
}
