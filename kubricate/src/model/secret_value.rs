//! Secret values: what a connector loads and a provider encodes.
//!
//! A [`SecretValue`] never shows its content through `Debug` or `Display`, is not `Serialize`, and
//! zeroes its memory on drop (through [`secrecy`]). The only way to read it is [`ExposeSecret`], which
//! makes every read easy to find in review.
//!
//! ```
//! use kubricate::SecretValue;
//! let v = SecretValue::parse("postgres://user:hunter2@db/app");
//! assert_eq!(format!("{v:?}"), "SecretValue::Text(<redacted>)");
//! assert!(!format!("{v}").contains("hunter2"));
//! ```

use std::fmt;

use indexmap::IndexMap;
pub use secrecy::ExposeSecret;
use secrecy::SecretString;

/// A value loaded by a connector: either plain text or a flat JSON object of scalar fields.
///
/// `.env` values that parse as a flat JSON object (`{"username":"u","password":"p"}`) become
/// [`SecretValue::Object`], which the structured providers (docker config, basic-auth, TLS, SSH) read.
pub enum SecretValue {
    /// A plain string value.
    Text(SecretString),
    /// A flat JSON object; the field order of the source is kept.
    Object(IndexMap<String, SecretField>),
}

/// One field of a JSON object value.
pub enum SecretField {
    /// A JSON string.
    String(SecretString),
    /// A JSON number, kept as its source text.
    Number(SecretString),
    /// A JSON boolean.
    Bool(bool),
    /// JSON `null`.
    Null,
}

impl SecretField {
    /// The JSON type name, for error messages that must not show the value.
    pub fn type_name(&self) -> &'static str {
        match self {
            SecretField::String(_) => "string",
            SecretField::Number(_) => "number",
            SecretField::Bool(_) => "boolean",
            SecretField::Null => "null",
        }
    }

    /// The field as a string, if it is a JSON string.
    pub fn as_secret_str(&self) -> Option<&SecretString> {
        match self {
            SecretField::String(s) => Some(s),
            _ => None,
        }
    }
}

impl SecretValue {
    /// Interprets raw text the way the reference's EnvConnector does: a flat JSON object becomes an
    /// [`SecretValue::Object`]; anything else (including JSON arrays, numbers and nested objects) stays text.
    pub fn parse(raw: &str) -> SecretValue {
        let trimmed = raw.trim();
        if trimmed.starts_with('{') {
            if let Ok(serde_json::Value::Object(map)) =
                serde_json::from_str::<serde_json::Value>(trimmed)
            {
                let mut fields = IndexMap::with_capacity(map.len());
                let mut flat = true;
                for (k, v) in map {
                    let field = match v {
                        serde_json::Value::String(s) => SecretField::String(SecretString::from(s)),
                        serde_json::Value::Number(n) => {
                            SecretField::Number(SecretString::from(n.to_string()))
                        }
                        serde_json::Value::Bool(b) => SecretField::Bool(b),
                        serde_json::Value::Null => SecretField::Null,
                        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                            flat = false;
                            break;
                        }
                    };
                    fields.insert(k, field);
                }
                if flat {
                    return SecretValue::Object(fields);
                }
            }
        }
        SecretValue::Text(SecretString::from(raw.to_owned()))
    }

    /// A text value.
    pub fn text(s: impl Into<String>) -> SecretValue {
        SecretValue::Text(SecretString::from(s.into()))
    }

    /// `"text"` or `"object"`, for messages.
    pub fn shape(&self) -> &'static str {
        match self {
            SecretValue::Text(_) => "text",
            SecretValue::Object(_) => "JSON object",
        }
    }

    /// Field names of an object value (empty for text). Names are not secret.
    pub fn field_names(&self) -> Vec<&str> {
        match self {
            SecretValue::Text(_) => Vec::new(),
            SecretValue::Object(m) => m.keys().map(String::as_str).collect(),
        }
    }

    /// Bytes to store under one key of a Kubernetes Secret: the text itself, or the object's compact
    /// JSON (so an Opaque secret can carry a JSON document).
    pub fn to_bytes(&self) -> SecretBytes {
        match self {
            SecretValue::Text(s) => SecretBytes::from(s.expose_secret().as_bytes().to_vec()),
            SecretValue::Object(m) => {
                let mut obj = serde_json::Map::with_capacity(m.len());
                for (k, f) in m {
                    let v = match f {
                        SecretField::String(s) => {
                            serde_json::Value::String(s.expose_secret().to_owned())
                        }
                        // Kept as its source text, written back verbatim: a number is a value too.
                        SecretField::Number(n) => serde_json::from_str(n.expose_secret())
                            .unwrap_or(serde_json::Value::Null),
                        SecretField::Bool(b) => serde_json::Value::Bool(*b),
                        SecretField::Null => serde_json::Value::Null,
                    };
                    obj.insert(k.clone(), v);
                }
                let obj = ZeroizingJson(serde_json::Value::Object(obj));
                SecretBytes::from_zeroizing(zeroizing_json(&obj.0))
            }
        }
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretValue::Text(_) => f.write_str("SecretValue::Text(<redacted>)"),
            SecretValue::Object(m) => {
                write!(
                    f,
                    "SecretValue::Object {{ fields: {:?}, values: <redacted> }}",
                    m.keys().collect::<Vec<_>>()
                )
            }
        }
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Bytes of one Secret key (`data.<key>`), zeroed on drop, redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(zeroize::Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Wraps the bytes; they are zeroed when the last copy drops.
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(zeroize::Zeroizing::new(bytes))
    }
    /// Reads the bytes. Every call site is a place where a value leaves the vault: keep them few.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
    /// Number of bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Standard base64 of the bytes, as Kubernetes stores `data` values.
    pub fn to_base64(&self) -> zeroize::Zeroizing<String> {
        use base64::Engine;
        zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(self.expose()))
    }
}

impl SecretBytes {
    /// Takes the bytes out of a zeroizing buffer without copying them.
    pub fn from_zeroizing(mut bytes: zeroize::Zeroizing<Vec<u8>>) -> Self {
        SecretBytes::new(std::mem::take(&mut *bytes))
    }
}

/// A JSON tree that holds values (a Secret manifest with its data, a docker config): every string in
/// it is zeroized when it drops. `serde_json::Value` itself frees its strings without zeroing them.
pub struct ZeroizingJson(pub serde_json::Value);

impl Drop for ZeroizingJson {
    fn drop(&mut self) {
        zeroize_json(&mut self.0);
    }
}

impl fmt::Debug for ZeroizingJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ZeroizingJson(<redacted>)")
    }
}

/// Zeroes every string of `v` in place (numbers and booleans live inline, not on the heap); object keys,
/// which are not values, are left.
pub fn zeroize_json(v: &mut serde_json::Value) {
    use zeroize::Zeroize;
    match v {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(zeroize_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(zeroize_json),
        serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

/// Compact JSON of `v` in a zeroizing buffer of exactly the right size: the length is counted first,
/// so the buffer never grows (growing leaves the old copy in freed memory).
pub fn zeroizing_json(v: &serde_json::Value) -> zeroize::Zeroizing<Vec<u8>> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Serializing a `Value` cannot fail (its keys are strings); an empty result would show as an error
    // wherever the bytes are parsed.
    let _ = serde_json::to_writer(&mut count, v);
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(count.0));
    let _ = serde_json::to_writer(&mut *buf, v);
    buf
}

/// Keeps core dumps off while it lives: the soft `RLIMIT_CORE` limit is 0, so a crash while values are
/// in memory cannot write them to a core file (a child such as kubectl inherits the limit). The previous
/// limit is restored on drop. Best effort: a platform without the limit, or a refused call, leaves the
/// process as it was.
#[derive(Debug)]
pub struct CoreDumpsOff {
    #[cfg(unix)]
    previous: Option<rustix::process::Rlimit>,
}

impl CoreDumpsOff {
    /// Turns core dumps off until the guard drops.
    pub fn new() -> CoreDumpsOff {
        #[cfg(unix)]
        {
            use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
            let previous = getrlimit(Resource::Core);
            let off = Rlimit {
                current: Some(0),
                maximum: previous.maximum,
            };
            let set = setrlimit(Resource::Core, off).is_ok();
            CoreDumpsOff {
                previous: set.then_some(previous),
            }
        }
        #[cfg(not(unix))]
        CoreDumpsOff {}
    }

    /// Whether core dumps are off now (the soft `RLIMIT_CORE` limit is 0).
    pub fn active() -> bool {
        #[cfg(unix)]
        {
            rustix::process::getrlimit(rustix::process::Resource::Core).current == Some(0)
        }
        #[cfg(not(unix))]
        false
    }
}

impl Default for CoreDumpsOff {
    fn default() -> Self {
        CoreDumpsOff::new()
    }
}

impl Drop for CoreDumpsOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(previous) = self.previous.take() {
            let _ = rustix::process::setrlimit(rustix::process::Resource::Core, previous);
        }
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> Self {
        SecretBytes::new(v)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted {} bytes>)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_object_is_parsed_and_order_kept() {
        let v = SecretValue::parse(r#"{"username":"u","password":"p","registry":"r"}"#);
        assert_eq!(v.field_names(), vec!["username", "password", "registry"]);
        assert_eq!(v.shape(), "JSON object");
    }

    #[test]
    fn nested_or_invalid_json_stays_text() {
        assert_eq!(SecretValue::parse(r#"{"a":{"b":1}}"#).shape(), "text");
        assert_eq!(SecretValue::parse("{not json").shape(), "text");
        assert_eq!(SecretValue::parse("[1,2]").shape(), "text");
    }

    #[test]
    fn debug_and_display_never_show_values() {
        let canary = "CANARY-4f1d2";
        for v in [
            SecretValue::parse(canary),
            SecretValue::parse(&format!(r#"{{"password":"{canary}"}}"#)),
        ] {
            assert!(!format!("{v:?}").contains(canary));
            assert!(!format!("{v}").contains(canary));
            assert!(!format!("{:?}", v.to_bytes()).contains(canary));
        }
    }

    #[test]
    fn object_bytes_are_compact_json() {
        let v = SecretValue::parse(r#"{ "a": "x", "n": 3, "b": true }"#);
        assert_eq!(v.to_bytes().expose(), br#"{"a":"x","n":3,"b":true}"#);
    }

    #[cfg(unix)]
    #[test]
    fn core_dumps_are_off_while_the_guard_lives() {
        let before = rustix::process::getrlimit(rustix::process::Resource::Core);
        {
            let _guard = CoreDumpsOff::new();
            assert!(CoreDumpsOff::active());
        }
        assert_eq!(
            rustix::process::getrlimit(rustix::process::Resource::Core),
            before
        );
    }
}
