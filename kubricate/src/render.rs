//! Rendering: built stacks to YAML documents and output files, with kubricate's metadata.

use std::path::PathBuf;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::ResourceMap;

/// The label set on every generated resource.
pub const LABEL_MANAGED: &str = "kubricate.thaitype.dev";
/// Label: the stack id.
pub const LABEL_STACK_ID: &str = "kubricate.thaitype.dev/stack-id";
/// Label: the resource id.
pub const LABEL_RESOURCE_ID: &str = "kubricate.thaitype.dev/resource-id";
/// Annotation: the stack's name.
pub const ANNOTATION_STACK_NAME: &str = "kubricate.thaitype.dev/stack-name";
/// Annotation: the kubricate version.
pub const ANNOTATION_VERSION: &str = "kubricate.thaitype.dev/version";
/// Annotation: sha256 of the resource (keys sorted) before metadata was added.
pub const ANNOTATION_RESOURCE_HASH: &str = "kubricate.thaitype.dev/resource-hash";
/// Annotation: generation time (off by default, since it breaks byte-identical output).
pub const ANNOTATION_MANAGED_AT: &str = "kubricate.thaitype.dev/managed-at";

/// How files are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputMode {
    /// `<out>/<stackId>.yml` (default).
    #[default]
    Stack,
    /// `<out>/stacks.yml`.
    Flat,
    /// `<out>/<stackId>/<Kind>_<resourceId>.yml`.
    Resource,
}

/// Which metadata `generate` adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataOptions {
    /// The three `kubricate.thaitype.dev` labels.
    pub labels: bool,
    /// The `stack-name` annotation.
    pub stack_name: bool,
    /// The `version` annotation.
    pub version: bool,
    /// The `resource-hash` annotation.
    pub resource_hash: bool,
    /// The `managed-at` annotation (off by default: output must be byte-identical across runs).
    pub managed_at: bool,
}

impl Default for MetadataOptions {
    fn default() -> Self {
        MetadataOptions {
            labels: true,
            stack_name: true,
            version: true,
            resource_hash: true,
            managed_at: false,
        }
    }
}

impl MetadataOptions {
    /// No metadata at all.
    pub fn none() -> Self {
        MetadataOptions {
            labels: false,
            stack_name: false,
            version: false,
            resource_hash: false,
            managed_at: false,
        }
    }
}

/// A built stack ready to render.
#[derive(Debug, Clone)]
pub struct BuiltStack {
    /// The id the project registered the stack under.
    pub id: String,
    /// The stack's own name.
    pub name: String,
    /// Resources with injections applied.
    pub resources: ResourceMap,
}

/// One output file: a path relative to the output directory, and its YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Relative path.
    pub path: PathBuf,
    /// Content.
    pub content: String,
    /// Number of documents.
    pub documents: usize,
}

/// Lowercase hex sha256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
    }
    s
}

/// Compact JSON with object keys sorted, the input of the resource hash.
pub fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical_json(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The resource hash: sha256 of the canonical JSON.
pub fn resource_hash(v: &Value) -> String {
    let mut s = String::new();
    canonical_json(v, &mut s);
    sha256_hex(s.as_bytes())
}

/// The object at `field`, created (or replacing a non-object) when needed; `None` cannot happen.
fn string_map<'a>(
    obj: &'a mut Map<String, Value>,
    field: &str,
) -> Option<&'a mut Map<String, Value>> {
    let slot = obj
        .entry(field.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Adds kubricate's labels and annotations to one resource.
pub fn add_metadata(
    resource: &mut Value,
    stack: &BuiltStack,
    resource_id: &str,
    opts: &MetadataOptions,
    now: Option<&str>,
) {
    let hash = opts.resource_hash.then(|| resource_hash(resource));
    let Some(obj) = resource.as_object_mut() else {
        return;
    };
    let Some(meta) = string_map(obj, "metadata") else {
        return;
    };
    if opts.labels {
        let Some(labels) = string_map(meta, "labels") else {
            return;
        };
        labels.insert(LABEL_MANAGED.into(), Value::from("true"));
        labels.insert(LABEL_STACK_ID.into(), Value::from(stack.id.as_str()));
        labels.insert(LABEL_RESOURCE_ID.into(), Value::from(resource_id));
    }
    if opts.stack_name || opts.version || hash.is_some() || (opts.managed_at && now.is_some()) {
        let Some(ann) = string_map(meta, "annotations") else {
            return;
        };
        if opts.stack_name {
            ann.insert(
                ANNOTATION_STACK_NAME.into(),
                Value::from(if stack.name.is_empty() {
                    stack.id.as_str()
                } else {
                    stack.name.as_str()
                }),
            );
        }
        if opts.version {
            ann.insert(
                ANNOTATION_VERSION.into(),
                Value::from(env!("CARGO_PKG_VERSION")),
            );
        }
        if let Some(h) = hash {
            ann.insert(ANNOTATION_RESOURCE_HASH.into(), Value::from(h));
        }
        if let (true, Some(now)) = (opts.managed_at, now) {
            ann.insert(ANNOTATION_MANAGED_AT.into(), Value::from(now));
        }
    }
}

/// Renders stacks into files laid out by `mode`.
pub fn render(
    stacks: &[BuiltStack],
    mode: OutputMode,
    opts: &MetadataOptions,
    now: Option<&str>,
) -> Vec<RenderedFile> {
    let mut files: Vec<RenderedFile> = Vec::new();
    let mut flat = String::new();
    let mut flat_docs = 0;
    for stack in stacks {
        let mut stack_text = String::new();
        let mut stack_docs = 0;
        for (rid, manifest) in &stack.resources {
            let mut body = manifest.body().clone();
            add_metadata(&mut body, stack, rid, opts, now);
            let mut doc = String::new();
            crate::yaml::write_document(&mut doc, &body);
            match mode {
                OutputMode::Resource => files.push(RenderedFile {
                    path: PathBuf::from(&stack.id).join(format!("{}_{rid}.yml", manifest.kind())),
                    content: doc,
                    documents: 1,
                }),
                OutputMode::Stack => append_doc(&mut stack_text, &mut stack_docs, &doc),
                OutputMode::Flat => append_doc(&mut flat, &mut flat_docs, &doc),
            }
        }
        if mode == OutputMode::Stack {
            files.push(RenderedFile {
                path: PathBuf::from(format!("{}.yml", stack.id)),
                content: stack_text,
                documents: stack_docs,
            });
        }
    }
    if mode == OutputMode::Flat {
        files.push(RenderedFile {
            path: PathBuf::from("stacks.yml"),
            content: flat,
            documents: flat_docs,
        });
    }
    files
}

fn append_doc(buf: &mut String, count: &mut usize, doc: &str) {
    if *count > 0 {
        buf.push_str("---\n");
    }
    buf.push_str(doc);
    *count += 1;
}

/// The current UTC time as RFC 3339 (`2026-11-28T15:12:48Z`), for `managed-at`.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
    fn rfc3339_shape() {
        let now = now_rfc3339();
        assert_eq!(now.len(), 20);
        assert!(now.ends_with('Z'));
    }
}
