//! Name conversions: `DatabaseUrl` → `DATABASE_URL`, `web_deployment` → `webDeployment`.

/// SCREAMING_SNAKE_CASE of a CamelCase identifier: word breaks before an uppercase letter that
/// follows a lowercase letter or digit, and before the last capital of an acronym (`APIKey` → `API_KEY`).
pub fn screaming_snake(ident: &str) -> String {
    let chars: Vec<char> = ident.chars().collect();
    let mut out = String::with_capacity(ident.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        if c != '_' || !out.ends_with('_') {
            out.extend(c.to_uppercase());
        }
    }
    out
}

/// lowerCamelCase of a snake_case identifier (`web_deployment` → `webDeployment`).
pub fn lower_camel(ident: &str) -> String {
    let ident = ident.strip_prefix("r#").unwrap_or(ident);
    let mut out = String::with_capacity(ident.len());
    let mut upper = false;
    for c in ident.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `name` is a valid environment variable name.
pub fn is_env_name(name: &str) -> bool {
    // A byte loop: `stack!` asks this of every secret name, in a crate built without optimisation.
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes[0].is_ascii_digit() {
        return false;
    }
    for &b in bytes {
        if !(b.is_ascii_alphanumeric() || b == b'_') {
            return false;
        }
    }
    true
}

/// The identifier of the field or id named `name` in a names struct: `name` itself, a raw
/// identifier for a Rust keyword (`r#type`), or `None` when no identifier can spell it (`self`,
/// `super`, `crate`, `Self`, `_`, or characters identifiers do not allow). Such names keep working
/// through the string API, checked at run time.
pub fn field_ident(name: &str, span: proc_macro2::Span) -> Option<syn::Ident> {
    if matches!(name, "self" | "super" | "crate" | "Self" | "_") {
        return None;
    }
    if !name.is_ascii() {
        // Unicode identifiers follow rules (XID) the checks below do not know: let syn decide.
        return match syn::parse_str::<syn::Ident>(name) {
            Ok(mut ident) => {
                ident.set_span(span);
                Some(ident)
            }
            Err(_) => None,
        };
    }
    if !is_env_name(name) {
        return None;
    }
    // Built directly, not parsed: `stack!` calls this for every injection, and parsing a string into
    // tokens is a round trip to the compiler's lexer inside a proc macro.
    Some(if is_keyword(name) {
        syn::Ident::new_raw(name, span)
    } else {
        syn::Ident::new(name, span)
    })
}

/// Rust's keywords, strict and reserved, of every edition (a raw identifier spells each of them;
/// `self`, `super`, `crate` and `Self` are paths, not in this list).
pub fn is_keyword(name: &str) -> bool {
    // A binary search over the sorted list: `stack!` asks this of most identifiers it reads, and
    // in a crate built without optimisation a 48-way string `match` is 48 calls.
    KEYWORDS.binary_search(&name).is_ok()
}

/// Sorted (`is_keyword` searches it; a unit test keeps it sorted).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(screaming_snake("DatabaseUrl"), "DATABASE_URL");
        assert_eq!(screaming_snake("ApiKey"), "API_KEY");
        assert_eq!(screaming_snake("APIKey"), "API_KEY");
        assert_eq!(
            screaming_snake("DockerRegistryToken"),
            "DOCKER_REGISTRY_TOKEN"
        );
        assert_eq!(screaming_snake("Oauth2Token"), "OAUTH2_TOKEN");
        assert_eq!(screaming_snake("S3Bucket"), "S3_BUCKET");
        assert_eq!(lower_camel("web_deployment"), "webDeployment");
        assert_eq!(lower_camel("deployment"), "deployment");
        assert!(is_env_name("_A1") && !is_env_name("1A") && !is_env_name("a-b"));
    }

    #[test]
    fn keywords_are_sorted_for_the_search() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_keyword("as") && is_keyword("yield") && is_keyword("gen") && is_keyword("mut"));
        assert!(!is_keyword("c") && !is_keyword("secrets") && !is_keyword("self"));
    }

    #[test]
    fn field_idents() {
        let span = proc_macro2::Span::call_site();
        let f = |n: &str| field_ident(n, span).map(|i| i.to_string());
        assert_eq!(f("DATABASE_URL").as_deref(), Some("DATABASE_URL"));
        assert_eq!(f("type").as_deref(), Some("r#type"));
        assert_eq!(f("self"), None);
        assert_eq!(f("_"), None);
        assert_eq!(f("a-b"), None);
    }
}
