//! Kubernetes name rules (RFC 1123), checked before anything is written or applied.

/// Checks a DNS subdomain name (Secret, Deployment, ... names): at most 253 characters of lowercase
/// letters, digits, `-` and `.`, starting and ending with a letter or digit.
pub fn check_dns_subdomain(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty; Kubernetes names need 1 to 253 characters".to_owned());
    }
    if name.len() > 253 {
        return Err(format!(
            "is {} characters long; Kubernetes names have at most 253",
            name.len()
        ));
    }
    check_chars(name, true)
}

/// Checks a DNS label (namespaces, volume names): at most 63 characters, no `.`.
pub fn check_dns_label(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty; it needs 1 to 63 characters".to_owned());
    }
    if name.len() > 63 {
        return Err(format!(
            "is {} characters long; at most 63 are allowed",
            name.len()
        ));
    }
    check_chars(name, false)
}

fn check_chars(name: &str, dots: bool) -> Result<(), String> {
    let ok =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (dots && c == '.');
    if let Some(bad) = name.chars().find(|&c| !ok(c)) {
        let allowed = if dots {
            "lowercase letters, digits, '-' and '.'"
        } else {
            "lowercase letters, digits and '-'"
        };
        return Err(format!(
            "is not a valid Kubernetes name: {bad:?} is not allowed (use {allowed}, RFC 1123)"
        ));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Err("is not a valid Kubernetes name: it must start and end with a letter or digit (RFC 1123)".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1123() {
        assert!(check_dns_subdomain("app-secrets").is_ok());
        assert!(check_dns_subdomain("a.b-c").is_ok());
        assert!(check_dns_subdomain("App").is_err());
        assert!(check_dns_subdomain("-a").is_err());
        assert!(check_dns_subdomain("a_b").is_err());
        assert!(check_dns_label("a.b").is_err());
        assert!(check_dns_label(&"a".repeat(64)).is_err());
    }
}
