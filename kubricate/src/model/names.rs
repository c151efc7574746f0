//! Name rules, checked before anything is written or applied: environment variable names, and
//! Kubernetes' RFC 1123 labels and subdomains. Every command (`generate`, `secret validate`,
//! `secret apply`) checks names through this module, so they accept and refuse the same names with the
//! same words.

use crate::model::resource::ResourceMap;
use crate::model::workload::is_workload_kind;

/// Why a name is refused. The message reads after the name: "Secret name `X` {error}".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Not `[A-Za-z_][A-Za-z0-9_]*`.
    #[error("is not a valid environment variable name (letters, digits and `_`, not starting with a digit)")]
    EnvName,
    /// An empty subdomain.
    #[error("is empty; Kubernetes names need 1 to 253 characters")]
    EmptySubdomain,
    /// A subdomain over 253 characters.
    #[error("is {0} characters long; Kubernetes names have at most 253")]
    LongSubdomain(usize),
    /// An empty label.
    #[error("is empty; it needs 1 to 63 characters")]
    EmptyLabel,
    /// A label over 63 characters.
    #[error("is {0} characters long; at most 63 are allowed")]
    LongLabel(usize),
    /// A character outside the allowed set.
    #[error("is not a valid Kubernetes name: {bad:?} is not allowed (use {allowed}, RFC 1123)")]
    Char {
        /// The first bad character.
        bad: char,
        /// What is allowed.
        allowed: &'static str,
    },
    /// Starts or ends with something other than a letter or digit.
    #[error(
        "is not a valid Kubernetes name: it must start and end with a letter or digit (RFC 1123)"
    )]
    Edge,
    /// A part between dots is empty (`a..b`).
    #[error("is not a valid Kubernetes name: it has an empty part between dots (RFC 1123)")]
    EmptyPart,
    /// A part between dots does not start and end with a letter or digit (`a.-b`).
    #[error("is not a valid Kubernetes name: its part `{0}` must start and end with a letter or digit (RFC 1123)")]
    PartEdge(String),
    /// A part between dots is over 63 characters.
    #[error("is not a valid Kubernetes name: a part between dots is {0} characters long; at most 63 are allowed (RFC 1123)")]
    LongPart(usize),
}

/// Checks an environment variable name, which a secret name and every `env` name kubricate writes must
/// be: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn check_env_name(name: &str) -> Result<(), NameError> {
    if is_env_name(name) {
        Ok(())
    } else {
        Err(NameError::EnvName)
    }
}

/// Whether `name` can be an environment variable name (`[A-Za-z_][A-Za-z0-9_]*`), which a secret name must
/// be so that connectors and `env` injection can use it.
pub const fn is_env_name(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || b[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if !(b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            return false;
        }
        i += 1;
    }
    true
}

/// Checks a DNS subdomain name (Secret, Deployment, ... names): at most 253 characters, parts of at
/// most 63 lowercase letters, digits and `-` separated by `.`, each starting and ending with a letter
/// or digit.
pub fn check_dns_subdomain(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::EmptySubdomain);
    }
    if name.len() > 253 {
        return Err(NameError::LongSubdomain(name.len()));
    }
    check_chars(name, true)?;
    for part in name.split('.') {
        if part.is_empty() {
            return Err(NameError::EmptyPart);
        }
        if part.len() > 63 {
            return Err(NameError::LongPart(part.len()));
        }
        if !edges_ok(part) {
            return Err(NameError::PartEdge(part.to_owned()));
        }
    }
    Ok(())
}

/// Checks a DNS label (namespaces, services, volume names): at most 63 characters, no `.`.
pub fn check_dns_label(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::EmptyLabel);
    }
    if name.len() > 63 {
        return Err(NameError::LongLabel(name.len()));
    }
    check_chars(name, false)
}

fn edges_ok(s: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    edge(s.chars().next()) && edge(s.chars().last())
}

fn check_chars(name: &str, dots: bool) -> Result<(), NameError> {
    let ok =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (dots && c == '.');
    if let Some(bad) = name.chars().find(|&c| !ok(c)) {
        let allowed = if dots {
            "lowercase letters, digits, '-' and '.'"
        } else {
            "lowercase letters, digits and '-'"
        };
        return Err(NameError::Char { bad, allowed });
    }
    if !edges_ok(name) {
        return Err(NameError::Edge);
    }
    Ok(())
}

/// One name check.
type NameRule = fn(&str) -> Result<(), NameError>;

/// The rule for a resource's own name, by kind: a DNS label for namespaces and services (their names
/// become DNS labels), a subdomain for workloads, Secrets and ConfigMaps; other kinds have rules of
/// their own (RBAC names may hold `:`) and are left to the API server.
fn name_rule(kind: &str) -> Option<NameRule> {
    match kind {
        "Namespace" | "Service" => Some(check_dns_label),
        "Secret" | "ConfigMap" => Some(check_dns_subdomain),
        k if is_workload_kind(k) => Some(check_dns_subdomain),
        _ => None,
    }
}

/// Every name problem of a stack's resources: workload, Secret, ConfigMap, Service and Namespace names,
/// and every `metadata.namespace`. One message per problem, naming the resource.
pub fn resource_name_problems(resources: &ResourceMap) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, m) in resources {
        if let (Some(rule), Some(name)) = (name_rule(m.kind()), m.name()) {
            if let Err(e) = rule(name) {
                problems.push(format!("resource `{id}` ({}): name `{name}` {e}", m.kind()));
            }
        }
        if let Some(ns) = m.namespace() {
            if let Err(e) = check_dns_label(ns) {
                problems.push(format!(
                    "resource `{id}` ({}): namespace `{ns}` {e}",
                    m.kind()
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1123() {
        for ok in [
            "app-secrets",
            "a.b-c",
            "a",
            "0",
            "a.b.c",
            &"a".repeat(63),
            &format!("{}.b", "a".repeat(63)),
        ] {
            assert_eq!(check_dns_subdomain(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("App", "'A' is not allowed"),
            ("-a", "start and end"),
            ("a_b", "'_' is not allowed"),
            ("a..b", "empty part between dots"),
            ("a.-b", "its part `-b` must start and end"),
            ("a-.b", "its part `a-` must start and end"),
            (".a", "start and end"),
            ("", "is empty"),
        ] {
            let err = check_dns_subdomain(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
        let long_label = format!("{}.b", "a".repeat(64));
        assert_eq!(
            check_dns_subdomain(&long_label),
            Err(NameError::LongPart(64))
        );
        assert_eq!(
            check_dns_subdomain(&"a".repeat(254)),
            Err(NameError::LongSubdomain(254))
        );
        assert!(check_dns_label("a.b").is_err());
        assert_eq!(
            check_dns_label(&"a".repeat(64)),
            Err(NameError::LongLabel(64))
        );
        assert!(check_dns_label(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn env_names() {
        for ok in ["API_KEY", "_x", "a1", "DATABASE_URL"] {
            assert!(check_env_name(ok).is_ok(), "{ok}");
        }
        for bad in ["API-KEY", "A B", "A\nB", "1A", "", "é", "A=B"] {
            assert_eq!(check_env_name(bad), Err(NameError::EnvName), "{bad:?}");
        }
        assert_eq!(
            NameError::EnvName.to_string(),
            "is not a valid environment variable name (letters, digits and `_`, not starting with a digit)"
        );
    }
}
