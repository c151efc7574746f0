//! `secret apply`, `secret diff` and `diff`: one `kubectl apply -f -` (or `kubectl diff -f -`) with
//! every object on stdin.
//!
//! Values travel only through the pipe (no temporary file); what kubectl prints back is scrubbed of
//! every value before it is shown.
//!
//! Apply is server-side by default (`--server-side --field-manager=kubricate`): client-side apply
//! copies every object, values included, into the `last-applied-configuration` annotation, and
//! server-side apply lets the API server track which fields kubricate owns.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use zeroize::Zeroizing;

use crate::deliver::secret::MergedSecret;

/// The field manager kubricate applies as (`--field-manager`), unless told otherwise.
pub const FIELD_MANAGER: &str = "kubricate";

/// How `kubectl apply` merges: kubectl's two modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ApplyMode {
    /// `--server-side --field-manager=..` (the default): the API server merges and tracks field
    /// ownership; no `last-applied-configuration` annotation holding the values.
    #[default]
    ServerSide,
    /// kubectl's classic three-way merge (`kubectl apply` without `--server-side`).
    ClientSide,
}

/// kubectl's `--dry-run` values that reach kubectl (`client` is kubricate's own local print).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DryRun {
    /// Really apply.
    #[default]
    None,
    /// `--dry-run=server`: the API server validates and admits, and persists nothing.
    Server,
}

/// How to run kubectl.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KubectlOptions {
    /// The kubectl binary (default `kubectl`, looked up on `PATH`).
    pub kubectl: PathBuf,
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `--namespace`: objects without a namespace (Secrets of workloads without one) land there; an
    /// object with another namespace is an error, as it is for kubectl.
    pub namespace: Option<String>,
    /// Server-side (default) or client-side apply.
    pub mode: ApplyMode,
    /// `--field-manager` of server-side apply (default [`FIELD_MANAGER`]).
    pub field_manager: String,
    /// `--force-conflicts` (server-side only): take over fields another manager owns.
    pub force_conflicts: bool,
    /// `--dry-run=server`.
    pub dry_run: DryRun,
}

impl Default for KubectlOptions {
    fn default() -> Self {
        KubectlOptions {
            kubectl: PathBuf::from("kubectl"),
            kubeconfig: None,
            context: None,
            namespace: None,
            mode: ApplyMode::default(),
            field_manager: FIELD_MANAGER.to_owned(),
            force_conflicts: false,
            dry_run: DryRun::None,
        }
    }
}

/// What kubricate asks kubectl to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `kubectl apply -f -`.
    Apply,
    /// `kubectl diff -f -`.
    Diff,
}

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::Apply => "apply",
            Verb::Diff => "diff",
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
    #[error("--namespace `{namespace}` differs from the explicit namespace of Secret(s) {}; kubectl refuses an object whose namespace differs from --namespace: drop --namespace, or change the providers' namespace", secrets.join(", "))]
    Namespace {
        /// The `--namespace` value.
        namespace: String,
        /// `namespace/name` of each Secret in another namespace.
        secrets: Vec<String>,
    },
    /// `--force-conflicts` without server-side apply: kubectl would refuse it.
    #[error("--force-conflicts only applies to server-side apply; drop --client-side or --force-conflicts")]
    ForceConflictsClientSide,
    /// kubectl ran and failed.
    #[error("`{} {verb}` failed ({status}):\n{stderr}", kubectl.display())]
    Failed {
        /// The binary.
        kubectl: PathBuf,
        /// `apply` or `diff`.
        verb: &'static str,
        /// kubectl's exit code (`None`: killed by a signal).
        code: Option<i32>,
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

/// The arguments passed to kubectl for `verb`: global flags, the verb, its mode flags, `-f -`.
///
/// `kubectl diff` takes the same `--server-side`, `--field-manager` and `--force-conflicts`, so a
/// diff shows what the matching apply would change.
pub fn kubectl_args(opts: &KubectlOptions, verb: Verb) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(k) = &opts.kubeconfig {
        args.push(format!("--kubeconfig={}", k.display()));
    }
    if let Some(c) = &opts.context {
        args.push(format!("--context={c}"));
    }
    if let Some(n) = &opts.namespace {
        args.push(format!("--namespace={n}"));
    }
    args.push(verb.name().to_owned());
    if opts.mode == ApplyMode::ServerSide {
        args.push("--server-side".to_owned());
        args.push(format!("--field-manager={}", opts.field_manager));
        if opts.force_conflicts {
            args.push("--force-conflicts".to_owned());
        }
    }
    if verb == Verb::Apply && opts.dry_run == DryRun::Server {
        args.push("--dry-run=server".to_owned());
    }
    args.extend(["-f".to_owned(), "-".to_owned()]);
    args
}

/// The options' own contradictions and `--namespace` against the Secrets' explicit namespaces:
/// caught before kubectl starts, so nothing is half-applied.
pub(crate) fn check_options(
    secrets: &[MergedSecret],
    opts: &KubectlOptions,
) -> Result<(), ApplyError> {
    if opts.force_conflicts && opts.mode == ApplyMode::ClientSide {
        return Err(ApplyError::ForceConflictsClientSide);
    }
    if let Some(ns) = &opts.namespace {
        let elsewhere: Vec<String> = secrets
            .iter()
            .filter(|s| s.namespace.as_deref().is_some_and(|n| n != ns))
            .map(|s| format!("`{}`", s.place()))
            .collect();
        if !elsewhere.is_empty() {
            return Err(ApplyError::Namespace {
                namespace: ns.clone(),
                secrets: elsewhere,
            });
        }
    }
    Ok(())
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
    check_options(secrets, opts)?;
    let payload = apply_payload(secrets);
    let out = run_kubectl(opts, Verb::Apply, payload.as_bytes(), secrets)?;
    if out.code == Some(0) {
        Ok(out.stdout)
    } else {
        Err(out.failure(opts, Verb::Apply))
    }
}

/// What `kubectl diff` found, with `kubectl diff`'s exit-code meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffOutcome {
    /// Exit status 1: the cluster differs from the objects.
    pub changed: bool,
    /// kubectl's stdout (the diff), scrubbed of every value.
    pub stdout: String,
}

/// Runs one `kubectl diff -f -` with `payload` (the Secrets' `v1/List`, or generated manifests);
/// every value of `secrets` is scrubbed from what kubectl prints (kubectl masks Secret data in its
/// diff; the scrub covers what it does not, such as its error messages).
///
/// Exit status 0 is no change, 1 changes, anything else an error, as for `kubectl diff`.
pub fn diff(
    payload: &[u8],
    secrets: &[MergedSecret],
    opts: &KubectlOptions,
) -> Result<DiffOutcome, ApplyError> {
    check_options(secrets, opts)?;
    let out = run_kubectl(opts, Verb::Diff, payload, secrets)?;
    match out.code {
        Some(0) | Some(1) => Ok(DiffOutcome {
            changed: out.code == Some(1),
            stdout: out.stdout,
        }),
        _ => Err(out.failure(opts, Verb::Diff)),
    }
}

/// kubectl's exit code and scrubbed output.
struct KubectlOutput {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl KubectlOutput {
    fn failure(self, opts: &KubectlOptions, verb: Verb) -> ApplyError {
        let status = self.code.map_or_else(
            || "killed by a signal".to_owned(),
            |c| format!("exit status {c}"),
        );
        ApplyError::Failed {
            kubectl: opts.kubectl.clone(),
            verb: verb.name(),
            code: self.code,
            status,
            stderr: self.stderr,
        }
    }
}

// --- the kubectl runner: one process, `payload` on stdin, output scrubbed of `secrets` ---
fn run_kubectl(
    opts: &KubectlOptions,
    verb: Verb,
    payload: &[u8],
    secrets: &[MergedSecret],
) -> Result<KubectlOutput, ApplyError> {
    let mut child = Command::new(&opts.kubectl)
        .args(kubectl_args(opts, verb))
        // kubectl has no use for the rollout checksum key, and a child's environment is readable
        // by its plugins and in /proc.
        .env_remove(crate::checksum::CHECKSUM_KEY_ENV)
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
        let bytes = Zeroizing::new(payload.to_vec());
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
    Ok(KubectlOutput {
        code: output.status.code(),
        stdout: scrub(&String::from_utf8_lossy(&output.stdout), secrets),
        stderr: scrub(String::from_utf8_lossy(&output.stderr).trim_end(), secrets),
    })
}
// --- end of the kubectl runner ---

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretBytes;
    use std::collections::BTreeMap;

    fn secret(ns: Option<&str>, data: &[(&str, &[u8])]) -> MergedSecret {
        MergedSecret {
            name: "s".into(),
            namespace: ns.map(str::to_owned),
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
            Some("default"),
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
    fn namespace_flag_must_match_every_explicit_namespace() {
        let secrets = [
            secret(Some("default"), &[("K", b"v")]),
            secret(Some("shop"), &[("K", b"v")]),
            secret(None, &[("K", b"v")]),
        ];
        let opts = KubectlOptions {
            kubectl: PathBuf::from("/nonexistent/kubectl"),
            namespace: Some("shop".into()),
            ..Default::default()
        };
        let err = apply(&secrets, &opts).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "--namespace `shop` differs from the explicit namespace of Secret(s) `default/s`;"
            ),
            "{err}"
        );
        // Without a namespace a Secret goes wherever --namespace says: only the spawn fails here.
        let err = apply(&secrets[1..], &opts).unwrap_err();
        assert!(matches!(err, ApplyError::Spawn { .. }), "{err}");
    }

    #[test]
    fn force_conflicts_needs_server_side() {
        let opts = KubectlOptions {
            kubectl: PathBuf::from("/nonexistent/kubectl"),
            mode: ApplyMode::ClientSide,
            force_conflicts: true,
            ..Default::default()
        };
        let err = apply(&[], &opts).unwrap_err();
        assert!(matches!(err, ApplyError::ForceConflictsClientSide), "{err}");
    }

    #[test]
    fn args_are_kubectls_words_in_kubectls_order() {
        let mut opts = KubectlOptions {
            kubeconfig: Some(PathBuf::from("/home/me/.kube/staging")),
            context: Some("kind-dev".into()),
            namespace: Some("shop".into()),
            ..Default::default()
        };
        assert_eq!(
            kubectl_args(&opts, Verb::Apply),
            [
                "--kubeconfig=/home/me/.kube/staging",
                "--context=kind-dev",
                "--namespace=shop",
                "apply",
                "--server-side",
                "--field-manager=kubricate",
                "-f",
                "-"
            ]
        );
        opts.force_conflicts = true;
        opts.dry_run = DryRun::Server;
        assert_eq!(
            kubectl_args(&opts, Verb::Apply)[3..],
            [
                "apply",
                "--server-side",
                "--field-manager=kubricate",
                "--force-conflicts",
                "--dry-run=server",
                "-f",
                "-"
            ]
        );
        // A diff compares with what the same apply would do, and is never a dry run itself.
        assert_eq!(
            kubectl_args(&opts, Verb::Diff)[3..],
            [
                "diff",
                "--server-side",
                "--field-manager=kubricate",
                "--force-conflicts",
                "-f",
                "-"
            ]
        );
        let client = KubectlOptions {
            mode: ApplyMode::ClientSide,
            ..Default::default()
        };
        assert_eq!(kubectl_args(&client, Verb::Apply), ["apply", "-f", "-"]);
    }
}
