//! The product of the pipeline: a Kubernetes Secret with its merged data, ready to apply. What
//! `plan` produces, `check` compares with the references and `apply` hands to kubectl.

use std::collections::BTreeMap;
use std::fmt;

use indexmap::IndexMap;

use crate::model::secret_value::SecretBytes;

/// Keys an `overwrite` dropped from a Secret, by `(namespace, name)` then key, with the explanation
/// the cross-check gives for a reference to one of them (`plan` fills it, `check` reads it).
pub(crate) type DroppedKeys = IndexMap<(Option<String>, String), IndexMap<String, String>>;

/// A Kubernetes Secret ready to apply. `Debug` never shows the data.
pub struct MergedSecret {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`: `None` for a Secret delivered for workloads without a namespace, so that
    /// it lands where they land (`kubectl -n X` puts both in `X`).
    pub namespace: Option<String>,
    /// `type`.
    pub secret_type: String,
    /// `data`, by key.
    pub data: BTreeMap<String, SecretBytes>,
    /// `manager/provider` of every source that contributed.
    pub sources: Vec<String>,
}

impl fmt::Debug for MergedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergedSecret")
            .field("name", &self.name)
            .field("namespace", &self.namespace)
            .field("type", &self.secret_type)
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .field("sources", &self.sources)
            .finish()
    }
}

/// `namespace/name`, or `name` alone for an object without a namespace: how messages name a Secret.
pub fn place(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}

impl MergedSecret {
    /// `namespace/name`, or `name` alone when the Secret carries no namespace.
    pub fn place(&self) -> String {
        place(self.namespace.as_deref(), &self.name)
    }

    /// The Secret object. With `reveal` false every value is replaced by a redaction marker.
    pub fn to_manifest(&self, reveal: bool) -> serde_json::Value {
        let mut data = serde_json::Map::new();
        for (k, v) in &self.data {
            let shown = if reveal {
                v.to_base64().to_string()
            } else {
                format!("<redacted: {} bytes>", v.len())
            };
            data.insert(k.clone(), serde_json::Value::String(shown));
        }
        // Built by moving `data` in: `json!` would serialize a copy of it and drop the original, values
        // included, unzeroized. A Secret for workloads without a namespace carries none.
        let mut metadata = serde_json::Map::new();
        metadata.insert("name".into(), self.name.clone().into());
        if let Some(ns) = &self.namespace {
            metadata.insert("namespace".into(), ns.clone().into());
        }
        let mut manifest = serde_json::Map::new();
        manifest.insert("apiVersion".into(), "v1".into());
        manifest.insert("kind".into(), "Secret".into());
        manifest.insert("metadata".into(), serde_json::Value::Object(metadata));
        manifest.insert("type".into(), self.secret_type.clone().into());
        manifest.insert("data".into(), serde_json::Value::Object(data));
        serde_json::Value::Object(manifest)
    }
}
