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

/// The most a Kubernetes Secret's data can hold (1 MiB): connectors stop reading a value past it, and
/// `secret validate` refuses a Secret over it.
pub(crate) const MAX_SECRET_BYTES: usize = 1024 * 1024;

/// A value loaded by a connector: text, a flat JSON object of scalar fields, or bytes.
///
/// `.env` values that parse as a flat JSON object (`{"username":"u","password":"p"}`) become
/// [`SecretValue::Object`], which the structured providers (docker config, basic-auth, TLS, SSH) read;
/// the object keeps its source text, which is what an Opaque Secret receives, byte for byte.
#[non_exhaustive]
pub enum SecretValue {
    /// A plain string value.
    Text(SecretString),
    /// A flat JSON object, with the text it was read from.
    Object(SecretObject),
    /// Bytes that are not UTF-8 text (a binary file), delivered as they are.
    Binary(SecretBytes),
}

/// A flat JSON object value: its fields, in source order, and its source text.
pub struct SecretObject {
    raw: SecretString,
    fields: IndexMap<String, SecretField>,
    repeated: bool,
}

impl SecretObject {
    /// The field `name`.
    pub fn get(&self, name: &str) -> Option<&SecretField> {
        self.fields.get(name)
    }
    /// The fields in source order (for a field given twice, the last value, at its first place).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretField)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v))
    }
    /// Number of distinct fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }
    /// Whether the object has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
    /// Whether some field name appears more than once in the source (JSON leaves that undefined, so
    /// the structured providers refuse it).
    pub fn has_repeated_field(&self) -> bool {
        self.repeated
    }
    /// The source text, exactly as loaded.
    pub fn raw(&self) -> &SecretString {
        &self.raw
    }
    /// An object built from fields (a `FileConnector` reading a certificate and a key); its text is
    /// the compact JSON of the fields.
    pub fn from_strings<K: Into<String>>(
        fields: impl IntoIterator<Item = (K, SecretString)>,
    ) -> Self {
        let mut map = IndexMap::new();
        let mut json = serde_json::Map::new();
        for (k, v) in fields {
            let k = k.into();
            json.insert(
                k.clone(),
                serde_json::Value::String(v.expose_secret().to_owned()),
            );
            map.insert(k, SecretField::Text(v));
        }
        let mut value = serde_json::Value::Object(json);
        let text = zeroizing_json(&value);
        let raw = SecretString::from(String::from_utf8_lossy(&text).into_owned());
        zeroize_json(&mut value);
        SecretObject {
            raw,
            fields: map,
            repeated: false,
        }
    }
}

/// One field of a JSON object value.
#[non_exhaustive]
pub enum SecretField {
    /// A JSON string. (Not called `String`: a public item of that name would make rustc spell
    /// `std::string::String` out in full in every user's error messages.)
    Text(SecretString),
    /// A JSON number (its value is only checked, never re-written: a number field is refused by every
    /// structured provider, and an Opaque Secret receives the object's source text).
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
            SecretField::Text(_) => "string",
            SecretField::Number(_) => "number",
            SecretField::Bool(_) => "boolean",
            SecretField::Null => "null",
        }
    }

    /// The field as a string, if it is a JSON string.
    pub fn as_secret_str(&self) -> Option<&SecretString> {
        match self {
            SecretField::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// Reads a flat JSON object, field by field, noting repeated names (serde_json's maps keep one).
struct FlatObject {
    fields: IndexMap<String, SecretField>,
    repeated: bool,
}

impl<'de> serde::Deserialize<'de> for FlatObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = FlatObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a flat JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FlatObject, A::Error> {
                let mut out = FlatObject {
                    fields: IndexMap::new(),
                    repeated: false,
                };
                while let Some(key) = map.next_key::<String>()? {
                    let mut v: serde_json::Value = map.next_value()?;
                    let field = match &mut v {
                        serde_json::Value::String(s) => {
                            SecretField::Text(SecretString::from(std::mem::take(s)))
                        }
                        serde_json::Value::Number(n) => {
                            SecretField::Number(SecretString::from(n.to_string()))
                        }
                        serde_json::Value::Bool(b) => SecretField::Bool(*b),
                        serde_json::Value::Null => SecretField::Null,
                        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                            zeroize_json(&mut v);
                            return Err(serde::de::Error::custom("nested"));
                        }
                    };
                    if out.fields.insert(key, field).is_some() {
                        out.repeated = true;
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visit)
    }
}

impl SecretValue {
    /// Interprets raw text the way the reference's EnvConnector does: a flat JSON object becomes an
    /// [`SecretValue::Object`] (keeping `raw` as its text); anything else (including JSON arrays,
    /// numbers and nested objects) stays text.
    pub fn parse(raw: &str) -> SecretValue {
        let trimmed = raw.trim();
        if trimmed.starts_with('{') {
            if let Ok(obj) = serde_json::from_str::<FlatObject>(trimmed) {
                return SecretValue::Object(SecretObject {
                    raw: SecretString::from(raw.to_owned()),
                    fields: obj.fields,
                    repeated: obj.repeated,
                });
            }
        }
        SecretValue::Text(SecretString::from(raw.to_owned()))
    }

    /// Interprets bytes: UTF-8 text as [`parse`](Self::parse) does, anything else as
    /// [`SecretValue::Binary`].
    pub fn from_bytes(bytes: Vec<u8>) -> SecretValue {
        match String::from_utf8(bytes) {
            Ok(text) => {
                let text = zeroize::Zeroizing::new(text);
                SecretValue::parse(&text)
            }
            Err(e) => SecretValue::Binary(SecretBytes::new(e.into_bytes())),
        }
    }

    /// A text value.
    pub fn text(s: impl Into<String>) -> SecretValue {
        SecretValue::Text(SecretString::from(s.into()))
    }

    /// `"text"`, `"JSON object"` or `"binary"`, for messages.
    pub fn shape(&self) -> &'static str {
        match self {
            SecretValue::Text(_) => "text",
            SecretValue::Object(_) => "JSON object",
            SecretValue::Binary(_) => "binary",
        }
    }

    /// Field names of an object value (empty otherwise). Field names come from the value: never put
    /// them in a message.
    pub fn field_names(&self) -> Vec<&str> {
        match self {
            SecretValue::Object(m) => m.fields.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The value as text, if it is text or an object (the object's source text).
    pub fn as_text(&self) -> Option<&SecretString> {
        match self {
            SecretValue::Text(s) => Some(s),
            SecretValue::Object(o) => Some(&o.raw),
            SecretValue::Binary(_) => None,
        }
    }

    /// Bytes to store under one key of a Kubernetes Secret: the value exactly as loaded (an object's
    /// source text, not a re-serialisation: numbers, spacing, escapes and repeated fields stay).
    pub fn to_bytes(&self) -> SecretBytes {
        match self {
            SecretValue::Text(s) => SecretBytes::from(s.expose_secret().as_bytes().to_vec()),
            SecretValue::Object(o) => SecretBytes::from(o.raw.expose_secret().as_bytes().to_vec()),
            SecretValue::Binary(b) => b.clone(),
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
                    "SecretValue::Object {{ fields: {}, values: <redacted> }}",
                    m.len()
                )
            }
            SecretValue::Binary(b) => write!(f, "SecretValue::Binary({b:?})"),
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
    fn object_bytes_are_the_source_text() {
        for raw in [
            r#"{ "a": "x", "n": 3, "b": true }"#,
            r#"{"id": 123456789012345678901234}"#,
            r#"{"e":1e2,"f":-0.0}"#,
            r#"{"a":"1","a":"2"}"#,
            r#"{"u":"\u00e9\/","t":"tab\there"}"#,
            "  {\n  \"pretty\": \"yes\"\n}\n",
        ] {
            let v = SecretValue::parse(raw);
            assert_eq!(v.shape(), "JSON object", "{raw}");
            assert_eq!(v.to_bytes().expose(), raw.as_bytes(), "{raw}");
        }
        let SecretValue::Object(o) = SecretValue::parse(r#"{"a":"1","a":"2"}"#) else {
            panic!("an object")
        };
        assert!(o.has_repeated_field());
    }

    #[test]
    fn bytes_that_are_not_utf8_stay_binary() {
        let v = SecretValue::from_bytes(vec![0xff, 0x00, 0xfe]);
        assert_eq!(v.shape(), "binary");
        assert_eq!(v.to_bytes().expose(), [0xff, 0x00, 0xfe]);
        assert!(v.as_text().is_none());
        assert_eq!(
            SecretValue::from_bytes(b"{\"a\":\"b\"}".to_vec()).shape(),
            "JSON object"
        );
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
