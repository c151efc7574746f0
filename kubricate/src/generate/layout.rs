//! Rendering: built stacks to YAML documents and output files, with kubricate's metadata.
//!
//! ```
//! use kubricate::prelude::*;
//! use kubricate::render::{render, to_stream, BuiltStack, MetadataOptions, OutputMode, LABEL_STACK_ID};
//!
//! let stack = Stack::from_template(SimpleApp, SimpleAppInput { name: "web", image_name: "nginx", ..Default::default() });
//! let built = BuiltStack { id: "web".into(), name: "web".into(), resources: stack.build().unwrap() };
//! let files = render(&[built], OutputMode::Resource, &MetadataOptions::default(), None).unwrap();
//! let paths: Vec<_> = files.iter().map(|f| f.path.to_str().unwrap()).collect();
//! assert_eq!(paths, ["web/Deployment_deployment.yml", "web/Service_service.yml"]);
//! assert!(files[0].content.contains(&format!("{LABEL_STACK_ID}: web")));
//! assert_eq!(to_stream(&files).matches("\n---\n").count(), 1);
//! ```

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
/// Annotation: [`resource_hash`] of the resource as built (injections included), taken before
/// kubricate's labels and annotations are added, so switching metadata on or off does not change it.
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

impl OutputMode {
    /// The name `--output-mode` takes.
    pub fn name(self) -> &'static str {
        match self {
            OutputMode::Stack => "stack",
            OutputMode::Flat => "flat",
            OutputMode::Resource => "resource",
        }
    }
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
    /// Path relative to the output directory (see [`OutputMode`]).
    pub path: PathBuf,
    /// YAML documents separated by `---` lines.
    pub content: String,
    /// Number of documents (resources) in `content`.
    pub documents: usize,
}

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

/// Runs `f` on the object at `obj[field]`, creating it (or replacing a non-object) first.
///
/// The map is taken out of its slot and put back rather than borrowed through a match, so the key
/// keeps its position in the insertion-ordered parent and no branch can be unreachable.
fn with_object(obj: &mut Map<String, Value>, field: &str, f: impl FnOnce(&mut Map<String, Value>)) {
    let slot = obj.entry(field.to_owned()).or_insert(Value::Null);
    let mut map = match std::mem::take(slot) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    f(&mut map);
    *slot = Value::Object(map);
}

/// Adds kubricate's labels and annotations to one resource.
///
/// The resource hash is computed first, so it covers the resource exactly as built (injections
/// included) and does not change when only kubricate's own metadata options change.
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
    let managed_at = now.filter(|_| opts.managed_at);
    let any_annotation = opts.stack_name || opts.version || hash.is_some() || managed_at.is_some();
    if !opts.labels && !any_annotation {
        return;
    }
    with_object(obj, "metadata", |meta| {
        if opts.labels {
            with_object(meta, "labels", |labels| {
                labels.insert(LABEL_MANAGED.into(), Value::from("true"));
                labels.insert(LABEL_STACK_ID.into(), Value::from(stack.id.as_str()));
                labels.insert(LABEL_RESOURCE_ID.into(), Value::from(resource_id));
            });
        }
        if any_annotation {
            with_object(meta, "annotations", |ann| {
                if opts.stack_name {
                    let name = if stack.name.is_empty() {
                        &stack.id
                    } else {
                        &stack.name
                    };
                    ann.insert(ANNOTATION_STACK_NAME.into(), Value::from(name.as_str()));
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
                if let Some(now) = managed_at {
                    ann.insert(ANNOTATION_MANAGED_AT.into(), Value::from(now));
                }
            });
        }
    });
}

/// Why stacks cannot be rendered with the chosen options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// An id would become a label value Kubernetes rejects.
    #[error("{what} `{value}` cannot be the value of the label `{label}`: {reason}; rename it (letters, digits, '-', '_' and '.', at most 63 characters, starting and ending with a letter or digit) or pass --no-labels")]
    LabelValue {
        /// `stack id` or `resource id of stack ...`.
        what: String,
        /// The id.
        value: String,
        /// The label it would be written to.
        label: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Checks a label value against Kubernetes' rule (`(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?`, at
/// most 63 characters). The API server rejects anything else, and schema validation does not catch it.
pub fn check_label_value(value: &str) -> Result<(), &'static str> {
    if value.len() > 63 {
        return Err("it is longer than 63 characters");
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("it contains a character other than letters, digits, '-', '_' and '.'");
    }
    let edge_ok = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    if !edge_ok(value.chars().next()) || !edge_ok(value.chars().last()) {
        return Err("it must start and end with a letter or digit");
    }
    Ok(())
}

fn check_labels(stack: &BuiltStack) -> Result<(), RenderError> {
    if let Err(reason) = check_label_value(&stack.id) {
        return Err(RenderError::LabelValue {
            what: "stack id".into(),
            value: stack.id.clone(),
            label: LABEL_STACK_ID,
            reason,
        });
    }
    for rid in stack.resources.keys() {
        if let Err(reason) = check_label_value(rid) {
            return Err(RenderError::LabelValue {
                what: format!("resource id (of stack `{}`)", stack.id),
                value: rid.clone(),
                label: LABEL_RESOURCE_ID,
                reason,
            });
        }
    }
    Ok(())
}

/// Renders stacks into files laid out by `mode`: stacks, and resources within a stack, in declaration
/// order, documents separated by `---`.
///
/// `now` is the `managed-at` value, used only when `opts.managed_at` is set; it is a parameter so that
/// one timestamp covers the whole run.
pub fn render(
    stacks: &[BuiltStack],
    mode: OutputMode,
    opts: &MetadataOptions,
    now: Option<&str>,
) -> Result<Vec<RenderedFile>, RenderError> {
    render_owned(stacks.to_vec(), mode, opts, now)
}

/// [`render`] for stacks the caller is done with: the metadata goes into the resources themselves
/// rather than into a copy of each, which at a few thousand resources is a good part of the cost.
pub fn render_owned(
    stacks: Vec<BuiltStack>,
    mode: OutputMode,
    opts: &MetadataOptions,
    now: Option<&str>,
) -> Result<Vec<RenderedFile>, RenderError> {
    let mut renderer = Renderer::new(mode, opts, now);
    for stack in stacks {
        renderer.push(stack)?;
    }
    Ok(renderer.finish())
}

/// Renders stacks one at a time, as they are built.
///
/// Rendering each stack right after building it, rather than building all first, keeps only one
/// stack's resources in memory at a time (at a few thousand stacks, built resources are most of
/// `generate`'s peak memory), and they are still in the CPU cache when they are written.
pub struct Renderer<'a> {
    mode: OutputMode,
    opts: &'a MetadataOptions,
    now: Option<&'a str>,
    files: Vec<RenderedFile>,
    flat: String,
    flat_docs: usize,
    last_len: usize,
}

impl<'a> Renderer<'a> {
    /// Files laid out by `mode`, with the metadata `opts` selects; `now` as in [`render`].
    pub fn new(mode: OutputMode, opts: &'a MetadataOptions, now: Option<&'a str>) -> Self {
        Renderer {
            mode,
            opts,
            now,
            files: Vec::new(),
            flat: String::new(),
            flat_docs: 0,
            last_len: 0,
        }
    }

    /// Renders the next stack (stacks come out in the order they are pushed). An id that cannot be
    /// a label value is an error when labels are on; the renderer should then be dropped.
    pub fn push(&mut self, mut stack: BuiltStack) -> Result<(), RenderError> {
        if self.opts.labels {
            check_labels(&stack)?;
        }
        let resources = std::mem::take(&mut stack.resources);
        // Stacks of one project tend to be alike, so each stack's text starts at the size of the one
        // before: growing it from empty reallocated (and copied) it a dozen times per stack.
        let mut stack_text = String::with_capacity(self.last_len);
        let mut stack_docs = 0;
        for (rid, mut manifest) in resources {
            add_metadata(manifest.body_mut(), &stack, &rid, self.opts, self.now);
            // Documents are written straight into the file they belong to: a separate buffer per
            // document cost a copy and a string grown from empty for every resource.
            match self.mode {
                OutputMode::Resource => {
                    let mut doc = String::new();
                    crate::yaml::write_document(&mut doc, manifest.body());
                    self.files.push(RenderedFile {
                        path: PathBuf::from(&stack.id)
                            .join(format!("{}_{rid}.yml", manifest.kind())),
                        content: doc,
                        documents: 1,
                    });
                }
                OutputMode::Stack => {
                    separate(&mut stack_text, &mut stack_docs);
                    crate::yaml::write_document(&mut stack_text, manifest.body());
                }
                OutputMode::Flat => {
                    separate(&mut self.flat, &mut self.flat_docs);
                    crate::yaml::write_document(&mut self.flat, manifest.body());
                }
            }
        }
        if self.mode == OutputMode::Stack {
            self.last_len = stack_text.len();
            self.files.push(RenderedFile {
                path: PathBuf::from(format!("{}.yml", stack.id)),
                content: stack_text,
                documents: stack_docs,
            });
        }
        Ok(())
    }

    /// The files, in the order of the stacks pushed.
    pub fn finish(mut self) -> Vec<RenderedFile> {
        if self.mode == OutputMode::Flat {
            self.files.push(RenderedFile {
                path: PathBuf::from("stacks.yml"),
                content: self.flat,
                documents: self.flat_docs,
            });
        }
        self.files
    }
}

/// Starts the next document of `buf`: a `---` line before every document but the first.
fn separate(buf: &mut String, count: &mut usize) {
    if *count > 0 {
        buf.push_str("---\n");
    }
    *count += 1;
}

/// All documents of `files` as one `---`-separated stream (what `generate --stdout` prints). Files
/// without documents contribute nothing, so the stream never holds an empty document.
pub fn to_stream(files: &[RenderedFile]) -> String {
    let with_docs = || files.iter().filter(|f| f.documents > 0);
    // Sized up front: the stream of a large project is megabytes, and growing it by doubling
    // copies it over and over.
    let mut out = String::with_capacity(with_docs().map(|f| f.content.len() + 4).sum());
    let mut docs = 0;
    for f in with_docs() {
        separate(&mut out, &mut docs);
        out.push_str(&f.content);
    }
    out
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

    #[test]
    fn renderer_writes_what_render_writes_in_every_mode() {
        let web = crate::Stack::from_template(
            crate::template::SimpleApp,
            crate::template::SimpleAppInput {
                name: "web",
                image_name: "nginx",
                ..Default::default()
            },
        );
        let stacks: Vec<BuiltStack> = ["a", "b"]
            .into_iter()
            .map(|id| BuiltStack {
                id: id.into(),
                name: "web".into(),
                resources: web.build().unwrap(),
            })
            .collect();
        let opts = MetadataOptions::default();
        for mode in [OutputMode::Stack, OutputMode::Flat, OutputMode::Resource] {
            let borrowed = render(&stacks, mode, &opts, None).unwrap();
            assert_eq!(
                render_owned(stacks.clone(), mode, &opts, None).unwrap(),
                borrowed
            );
            let mut renderer = Renderer::new(mode, &opts, None);
            for s in stacks.clone() {
                renderer.push(s).unwrap();
            }
            assert_eq!(renderer.finish(), borrowed);
        }
        let stream = to_stream(&render(&stacks, OutputMode::Stack, &opts, None).unwrap());
        assert_eq!(stream.matches("\n---\n").count(), 3);
        assert_eq!(crate::yaml::from_str_multi(&stream).unwrap().len(), 4);
    }

    fn stack() -> BuiltStack {
        BuiltStack {
            id: "web".into(),
            name: "web-app".into(),
            resources: ResourceMap::new(),
        }
    }

    #[test]
    fn metadata_goes_into_place_and_the_hash_ignores_it() {
        let original = json!({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": "s", "labels": { "app": "s" } }, "spec": {} });
        let mut all = original.clone();
        add_metadata(
            &mut all,
            &stack(),
            "svc",
            &MetadataOptions::default(),
            Some("t"),
        );
        let keys: Vec<&String> = all.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec"]);
        assert_eq!(
            all["metadata"]["labels"],
            json!({ "app": "s", LABEL_MANAGED: "true", LABEL_STACK_ID: "web", LABEL_RESOURCE_ID: "svc" })
        );
        let ann = &all["metadata"]["annotations"];
        assert_eq!(ann[ANNOTATION_STACK_NAME], "web-app");
        assert_eq!(
            ann[ANNOTATION_RESOURCE_HASH],
            resource_hash(&original).as_str()
        );
        assert!(
            ann.get(ANNOTATION_MANAGED_AT).is_none(),
            "managed-at is off by default"
        );

        let mut stamped = original.clone();
        let opts = MetadataOptions {
            labels: false,
            managed_at: true,
            ..MetadataOptions::default()
        };
        add_metadata(
            &mut stamped,
            &stack(),
            "svc",
            &opts,
            Some("2026-01-01T00:00:00Z"),
        );
        assert_eq!(stamped["metadata"]["labels"], json!({ "app": "s" }));
        assert_eq!(
            stamped["metadata"]["annotations"][ANNOTATION_RESOURCE_HASH],
            ann[ANNOTATION_RESOURCE_HASH]
        );
        assert_eq!(
            stamped["metadata"]["annotations"][ANNOTATION_MANAGED_AT],
            "2026-01-01T00:00:00Z"
        );

        let mut untouched = original.clone();
        add_metadata(
            &mut untouched,
            &stack(),
            "svc",
            &MetadataOptions::none(),
            Some("t"),
        );
        assert_eq!(untouched, original);
    }

    #[test]
    fn odd_metadata_shapes_are_replaced_not_panicked_on() {
        for metadata in [
            json!(null),
            json!("x"),
            json!([1]),
            json!({ "labels": 3, "annotations": null }),
        ] {
            let mut v = json!({ "kind": "X", "metadata": metadata });
            add_metadata(&mut v, &stack(), "r", &MetadataOptions::default(), None);
            assert_eq!(v["metadata"]["labels"][LABEL_RESOURCE_ID], "r");
            assert!(v["metadata"]["annotations"][ANNOTATION_VERSION].is_string());
        }
        let mut scalar = json!("not an object");
        add_metadata(
            &mut scalar,
            &stack(),
            "r",
            &MetadataOptions::default(),
            None,
        );
        assert_eq!(scalar, json!("not an object"));
    }

    #[test]
    fn label_values_follow_kubernetes_rules() {
        for ok in ["apiService", "api.v2", "a", "a-b_c.d", "", &"x".repeat(63)] {
            assert_eq!(check_label_value(ok), Ok(()), "{ok}");
        }
        for bad in ["-a", "a-", "a b", "a/b", "ü", ".a", &"x".repeat(64)] {
            assert!(check_label_value(bad).is_err(), "{bad}");
        }
        let built = |id: &str, rid: &str| BuiltStack {
            id: id.into(),
            name: String::new(),
            resources: ResourceMap::from([(
                rid.to_owned(),
                crate::Manifest::new(json!({ "apiVersion": "v1", "kind": "ConfigMap" })).unwrap(),
            )]),
        };
        let err = render(
            &[built("my stack", "cm")],
            OutputMode::Stack,
            &MetadataOptions::default(),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("stack id `my stack` cannot be the value of the label `kubricate.thaitype.dev/stack-id`"), "{err}");
        assert!(err.contains("--no-labels"), "{err}");
        let err = render(
            &[built("ok", "-cm")],
            OutputMode::Stack,
            &MetadataOptions::default(),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("resource id (of stack `ok`) `-cm`"), "{err}");
        let no_labels = MetadataOptions {
            labels: false,
            ..MetadataOptions::default()
        };
        assert!(render(
            &[built("my stack", "cm")],
            OutputMode::Stack,
            &no_labels,
            None
        )
        .is_ok());
    }

    #[test]
    fn stream_joins_documents_and_skips_empty_files() {
        let file = |content: &str, documents| RenderedFile {
            path: PathBuf::from("f.yml"),
            content: content.into(),
            documents,
        };
        let files = [file("a: 1\n", 1), file("", 0), file("b: 2\n---\nc: 3\n", 2)];
        assert_eq!(to_stream(&files), "a: 1\n---\nb: 2\n---\nc: 3\n");
        assert_eq!(to_stream(&[file("", 0)]), "");
    }
}
