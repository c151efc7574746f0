//! Resources as a stack keeps them until it is built: each manifest packed into one byte buffer.
//!
//! A project holds every declared stack until it ends, and a `serde_json::Value` tree costs an
//! allocation and a map entry per node: a `SimpleApp`'s Deployment and Service were about 9.7 KB, two
//! thirds of what 20,000 stacks made `generate` hold. Packed, they are about 700 bytes, and unpacking
//! when the stack is built costs about what the copy it replaces did (the build needs its own copy
//! anyway, to write the injections into).
//!
//! The format is private and lossless: objects keep their key order, numbers keep their exact
//! `serde_json::Number` (unsigned, signed or float bits), strings their bytes.

use serde_json::{Map, Number, Value};

use crate::model::resource::{Manifest, ResourceMap};

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const UNSIGNED: u8 = 3;
const SIGNED: u8 = 4;
const FLOAT: u8 = 5;
const STRING: u8 = 6;
const ARRAY: u8 = 7;
const OBJECT: u8 = 8;

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    // LEB128: strings and collections in manifests are short, so most lengths take one byte.
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn pack_into(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(NULL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.push(UNSIGNED);
                out.extend_from_slice(&u.to_le_bytes());
            } else if let Some(i) = n.as_i64() {
                out.push(SIGNED);
                out.extend_from_slice(&i.to_le_bytes());
            } else {
                out.push(FLOAT);
                out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_bits().to_le_bytes());
            }
        }
        Value::String(s) => {
            out.push(STRING);
            put_str(out, s);
        }
        Value::Array(a) => {
            out.push(ARRAY);
            put_len(out, a.len());
            for x in a {
                pack_into(x, out);
            }
        }
        Value::Object(m) => {
            out.push(OBJECT);
            put_len(out, m.len());
            for (k, x) in m {
                put_str(out, k);
                pack_into(x, out);
            }
        }
    }
}

/// Reads what [`pack_into`] wrote. Only ever reads its own output, so a short or odd buffer cannot
/// happen; it still ends in `Null`s rather than panicking.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((&b, rest)) => {
                self.bytes = rest;
                b
            }
            None => NULL,
        }
    }

    fn len(&mut self) -> usize {
        let mut n = 0usize;
        let mut shift = 0;
        loop {
            let b = self.byte();
            n |= usize::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return n;
            }
            shift += 7;
        }
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.bytes.len());
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        head
    }

    fn word(&mut self) -> [u8; 8] {
        let mut w = [0u8; 8];
        let t = self.take(8);
        w[..t.len()].copy_from_slice(t);
        w
    }

    fn string(&mut self) -> String {
        let n = self.len();
        String::from_utf8_lossy(self.take(n)).into_owned()
    }

    fn value(&mut self) -> Value {
        match self.byte() {
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            UNSIGNED => Value::Number(u64::from_le_bytes(self.word()).into()),
            SIGNED => Value::Number(i64::from_le_bytes(self.word()).into()),
            FLOAT => Number::from_f64(f64::from_bits(u64::from_le_bytes(self.word())))
                .map_or(Value::Null, Value::Number),
            STRING => Value::String(self.string()),
            ARRAY => {
                let n = self.len();
                let mut a = Vec::with_capacity(n.min(self.bytes.len()));
                for _ in 0..n {
                    a.push(self.value());
                }
                Value::Array(a)
            }
            OBJECT => {
                let n = self.len();
                let mut m = Map::with_capacity(n.min(self.bytes.len()));
                for _ in 0..n {
                    let k = self.string();
                    let v = self.value();
                    m.insert(k, v);
                }
                Value::Object(m)
            }
            _ => Value::Null,
        }
    }
}

/// One resource of a declared stack: packed, with what planning asks of it at hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackedResource {
    kind: Box<str>,
    namespace: Option<Box<str>>,
    bytes: Box<[u8]>,
}

impl PackedResource {
    pub(crate) fn pack(m: &Manifest) -> PackedResource {
        let mut bytes = Vec::new();
        pack_into(m.body(), &mut bytes);
        PackedResource {
            kind: m.kind().into(),
            namespace: m.namespace().map(Into::into),
            bytes: bytes.into_boxed_slice(),
        }
    }

    /// `kind`.
    pub(crate) fn kind(&self) -> &str {
        &self.kind
    }

    /// `metadata.namespace`, if set.
    pub(crate) fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The manifest, unpacked.
    pub(crate) fn unpack(&self) -> Manifest {
        Manifest::trusted(Reader { bytes: &self.bytes }.value())
    }
}

/// Resources by id, packed.
pub(crate) type PackedMap = indexmap::IndexMap<String, PackedResource>;

/// Packs every resource.
pub(crate) fn pack(resources: &ResourceMap) -> PackedMap {
    resources
        .iter()
        .map(|(id, m)| (id.clone(), PackedResource::pack(m)))
        .collect()
}

/// Unpacks every resource.
pub(crate) fn unpack(packed: &PackedMap) -> ResourceMap {
    packed
        .iter()
        .map(|(id, p)| (id.clone(), p.unpack()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn packing_is_lossless_and_keeps_key_order() {
        let body = json!({
            "kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": { "name": "ünï-$HOME", "namespace": "ns", "z": null, "a": [true, false] },
            "spec": {
                "n": [0, 1, 127, 128, 300, u64::MAX, -1, i64::MIN, 0.1, 1.0e-7, 2.5e300, -0.0],
                "s": "x".repeat(70_000),
                "quote": "it's \"quoted\"\n\t",
                "empty": {}, "list": []
            }
        });
        let m = Manifest::new(body.clone()).unwrap();
        let p = PackedResource::pack(&m);
        assert_eq!(p.kind(), "Deployment");
        assert_eq!(p.namespace(), Some("ns"));
        let back = p.unpack();
        assert_eq!(back.body(), &body);
        // Same order and same number representation: the serialized text is identical too.
        assert_eq!(
            serde_json::to_string(back.body()).unwrap(),
            serde_json::to_string(&body).unwrap()
        );
        assert_eq!(
            crate::yaml::to_string(back.body()),
            crate::yaml::to_string(&body)
        );
    }

    #[test]
    fn a_simple_app_packs_small() {
        let resources = crate::declare::template::Template::create(
            &crate::declare::template::SimpleApp,
            crate::declare::template::SimpleAppInput {
                name: "app-0001",
                image_name: "app-0001",
                image_registry: "registry.example.com/",
                namespace: Some("scale"),
                ..Default::default()
            },
        );
        let map = crate::model::resource::Resources::into_resources(resources);
        let packed = pack(&map);
        let bytes: usize = packed.values().map(|p| p.bytes.len()).sum();
        assert!(bytes < 1024, "{bytes} bytes");
        assert_eq!(unpack(&packed), map);
    }
}
