//! The keys Kubernetes requires in typed Secrets, for providers whose Secret type is configurable and
//! whose keys are not fixed by a value shape (ExternalSecret and SealedSecret targets).

/// `(type, keys the API server requires, at least one of these)`, from the Secret type validation of
/// the Kubernetes API (`pkg/apis/core/validation`).
const TYPED: &[(&str, &[&str], &[&str])] = &[
    (
        "kubernetes.io/dockerconfigjson",
        &[".dockerconfigjson"],
        &[],
    ),
    ("kubernetes.io/dockercfg", &[".dockercfg"], &[]),
    ("kubernetes.io/basic-auth", &[], &["username", "password"]),
    ("kubernetes.io/tls", &["tls.crt", "tls.key"], &[]),
    ("kubernetes.io/ssh-auth", &["ssh-privatekey"], &[]),
];

/// Checks that `keys` hold what a Secret of `secret_type` needs; the message names the missing keys.
pub(crate) fn check_required(secret_type: &str, keys: &[&str]) -> Result<(), String> {
    let Some((_, required, one_of)) = TYPED.iter().find(|(t, _, _)| *t == secret_type) else {
        return Ok(());
    };
    let missing: Vec<String> = required
        .iter()
        .filter(|k| !keys.contains(k))
        .map(|k| format!("`{k}`"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "a `{secret_type}` Secret needs the key(s) {}; map a secret to each",
            missing.join(", ")
        ));
    }
    if !one_of.is_empty() && !one_of.iter().any(|k| keys.contains(k)) {
        return Err(format!(
            "a `{secret_type}` Secret needs at least one of the keys {}; map a secret to one",
            one_of
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

/// Whether `key` may be a Secret `data` key (`^[-._a-zA-Z0-9]+$`, at most 253 characters).
pub(crate) fn is_data_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_keys_per_type() {
        assert!(check_required("Opaque", &[]).is_ok());
        assert!(check_required("kubernetes.io/tls", &["tls.crt", "tls.key", "ca.crt"]).is_ok());
        let err = check_required("kubernetes.io/tls", &["tls.crt"]).unwrap_err();
        assert!(err.contains("`tls.key`"), "{err}");
        assert!(check_required("kubernetes.io/basic-auth", &["password"]).is_ok());
        assert!(check_required("kubernetes.io/basic-auth", &["user"]).is_err());
        assert!(check_required("kubernetes.io/dockerconfigjson", &[".dockerconfigjson"]).is_ok());
    }

    #[test]
    fn data_keys() {
        assert!(is_data_key(".dockerconfigjson") && is_data_key("tls.crt") && is_data_key("A_B-1"));
        assert!(!is_data_key("") && !is_data_key("a/b") && !is_data_key("ü"));
        assert!(!is_data_key(&"k".repeat(254)));
    }
}
