//! Deep merge for `.override(..)`: objects merge key by key, everything else (arrays included) is
//! replaced, as the reference's how-to documents.

use serde_json::Value;

/// Merges `patch` into `base`: `{"spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}` patched with
/// `{"spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}}` keeps `spec` and replaces both values.
pub fn deep_merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, p) => *b = p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_merge_and_arrays_are_replaced() {
        let mut base = json!({ "spec": { "type": "ClusterIP", "ports": [{ "port": 80 }] } });
        deep_merge(
            &mut base,
            json!({ "spec": { "type": "LoadBalancer", "ports": [{ "port": 443 }] } }),
        );
        assert_eq!(
            base,
            json!({ "spec": { "type": "LoadBalancer", "ports": [{ "port": 443 }] } })
        );
    }

    #[test]
    fn keeps_untouched_keys_and_order() {
        let mut base = json!({ "a": 1, "b": { "c": 2, "d": 3 } });
        deep_merge(&mut base, json!({ "b": { "d": 4, "e": 5 } }));
        assert_eq!(
            serde_json::to_string(&base).unwrap(),
            r#"{"a":1,"b":{"c":2,"d":4,"e":5}}"#
        );
    }
}
