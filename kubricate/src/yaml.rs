//! YAML in and out. Every byte of YAML the crate reads or writes goes through this module.
//!
//! Reading uses `serde_yaml` (swap to a maintained fork here and nowhere else). Writing uses a small
//! emitter of our own, because `serde_yaml` writes strings such as `yes`, `on`, `y` and `2001-12-14`
//! unquoted, and Kubernetes reads YAML 1.1, where those are booleans and timestamps. The emitter quotes
//! every string that YAML 1.1 or 1.2 could read as anything but that string, writes block style in
//! the layout `kubectl` uses, and is deterministic (key order is the tree's insertion order).
//!
//! ```
//! use serde_json::json;
//! let doc = kubricate::yaml::to_string(&json!({ "enabled": "yes", "mode": "0755", "name": "web" }));
//! assert_eq!(doc, "enabled: 'yes'\nmode: '0755'\nname: web\n");
//! assert_eq!(kubricate::yaml::from_str(&doc).unwrap(), json!({ "enabled": "yes", "mode": "0755", "name": "web" }));
//! ```

use std::fmt::Write;

use serde_json::{Map, Value};

/// A YAML parse error (line and column, never the document's content).
#[derive(Debug, thiserror::Error)]
#[error("invalid YAML{}", location.map(|(l, c)| format!(" at line {l}, column {c}")).unwrap_or_default())]
pub struct YamlError {
    location: Option<(usize, usize)>,
}

/// Parses one YAML document into a JSON tree.
pub fn from_str(s: &str) -> Result<Value, YamlError> {
    serde_yaml::from_str(s).map_err(|e| YamlError {
        location: e.location().map(|l| (l.line(), l.column())),
    })
}

/// Parses a stream of `---`-separated documents (empty documents are skipped).
pub fn from_str_multi(s: &str) -> Result<Vec<Value>, YamlError> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(s) {
        let v: Value = serde::Deserialize::deserialize(doc).map_err(|e| YamlError {
            location: e.location().map(|l| (l.line(), l.column())),
        })?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(out)
}

/// Writes one document (no `---`).
pub fn to_string(v: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_document(&mut out, v);
    out
}

/// Writes documents separated by `---`.
pub fn to_string_multi<'a>(docs: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::with_capacity(1024);
    write_multi(&mut out, docs);
    out
}

/// `header` followed by the documents, in a zeroizing string of exactly the right size: the text is
/// measured first, so the string never grows (growing would leave a copy of its values in freed memory).
/// For documents that hold secret values.
pub fn to_zeroizing_string_multi<'a>(
    header: &str,
    docs: impl IntoIterator<Item = &'a Value> + Clone,
) -> zeroize::Zeroizing<String> {
    let mut count = Count(header.len());
    write_multi(&mut count, docs.clone());
    let mut out = zeroize::Zeroizing::new(String::with_capacity(count.0));
    out.push_str(header);
    write_multi(&mut *out, docs);
    out
}

/// A sink that only counts what would be written.
struct Count(usize);

impl Write for Count {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

fn write_multi<'a>(out: &mut impl Write, docs: impl IntoIterator<Item = &'a Value>) {
    for (i, d) in docs.into_iter().enumerate() {
        if i > 0 {
            push(out, "---\n");
        }
        write_document(out, d);
    }
}

/// Appends one document to `out`.
pub fn write_document(out: &mut impl Write, v: &Value) {
    match v {
        Value::Object(m) if !m.is_empty() => write_map(out, m, 0, false),
        Value::Array(a) if !a.is_empty() => write_seq(out, a, 0),
        other => {
            write_scalar(out, other);
            push(out, "\n");
        }
    }
}

/// Writing to a `String` or a counter cannot fail.
fn push(out: &mut impl Write, s: &str) {
    let _ = out.write_str(s);
}

fn indent(out: &mut impl Write, n: usize) {
    for _ in 0..n {
        push(out, " ");
    }
}

/// The longest key YAML parsers accept in the implicit `key: value` form: YAML 1.1 and 1.2 limit an
/// implicit key to 1024 characters, PyYAML and libyaml enforce it. A longer key is written as an
/// explicit `? key` entry, which has no limit.
const IMPLICIT_KEY_MAX: usize = 1024;

/// `first_inline`: the first key continues a `- ` already written.
fn write_map(out: &mut impl Write, m: &Map<String, Value>, ind: usize, first_inline: bool) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !first_inline {
            indent(out, ind);
        }
        let mut key = Count(0);
        write_str(&mut key, k);
        let explicit = key.0 > IMPLICIT_KEY_MAX;
        if explicit {
            // `? key` on its own line, then `: value` at the same indentation.
            push(out, "? ");
            write_str(out, k);
            push(out, "\n");
            indent(out, ind);
            push(out, ":");
        } else {
            write_str(out, k);
            push(out, ":");
        }
        match v {
            Value::Object(child) if !child.is_empty() => {
                push(out, "\n");
                write_map(out, child, ind + 2, false);
            }
            // A sequence may share its key's indentation only after an implicit key.
            Value::Array(items) if !items.is_empty() => {
                push(out, "\n");
                write_seq(out, items, if explicit { ind + 2 } else { ind });
            }
            scalar => {
                push(out, " ");
                write_scalar(out, scalar);
                push(out, "\n");
            }
        }
    }
}

fn write_seq(out: &mut impl Write, items: &[Value], ind: usize) {
    for item in items {
        indent(out, ind);
        push(out, "-");
        match item {
            Value::Object(m) if !m.is_empty() => {
                push(out, " ");
                write_map(out, m, ind + 2, true);
            }
            Value::Array(a) if !a.is_empty() => {
                push(out, "\n");
                write_seq(out, a, ind + 2);
            }
            scalar => {
                push(out, " ");
                write_scalar(out, scalar);
                push(out, "\n");
            }
        }
    }
}

fn write_scalar(out: &mut impl Write, v: &Value) {
    match v {
        Value::Null => push(out, "null"),
        Value::Bool(b) => push(out, if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_f64() => write_float(out, &n.to_string()),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_str(out, s),
        Value::Object(_) => push(out, "{}"),
        Value::Array(_) => push(out, "[]"),
    }
}

/// Writes a float (as `serde_json` prints it: `1.5`, `1e-7`, `1e21`) so that YAML 1.1 reads it as a float
/// too: its float pattern needs a `.` in the mantissa and a sign in the exponent, so `1e-7` (a string to
/// PyYAML and to Kubernetes' YAML 1.1 reader) becomes `1.0e-7`, and `1e21` becomes `1.0e+21`. YAML 1.2
/// reads both forms as the same number.
fn write_float(out: &mut impl Write, text: &str) {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    push(out, mantissa);
    if !mantissa.contains('.') {
        push(out, ".0");
    }
    if let Some(exp) = exponent {
        push(out, "e");
        if !exp.starts_with(['+', '-']) {
            push(out, "+");
        }
        push(out, exp);
    }
}

/// Writes a string plain when no YAML 1.1/1.2 reader could take it for anything else, else quoted.
fn write_str(out: &mut impl Write, s: &str) {
    if is_plain_safe(s) {
        push(out, s);
    } else if !s.chars().any(needs_escape) {
        push(out, "'");
        for c in s.chars() {
            if c == '\'' {
                push(out, "'");
            }
            let _ = out.write_char(c);
        }
        push(out, "'");
    } else {
        push(out, "\"");
        for c in s.chars() {
            match c {
                '"' => push(out, "\\\""),
                '\\' => push(out, "\\\\"),
                '\n' => push(out, "\\n"),
                '\t' => push(out, "\\t"),
                '\r' => push(out, "\\r"),
                c if needs_escape(c) => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => {
                    let _ = out.write_char(c);
                }
            }
        }
        push(out, "\"");
    }
}

/// Characters a YAML stream may not hold raw (outside its printable set) or that YAML reads as line
/// breaks or a byte order mark: they must be escaped in a double-quoted scalar.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// Words YAML 1.1 reads as booleans or null (any case).
const RESERVED: &[&str] = &[
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~",
];

fn is_plain_safe(s: &str) -> bool {
    starts_plain(s) && chars_plain(s)
}

/// The checks of [`is_plain_safe`] on how the string starts and on whole words: not empty, not a
/// number, timestamp or reserved word YAML 1.1 would read, not ending in a space or `:`.
fn starts_plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // A leading digit, sign or dot may be a number, a timestamp, an octal or a sexagesimal in YAML 1.1.
    if first.is_ascii_digit()
        || matches!(first, '+' | '-' | '.')
            && s.len() > 1
            && !s[1..].starts_with(|c: char| c.is_ascii_alphabetic())
    {
        return false;
    }
    if !(first.is_ascii_alphanumeric() || matches!(first, '_' | '/' | '.')) {
        return false;
    }
    if RESERVED.iter().any(|w| w.eq_ignore_ascii_case(s))
        || s.eq_ignore_ascii_case(".inf")
        || s.eq_ignore_ascii_case(".nan")
    {
        return false;
    }
    !s.ends_with([' ', ':'])
}

/// The checks of [`is_plain_safe`] on every character, in one pass.
fn chars_plain(s: &str) -> bool {
    // One pass over the bytes: every character from the safe set (a byte of a multi-byte character
    // is not in it), and no `: ` or two spaces (` #` cannot occur: `#` is not in the set). The
    // written-out form of three `contains` and a `chars().all`, which the compiler did not always
    // inline (a memcmp call per candidate position, 20 % of generate's instructions in one build).
    let mut prev = 0u8;
    for &b in s.as_bytes() {
        let safe = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'_' | b'-' | b'.' | b'/' | b':' | b'@' | b' ' | b'+' | b'=' | b'(' | b')' | b','
            );
        if !safe || b == b' ' && matches!(prev, b':' | b' ') {
            return false;
        }
        prev = b;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The former form of [`is_plain_safe`]'s character checks (three `contains` and a `chars().all`),
    /// against which the one-pass form is compared.
    fn plain_safe_before(s: &str) -> bool {
        if !starts_plain(s) || s.contains(": ") || s.contains(" #") {
            return false;
        }
        s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '_' | '-' | '.' | '/' | ':' | '@' | ' ' | '+' | '=' | '(' | ')' | ','
                )
        }) && !s.contains("  ")
            && !s.ends_with(' ')
    }

    #[test]
    fn the_one_pass_plain_check_agrees_with_the_former_one() {
        let alphabet: Vec<char> = "aZ1 :#-._/@+=(),\tñ\"'".chars().collect();
        let mut words = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..4 {
            let mut next = Vec::new();
            for w in &words {
                for c in &alphabet {
                    let mut w = w.clone();
                    w.push(*c);
                    next.push(w);
                }
            }
            all.extend(next.iter().cloned());
            words = next;
        }
        all.extend(
            [
                "yes",
                "No",
                ".inf",
                "a: b",
                "a #b",
                "a  b",
                "a b",
                "http://x:80/p",
            ]
            .map(String::from),
        );
        for w in &all {
            assert_eq!(is_plain_safe(w), plain_safe_before(w), "{w:?}");
        }
    }

    #[test]
    fn yaml_1_1_lookalikes_are_quoted() {
        let risky = [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Y",
            "N",
            "Yes",
            "NO",
            "On",
            "OFF",
            "true",
            "False",
            "null",
            "Null",
            "~",
            "0755",
            "1e3",
            "",
            "1_000",
            "12:30",
            "2001-12-14",
            ".5",
            "+1",
            "-1",
            ".inf",
            "-.inf",
            ".NaN",
            "0x1F",
            "0o17",
            "-",
            "=",
            "<<",
            "#x",
            "a: b",
            "trail ",
            " lead",
            "multi\nline",
            "tab\there",
            "it's",
            "*ref",
            "&a",
            "!tag",
            "%x",
            "@x",
            "`x",
            "[a]",
            "{a}",
            "|",
            ">",
            "?",
        ];
        for s in risky {
            let doc = to_string(&json!({ "k": s }));
            assert_ne!(doc, format!("k: {s}\n"), "{s:?} was written plain");
            assert_eq!(
                from_str(&doc).unwrap(),
                json!({ "k": s }),
                "{s:?} did not round-trip via {doc:?}"
            );
        }
    }

    #[test]
    fn line_separators_and_non_printables_are_escaped() {
        for s in [
            "\u{2028}",
            "a\u{85}b",
            "\u{feff}x",
            "q\"\\",
            "\u{9c}",
            "\u{fffe}",
            "bell\u{7}",
        ] {
            let doc = to_string(&json!({ s: s }));
            assert!(
                !doc.contains('\u{2028}') && !doc.contains('\u{85}'),
                "{doc:?}"
            );
            assert_eq!(
                from_str(&doc).unwrap(),
                json!({ s: s }),
                "{s:?} via {doc:?}"
            );
        }
    }

    #[test]
    fn ordinary_strings_stay_plain() {
        for s in [
            "api-service",
            "nginx:1.25",
            "registry.example.com/api",
            "apps/v1",
            "DATABASE_URL",
            ".dockerconfigjson",
            "tls.crt",
            "kubernetes.io/dockerconfigjson",
        ] {
            assert_eq!(to_string(&json!({ "k": s })), format!("k: {s}\n"));
        }
    }

    #[test]
    fn golden_layout_matches_kubectl_style() {
        let v = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": { "name": "p", "labels": {} },
            "spec": { "containers": [{ "name": "c", "args": ["a", "yes"], "env": [] }], "nested": [[1, 2], []] }
        });
        let expected = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {}\nspec:\n  containers:\n  - name: c\n    args:\n    - a\n    - 'yes'\n    env: []\n  nested:\n  -\n    - 1\n    - 2\n  - []\n";
        assert_eq!(to_string(&v), expected);
        assert_eq!(from_str(expected).unwrap(), v);
    }

    #[test]
    fn multi_documents_round_trip() {
        let docs = vec![json!({ "a": 1 }), json!({ "b": [true, null, 1.5] })];
        let text = to_string_multi(&docs);
        assert_eq!(text, "a: 1\n---\nb:\n- true\n- null\n- 1.5\n");
        assert_eq!(from_str_multi(&text).unwrap(), docs);
    }

    #[test]
    fn floats_are_written_as_yaml_1_1_floats() {
        for (v, text) in [
            (1e-7, "1.0e-7"),
            (1e21, "1.0e+21"),
            (-2.5e-10, "-2.5e-10"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e300, "1.0e+300"),
        ] {
            let doc = to_string(&json!({ "f": v }));
            assert_eq!(doc, format!("f: {text}\n"), "{v}");
            assert_eq!(
                from_str(&doc).unwrap(),
                json!({ "f": v }),
                "{v} via {doc:?}"
            );
        }
        // Integers stay integers.
        assert_eq!(
            to_string(&json!({ "i": 100, "u": u64::MAX })),
            format!("i: 100\nu: {}\n", u64::MAX)
        );
    }

    #[test]
    fn keys_past_the_implicit_key_limit_are_written_explicitly() {
        for n in [1023, 1024, 1025, 5000] {
            let key = "k".repeat(n);
            let quoted = format!("it's {}", "q".repeat(n));
            let v = json!({
                "a": 1,
                key.clone(): { "inner": [1, 2], quoted.clone(): "x" },
                "list": [{ key.clone(): [true] }],
                "z": 2,
            });
            let doc = to_string(&v);
            assert_eq!(
                doc.contains(&format!("? {key}\n")),
                n > IMPLICIT_KEY_MAX,
                "{n}"
            );
            assert!(
                !doc.contains(&format!("{key}:")) || n <= IMPLICIT_KEY_MAX,
                "{n}"
            );
            assert_eq!(from_str(&doc).unwrap(), v, "{n}: {doc}");
        }
        let v = json!({ "k".repeat(2000): [1, 2] });
        assert_eq!(
            to_string(&v),
            format!("? {}\n:\n  - 1\n  - 2\n", "k".repeat(2000))
        );
    }

    #[test]
    fn the_zeroizing_writer_sizes_its_buffer_exactly() {
        let docs = [
            json!({ "a": "secret", "b": [1.5, null] }),
            json!({ "c": { "d": "yes" } }),
        ];
        let text = to_zeroizing_string_multi("# head\n", docs.iter());
        assert_eq!(
            text.as_str(),
            format!("# head\n{}", to_string_multi(docs.iter()))
        );
        assert_eq!(text.capacity(), text.len());
    }
}
