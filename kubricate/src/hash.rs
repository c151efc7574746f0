//! The resource hash: sha256 of a manifest's canonical JSON (sorted keys, compact), streamed into the
//! hasher. One rule, used by `generate` (the resource-hash annotation) and by providers that derive a
//! name from a digest.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Lowercase hex sha256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    let mut s = String::with_capacity(64);
    for &b in digest {
        s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
    }
    s
}

/// Compact JSON with object keys sorted by their bytes, written by `serde_json` (which escapes only
/// `"`, `\\` and control characters): the input of the resource hash. For manifests without
/// exponent-sized floats it equals Python's `json.dumps(v, sort_keys=True, separators=(",", ":"),
/// ensure_ascii=False)`, so the hash can be checked outside Rust.
pub fn canonical_json(v: &Value, out: &mut String) {
    let mut bytes = Vec::new();
    write_canonical(v, &mut bytes);
    out.push_str(&String::from_utf8_lossy(&bytes));
}

/// Where canonical JSON goes: a buffer, or straight into the hasher (no intermediate text).
trait Sink: std::io::Write {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Feeds the hasher without building the whole text first (`generate` hashes every resource). The
/// writes are tiny (a brace, a comma, a key), and each `update` of the hasher has a fixed cost, so
/// they are gathered in a small buffer first.
struct HashSink {
    hasher: Sha256,
    buf: Vec<u8>,
}

impl HashSink {
    const CHUNK: usize = 4096;

    fn new() -> HashSink {
        HashSink {
            hasher: Sha256::new(),
            buf: Vec::with_capacity(Self::CHUNK),
        }
    }

    fn finish(mut self) -> String {
        self.hasher.update(&self.buf);
        hex(&self.hasher.finalize())
    }
}

impl std::io::Write for HashSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.put(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Sink for HashSink {
    fn put(&mut self, bytes: &[u8]) {
        if self.buf.len() + bytes.len() > Self::CHUNK {
            self.hasher.update(&self.buf);
            self.buf.clear();
        }
        if bytes.len() > Self::CHUNK {
            self.hasher.update(bytes);
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }
}

/// Objects up to this size sort their keys in a stack array instead of a heap one.
const INLINE_KEYS: usize = 16;

/// Filler of the unused slots of that array.
static NULL: Value = Value::Null;

fn write_canonical(v: &Value, out: &mut impl Sink) {
    match v {
        Value::Object(m) => {
            let mut inline: [(&str, &Value); INLINE_KEYS] = [("", &NULL); INLINE_KEYS];
            let mut heap: Vec<(&str, &Value)> = Vec::new();
            let entries: &mut [(&str, &Value)] = if m.len() <= INLINE_KEYS {
                for (slot, (k, v)) in inline.iter_mut().zip(m) {
                    *slot = (k.as_str(), v);
                }
                &mut inline[..m.len()]
            } else {
                heap.extend(m.iter().map(|(k, v)| (k.as_str(), v)));
                &mut heap
            };
            // Keys of one object are unique, so an unstable sort gives the one order there is.
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.put(b"{");
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.put(b",");
                }
                write_json(k, out);
                out.put(b":");
                write_canonical(v, out);
            }
            out.put(b"}");
        }
        Value::Array(a) => {
            out.put(b"[");
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.put(b",");
                }
                write_canonical(x, out);
            }
            out.put(b"]");
        }
        scalar => write_json(scalar, out),
    }
}

/// A string or scalar exactly as `serde_json` writes it, without an intermediate `String`.
fn write_json(v: &(impl serde::Serialize + ?Sized), out: &mut impl Sink) {
    // Neither sink can fail, and serde_json does not fail on strings or scalars: nothing to report.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// The resource hash: lowercase hex sha256 of [`canonical_json`].
pub fn resource_hash(v: &Value) -> String {
    let mut sink = HashSink::new();
    write_canonical(v, &mut sink);
    sink.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_ignores_key_order_but_not_values() {
        assert_eq!(
            resource_hash(&json!({ "a": 1, "b": { "c": 2, "d": 3 } })),
            resource_hash(&json!({ "b": { "d": 3, "c": 2 }, "a": 1 }))
        );
        assert_ne!(
            resource_hash(&json!({ "a": 1 })),
            resource_hash(&json!({ "a": 2 }))
        );
        assert_eq!(sha256_hex(b"").len(), 64);
    }

    #[test]
    fn hash_is_sha256_of_compact_key_sorted_json() {
        // Known answers, computed outside Rust (sha256sum; Python's json.dumps(sort_keys=True,
        // separators=(",", ":"), ensure_ascii=False)).
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let v = json!({ "kind": "Service", "apiVersion": "v1", "metadata": { "name": "ünï" }, "n": [1, 2.5, null, true] });
        let mut s = String::new();
        canonical_json(&v, &mut s);
        assert_eq!(
            s,
            r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"ünï"},"n":[1,2.5,null,true]}"#
        );
        assert_eq!(
            resource_hash(&v),
            "0bf4fef3d48b09f7136cc9f69b5ce3f3394830dc56336015df991281823a418b"
        );
    }

    #[test]
    fn hashing_streams_the_same_bytes_as_canonical_json() {
        // Over 16 keys (sorted on the heap) and over the hasher's 4 KiB buffer, with escapes.
        let mut big = serde_json::Map::new();
        for i in (0..40).rev() {
            big.insert(
                format!("key-{i:02}"),
                json!(format!("v\"\n{}", "x".repeat(300))),
            );
        }
        let v = json!({ "z": 1.5, "big": big, "a": [null, true, "é"] });
        let mut text = String::new();
        canonical_json(&v, &mut text);
        assert!(text.len() > 4096 * 2);
        assert!(text.starts_with(r#"{"a":[null,true,"é"],"big":{"key-00":"v\"\n"#));
        assert_eq!(resource_hash(&v), sha256_hex(text.as_bytes()));
    }
}
