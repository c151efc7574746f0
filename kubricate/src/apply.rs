//! `secret apply`: one `kubectl apply -f -` with every merged Secret on stdin.
//!
//! Values travel only through the pipe (no temporary file); what kubectl prints back is scrubbed of
//! every value before it is shown.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use zeroize::Zeroizing;

use crate::MergedSecret;

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

/// Replaces every value (raw and base64) of `secrets` found in `text` with `<redacted>`.
pub fn scrub(text: &str, secrets: &[MergedSecret]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        for v in s.data.values() {
            let b64 = v.to_base64();
            let raw = String::from_utf8_lossy(v.expose()).into_owned();
            for needle in [b64.as_str(), raw.as_str()] {
                if needle.len() >= 4 && out.contains(needle) {
                    out = out.replace(needle, "<redacted>");
                }
            }
            zeroize::Zeroize::zeroize(&mut raw.into_bytes());
        }
    }
    out
}

/// Runs one `kubectl apply -f -` with all `secrets`; returns kubectl's (scrubbed) stdout.
pub fn apply(secrets: &[MergedSecret], opts: &KubectlOptions) -> Result<String, ApplyError> {
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
