//! kubricate's labels and annotations on every generated resource, the options that switch them, the
//! Kubernetes rule for label values, and the clock for `managed-at`.

use serde_json::{Map, Value};

use crate::generate::BuiltStack;
use crate::hash::resource_hash;

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
    use crate::model::resource::ResourceMap;
    use serde_json::json;

    #[test]
    fn rfc3339_shape() {
        let now = now_rfc3339();
        assert_eq!(now.len(), 20);
        assert!(now.ends_with('Z'));
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
}
