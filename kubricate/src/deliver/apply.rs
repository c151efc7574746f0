//! `secret apply`: one `kubectl apply -f -` with every merged Secret on stdin.
//!
//! Values travel only through the pipe (no temporary file); what kubectl prints back is scrubbed of
//! every value before it is shown.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use zeroize::Zeroizing;

use crate::deliver::secret::MergedSecret;

/// How to run kubectl.
#[derive(Debug, Clone)]
pub struct KubectlOptions {
    /// The kubectl binary (default `kubectl`, looked up on `PATH`).
    pub kubectl: PathBuf,
    /// `--context`.
    pub context: Option<String>,
    /// `--namespace` (Secrets carry their own namespace; this only matters for kubectl's defaults).
    pub namespace: Option<String>,
}

impl Default for KubectlOptions {
    fn default() -> Self {
        KubectlOptions {
            kubectl: PathBuf::from("kubectl"),
            context: None,
            namespace: None,
        }
    }
}

/// Why applying failed. Messages never contain values (kubectl's output is scrubbed).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// kubectl could not be started.
    #[error("cannot run `{}`: {source}; install kubectl or pass --kubectl PATH", kubectl.display())]
    Spawn {
        /// The binary.
        kubectl: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// `--namespace` names another namespace than some Secrets carry; kubectl would refuse them.
    #[error("--namespace `{namespace}` differs from the namespace of Secret(s) {}; kubectl refuses an object whose namespace differs from --namespace: drop --namespace (every Secret carries its own namespace) or set the providers' namespace", secrets.join(", "))]
    Namespace {
        /// The `--namespace` value.
        namespace: String,
        /// `namespace/name` of each Secret in another namespace.
        secrets: Vec<String>,
    },
    /// kubectl ran and failed.
    #[error("`{} apply` failed ({status}):\n{stderr}", kubectl.display())]
    Failed {
        /// The binary.
        kubectl: PathBuf,
        /// Exit status.
        status: String,
        /// kubectl's stderr, scrubbed.
        stderr: String,
    },
}

/// The `v1/List` of Secrets sent to kubectl, as JSON (values in clear: only ever written to the pipe).
pub fn apply_payload(secrets: &[MergedSecret]) -> Zeroizing<String> {
    let items: Vec<serde_json::Value> = secrets.iter().map(|s| s.to_manifest(true)).collect();
    let list = serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items });
    Zeroizing::new(list.to_string())
}

/// The arguments passed to kubectl.
pub fn kubectl_args(opts: &KubectlOptions) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(c) = &opts.context {
        args.push(format!("--context={c}"));
    }
    if let Some(n) = &opts.namespace {
        args.push(format!("--namespace={n}"));
    }
    args.extend(["apply".to_owned(), "-f".to_owned(), "-".to_owned()]);
    args
}

/// Replaces every value (raw and base64) of `secrets` found in `text` with `<redacted>`, and every
/// string inside a JSON value (a docker config's password and `auth`).
///
/// Values shorter than 4 bytes are left alone: replacing them would garble kubectl's message while
/// hiding little.
pub fn scrub(text: &str, secrets: &[MergedSecret]) -> String {
    let mut needles: Vec<Zeroizing<String>> = Vec::new();
    for s in secrets {
        for v in s.data.values() {
            needles.push(v.to_base64());
            if let Ok(json) = serde_json::from_slice::<serde_json::Value>(v.expose()) {
                json_strings(&json, &mut needles);
            }
            needles.push(Zeroizing::new(
                String::from_utf8_lossy(v.expose()).into_owned(),
            ));
        }
    }
    needles.retain(|n| n.len() >= 4);
    // Longest first, so that a value inside a longer one cannot leave the rest of the longer one behind.
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = text.to_owned();
    for needle in &needles {
        if out.contains(needle.as_str()) {
            out = out.replace(needle.as_str(), "<redacted>");
        }
    }
    out
}

fn json_strings(v: &serde_json::Value, out: &mut Vec<Zeroizing<String>>) {
    match v {
        serde_json::Value::String(s) => out.push(Zeroizing::new(s.clone())),
        serde_json::Value::Array(items) => items.iter().for_each(|i| json_strings(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|i| json_strings(i, out)),
        _ => {}
    }
}

/// Runs one `kubectl apply -f -` with all `secrets`; returns kubectl's (scrubbed) stdout.
pub fn apply(secrets: &[MergedSecret], opts: &KubectlOptions) -> Result<String, ApplyError> {
    if let Some(ns) = &opts.namespace {
        let elsewhere: Vec<String> = secrets
            .iter()
            .filter(|s| s.namespace != *ns)
            .map(|s| format!("`{}/{}`", s.namespace, s.name))
            .collect();
        if !elsewhere.is_empty() {
            return Err(ApplyError::Namespace {
                namespace: ns.clone(),
                secrets: elsewhere,
            });
        }
    }
    let payload = apply_payload(secrets);
    let mut child = Command::new(&opts.kubectl)
        .args(kubectl_args(opts))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ApplyError::Spawn {
            kubectl: opts.kubectl.clone(),
            source,
        })?;
    // Write from a thread so a kubectl that answers before reading everything cannot deadlock us.
    let writer = child.stdin.take().map(|mut stdin| {
        let bytes = Zeroizing::new(payload.as_bytes().to_vec());
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })
    });
    let output = child
        .wait_with_output()
        .map_err(|source| ApplyError::Spawn {
            kubectl: opts.kubectl.clone(),
            source,
        })?;
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = scrub(&String::from_utf8_lossy(&output.stdout), secrets);
    if output.status.success() {
        Ok(stdout)
    } else {
        let status = output.status.code().map_or_else(
            || "killed by a signal".to_owned(),
            |c| format!("exit status {c}"),
        );
        Err(ApplyError::Failed {
            kubectl: opts.kubectl.clone(),
            status,
            stderr: scrub(String::from_utf8_lossy(&output.stderr).trim_end(), secrets),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretBytes;
    use std::collections::BTreeMap;

    fn secret(ns: &str, data: &[(&str, &[u8])]) -> MergedSecret {
        MergedSecret {
            name: "s".into(),
            namespace: ns.into(),
            secret_type: "Opaque".into(),
            data: data
                .iter()
                .map(|(k, v)| ((*k).to_owned(), SecretBytes::from(v.to_vec())))
                .collect::<BTreeMap<_, _>>(),
            sources: vec![],
        }
    }

    #[test]
    fn scrub_hides_raw_base64_and_nested_json_values() {
        let docker = br#"{"auths":{"ghcr.io":{"username":"bot","password":"CANARY-pass","auth":"Ym90OkNBTkFSWS1wYXNz"}}}"#;
        let secrets = [secret(
            "default",
            &[("K", b"CANARY-raw"), (".dockerconfigjson", docker)],
        )];
        let b64 = SecretBytes::from(b"CANARY-raw".to_vec()).to_base64();
        let text = format!(
            "bad CANARY-raw / {} / CANARY-pass / Ym90OkNBTkFSWS1wYXNz / bot",
            b64.as_str()
        );
        let out = scrub(&text, &secrets);
        assert_eq!(
            out,
            "bad <redacted> / <redacted> / <redacted> / <redacted> / bot"
        );
    }

    #[test]
    fn namespace_flag_must_match_every_secret() {
        let secrets = [
            secret("default", &[("K", b"v")]),
            secret("shop", &[("K", b"v")]),
        ];
        let opts = KubectlOptions {
            kubectl: PathBuf::from("/nonexistent/kubectl"),
            namespace: Some("shop".into()),
            context: None,
        };
        let err = apply(&secrets, &opts).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "--namespace `shop` differs from the namespace of Secret(s) `default/s`"
            ),
            "{err}"
        );
    }

    #[test]
    fn args_pass_context_and_namespace_before_apply() {
        let opts = KubectlOptions {
            kubectl: PathBuf::from("kubectl"),
            context: Some("kind-dev".into()),
            namespace: Some("shop".into()),
        };
        assert_eq!(
            kubectl_args(&opts),
            ["--context=kind-dev", "--namespace=shop", "apply", "-f", "-"]
        );
    }
}
