//! `secret apply`, `secret diff` and `diff`: one `kubectl apply -f -` (or `kubectl diff -f -`) with
//! every object on stdin, and the kubectl runner every kubectl command goes through.
//!
//! Apply is server-side by default (`--server-side --field-manager=kubricate`): client-side apply
//! copies every object, values included, into the `last-applied-configuration` annotation, and
//! server-side apply lets the API server track which fields kubricate owns.
//!
//! Values travel only through the pipe (no temporary file). [`run_kubectl`] is the one place kubectl is
//! started: it removes the variables connectors read values from (`KUBRICATE_SECRET_*` and every other
//! connector prefix) from its environment, so neither kubectl nor its exec credential plugins
//! (`aws eks get-token`, `gke-gcloud-auth-plugin`, kubelogin) see them; it stops kubectl and its process
//! group when the time limit expires; and it reads kubectl's output line by line, scrubbed of every value
//! ([`Scrubber`]), streaming each line to the caller and keeping a bounded copy for the error message.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::deliver::secret::MergedSecret;

/// The prefix `EnvConnector` reads values from by default; always removed from kubectl's environment.
pub const SECRET_ENV_PREFIX: &str = "KUBRICATE_SECRET_";

/// How long `secret apply` lets kubectl run by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// How much of each of kubectl's streams is kept for the result and error messages. The rest is still
/// streamed to the caller; only the copy is bounded.
pub const CAPTURE_LIMIT: usize = 1 << 20;

/// The longest line of kubectl's output passed on; the rest of a longer line is dropped (and counted),
/// so a child that prints without newlines cannot make us buffer without bound.
pub const LINE_LIMIT: usize = 64 << 10;

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
    /// `--field-manager` of server-side apply (default `kubricate`).
    pub field_manager: String,
    /// `--force-conflicts` (server-side only): take over fields another manager owns.
    pub force_conflicts: bool,
    /// `--dry-run=server`.
    pub dry_run: DryRun,
    /// kubectl and everything it started are stopped after this long (default 5 minutes).
    pub timeout: Duration,
    /// Variables removed from kubectl's environment: every variable whose name starts with one of these
    /// prefixes. `KUBRICATE_SECRET_` is always removed; `Project` adds every connector's prefix.
    pub env_remove_prefixes: Vec<String>,
    /// Variables removed from kubectl's environment by exact name (the variables a connector without a
    /// prefix reads).
    pub env_remove_names: Vec<String>,
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
            timeout: DEFAULT_TIMEOUT,
            env_remove_prefixes: vec![SECRET_ENV_PREFIX.to_owned()],
            // kubectl has no use for the rollout checksum key either.
            env_remove_names: vec![crate::checksum::CHECKSUM_KEY_ENV.to_owned()],
        }
    }
}

impl KubectlOptions {
    /// Options running `kubectl` (the given binary) with the defaults.
    pub fn new(kubectl: impl Into<PathBuf>) -> Self {
        KubectlOptions {
            kubectl: kubectl.into(),
            ..KubectlOptions::default()
        }
    }
    /// Sets `--context`.
    pub fn context(mut self, context: Option<String>) -> Self {
        self.context = context;
        self
    }
    /// Sets `--namespace`.
    pub fn namespace(mut self, namespace: Option<String>) -> Self {
        self.namespace = namespace;
        self
    }
    /// Sets the time limit.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Why running kubectl failed. Messages never contain values (kubectl's output is scrubbed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// kubectl could not be started.
    #[error("cannot run `{}`: {source}; install kubectl or pass --kubectl PATH", kubectl.display())]
    Spawn {
        /// The binary.
        kubectl: PathBuf,
        /// The OS error.
        #[source]
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
    /// kubectl ran and failed. Its stdout is shown too: after a partial apply it lists what was
    /// created or configured before the failure.
    #[error("`{} {command}` failed ({}){}", kubectl.display(), exit_status(*code), failure_detail(stderr, stdout))]
    Failed {
        /// The binary.
        kubectl: PathBuf,
        /// The kubectl command (`apply`).
        command: String,
        /// kubectl's exit code (`None`: killed by a signal).
        code: Option<i32>,
        /// kubectl's stderr, scrubbed (bounded).
        stderr: String,
        /// kubectl's stdout, scrubbed (bounded).
        stdout: String,
    },
    /// kubectl did not finish in time and was stopped.
    #[error("`{} {command}` did not finish within {}; it was stopped (with every process it started). Some Secrets may already be applied: check with `kubectl get secrets`. Raise --timeout if the cluster is slow{}{}", kubectl.display(), format_duration(*timeout), shown_stream("stderr", stderr), shown_stdout(stdout))]
    Timeout {
        /// The binary.
        kubectl: PathBuf,
        /// The kubectl command (`apply`).
        command: String,
        /// The limit.
        timeout: Duration,
        /// What kubectl printed on stderr before it was stopped, scrubbed (bounded).
        stderr: String,
        /// What kubectl printed on stdout before it was stopped, scrubbed (bounded).
        stdout: String,
    },
    /// Waiting for kubectl failed.
    #[error("cannot wait for `{}`: {source}", kubectl.display())]
    Wait {
        /// The binary.
        kubectl: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// `exit status N`, or `killed by a signal` without a code.
fn exit_status(code: Option<i32>) -> String {
    code.map_or_else(
        || "killed by a signal".to_owned(),
        |c| format!("exit status {c}"),
    )
}

fn failure_detail(stderr: &str, stdout: &str) -> String {
    if stderr.trim().is_empty() && stdout.trim().is_empty() {
        String::new()
    } else {
        format!(":\n{}{}", stderr.trim_end(), shown_stdout(stdout))
    }
}

fn shown_stdout(stdout: &str) -> String {
    shown_stream("stdout", stdout)
}

fn shown_stream(name: &str, text: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() {
        String::new()
    } else {
        format!("\nkubectl {name}:\n{text}")
    }
}

/// `5m`, `90s`, `1h30m`, `250ms`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = d.as_secs();
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// A `--timeout` value that is not a duration.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a duration: use a number with a unit, e.g. 30s, 5m, 1h30m or 500ms")]
pub struct DurationError(String);

/// Parses a duration the way kubectl's `--request-timeout` does: numbers with units `ms`, `s`, `m`, `h`,
/// concatenated (`1h30m`). Zero is refused: a run that must stop at once cannot apply anything.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let bad = || DurationError(s.to_owned());
    let mut total = Duration::ZERO;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        let part = u32::try_from(n)
            .ok()
            .and_then(|n| unit.checked_mul(n))
            .ok_or_else(bad)?;
        total = total.checked_add(part).ok_or_else(bad)?;
    }
    if total.is_zero() {
        return Err(bad());
    }
    Ok(total)
}

/// The `v1/List` of Secrets sent to kubectl, as JSON (values in clear: only ever written to the pipe).
/// Built without leaving copies of values in freed memory (see [`crate::model::secret_value::zeroizing_json`]).
pub fn apply_payload(secrets: &[MergedSecret]) -> Zeroizing<Vec<u8>> {
    let items: Vec<serde_json::Value> = secrets.iter().map(|s| s.to_manifest(true)).collect();
    let mut list = serde_json::Map::new();
    list.insert("apiVersion".into(), "v1".into());
    list.insert("kind".into(), "List".into());
    list.insert("items".into(), serde_json::Value::Array(items));
    let list = crate::model::secret_value::ZeroizingJson(serde_json::Value::Object(list));
    crate::model::secret_value::zeroizing_json(&list.0)
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

/// Shortest value scrubbed: replacing shorter ones would garble kubectl's message while hiding little.
const MIN_NEEDLE: usize = 4;

/// A run of this many bytes of a value's long form (raw or base64) is taken for a truncated copy of it.
const PREFIX_MATCH: usize = 16;

/// Removes every secret value from text kubectl printed, in every form kubectl (a Go program) or the API
/// server may print it: raw, each line of a multi-line value, Go-quoted (`"line1\nline2"`), JSON-escaped,
/// base64, base64 wrapped at 76 or 64 columns (each line of it), and truncated (a run of at least
/// 16 bytes matching the start of a raw or base64 form); and every string inside a JSON value (a docker
/// config's password and `auth`).
///
/// Values shorter than 4 bytes are left alone: replacing them would garble kubectl's message while
/// hiding little.
pub struct Scrubber {
    /// Longest first, so that a value inside a longer one cannot leave the rest of the longer one behind.
    needles: Vec<Zeroizing<String>>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrubber(<{} redacted needles>)", self.needles.len())
    }
}

impl Scrubber {
    /// A scrubber for every value of `secrets`.
    pub fn new(secrets: &[MergedSecret]) -> Scrubber {
        let mut needles: Vec<Zeroizing<String>> = Vec::new();
        for s in secrets {
            for v in s.data.values() {
                add_forms(v.expose(), &mut needles);
                if let Ok(json) = serde_json::from_slice::<serde_json::Value>(v.expose()) {
                    let json = crate::model::secret_value::ZeroizingJson(json);
                    json_strings(&json.0, &mut needles);
                }
            }
        }
        needles.retain(|n| n.len() >= MIN_NEEDLE);
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Scrubber { needles }
    }

    /// `text` with every value replaced by `<redacted>`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = Zeroizing::new(text.to_owned());
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = replace_zeroizing(&out, needle);
            }
        }
        for needle in &self.needles {
            if needle.len() >= PREFIX_MATCH {
                out = redact_prefix_runs(&out, needle);
            }
        }
        String::clone(&out)
    }
}

const REDACTED: &str = "<redacted>";

/// `text` with every `needle` replaced by [`REDACTED`], built in a buffer sized up front: `str::replace`
/// grows its result and frees the smaller copies, which still hold the rest of the text, unzeroized.
fn replace_zeroizing(text: &str, needle: &str) -> Zeroizing<String> {
    let n = text.matches(needle).count();
    let len = text.len() - n * needle.len() + n * REDACTED.len();
    let mut out = Zeroizing::new(String::with_capacity(len));
    let mut last = 0;
    for (i, _) in text.match_indices(needle) {
        out.push_str(&text[last..i]);
        out.push_str(REDACTED);
        last = i + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

/// Replaces every run of `text` that starts with the first [`PREFIX_MATCH`] bytes of `needle` and goes on
/// matching it (a truncated copy).
fn redact_prefix_runs(text: &str, needle: &str) -> Zeroizing<String> {
    let mut cut = PREFIX_MATCH;
    while !needle.is_char_boundary(cut) {
        cut += 1;
    }
    let head = &needle[..cut];
    if !text.contains(head) {
        return Zeroizing::new(text.to_owned());
    }
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut i = 0;
    while let Some(pos) = text[i..].find(head) {
        let start = i + pos;
        let (mut end, mut k) = (start + head.len(), head.len());
        while k < n.len() && end < t.len() && t[end] == n[k] {
            end += 1;
            k += 1;
        }
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        out.push_str(&text[i..start]);
        out.push_str(REDACTED);
        i = end;
    }
    out.push_str(&text[i..]);
    out
}

/// Every form of one value a Go program or the API server may print.
fn add_forms(bytes: &[u8], out: &mut Vec<Zeroizing<String>>) {
    use base64::Engine;
    let raw = Zeroizing::new(String::from_utf8_lossy(bytes).into_owned());
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(bytes));
    for width in [76, 64] {
        let mut i = 0;
        while i < b64.len() {
            let end = (i + width).min(b64.len());
            out.push(Zeroizing::new(b64[i..end].to_owned()));
            i = end;
        }
    }
    out.push(b64);
    for line in raw.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        out.push(Zeroizing::new(line.to_owned()));
        out.push(escaped(line, Quoting::Go));
    }
    out.push(escaped(&raw, Quoting::Go));
    out.push(escaped(&raw, Quoting::Json));
    out.push(raw);
}

#[derive(Clone, Copy, PartialEq)]
enum Quoting {
    /// Go's `strconv.Quote` (what `%q` prints), without the quotes.
    Go,
    /// A JSON string, without the quotes.
    Json,
}

fn escaped(s: &str, q: Quoting) -> Zeroizing<String> {
    use std::fmt::Write as _;
    let mut out = Zeroizing::new(String::with_capacity(s.len() * 6 + 8));
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{7}' if q == Quoting::Go => out.push_str("\\a"),
            '\u{b}' if q == Quoting::Go => out.push_str("\\v"),
            c if q == Quoting::Json && (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if q == Quoting::Go && ((c as u32) < 0x20 || c == '\u{7f}') => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if q == Quoting::Go && c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn json_strings(v: &serde_json::Value, out: &mut Vec<Zeroizing<String>>) {
    match v {
        serde_json::Value::String(s) => add_forms(s.as_bytes(), out),
        serde_json::Value::Array(items) => items.iter().for_each(|i| json_strings(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|i| json_strings(i, out)),
        _ => {}
    }
}

/// Which of kubectl's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stream {
    /// kubectl's stdout.
    Stdout,
    /// kubectl's stderr.
    Stderr,
}

/// One kubectl invocation: what [`run_kubectl`] needs. Other commands (diff, server-side apply) build
/// their own.
#[derive(Debug)]
pub struct KubectlRun<'a> {
    /// Binary, time limit and environment policy.
    pub opts: &'a KubectlOptions,
    /// The kubectl command, for messages (`apply`, `diff`).
    pub command: &'a str,
    /// Every argument.
    pub args: Vec<String>,
    /// Written to kubectl's stdin, then stdin is closed.
    pub stdin: &'a [u8],
    /// Scrubs every line before it is passed on or kept.
    pub scrubber: &'a Scrubber,
}

/// What kubectl printed (scrubbed, each stream kept up to 1 MiB) and how it ended.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct KubectlOutput {
    /// Whether kubectl exited with status 0.
    pub success: bool,
    /// kubectl's exit code (`None`: killed by a signal); `kubectl diff` gives 1 for "changes".
    pub code: Option<i32>,
    /// `exit status N` or `killed by a signal`.
    pub status: String,
    /// kubectl's stdout, scrubbed and bounded.
    pub stdout: String,
    /// kubectl's stderr, scrubbed and bounded.
    pub stderr: String,
}

/// A bounded copy of one stream.
#[derive(Default)]
struct Capture {
    text: String,
    dropped_lines: usize,
}

impl Capture {
    fn push(&mut self, line: &str) {
        if self.text.len() + line.len() < CAPTURE_LIMIT {
            self.text.push_str(line);
            self.text.push('\n');
        } else {
            self.dropped_lines += 1;
        }
    }
    fn finish(self) -> String {
        let mut t = self.text;
        if self.dropped_lines > 0 {
            t.push_str(&format!(
                "[{} more line(s) not kept: the copy kept of kubectl's output is limited to {} bytes]\n",
                self.dropped_lines, CAPTURE_LIMIT
            ));
        }
        t
    }
}

/// Reads `r` line by line into `tx`; a line longer than [`LINE_LIMIT`] is cut there and the rest of it
/// dropped. Lines hold unscrubbed text, so they are zeroized once scrubbed.
fn read_lines(mut r: impl Read, stream: Stream, tx: mpsc::SyncSender<(Stream, Zeroizing<String>)>) {
    let mut buf = Zeroizing::new(vec![0u8; 64 << 10]);
    let mut line: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(LINE_LIMIT + 1));
    let mut cut_bytes = 0usize;
    let send = |line: &mut Zeroizing<Vec<u8>>, cut: &mut usize| {
        let note = if *cut > 0 {
            format!(" [line cut: {} more byte(s) dropped]", *cut)
        } else {
            String::new()
        };
        let raw = String::from_utf8_lossy(line);
        let mut text = Zeroizing::new(String::with_capacity(raw.len() + note.len()));
        text.push_str(&raw);
        text.push_str(&note);
        line.clear();
        *cut = 0;
        tx.send((stream, text)).is_ok()
    };
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let mut chunk = &buf[..n];
        loop {
            let (part, rest) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (&chunk[..i], Some(&chunk[i + 1..])),
                None => (chunk, None),
            };
            let room = LINE_LIMIT - line.len();
            let kept = part.len().min(room);
            line.extend_from_slice(&part[..kept]);
            cut_bytes += part.len() - kept;
            match rest {
                Some(rest) => {
                    if !send(&mut line, &mut cut_bytes) {
                        return;
                    }
                    chunk = rest;
                }
                None => break,
            }
        }
    }
    if !line.is_empty() || cut_bytes > 0 {
        send(&mut line, &mut cut_bytes);
    }
}

/// Runs kubectl once: environment without connector variables, `stdin` written and closed, every line of
/// its output scrubbed and passed to `on_line` as it arrives, stopped (with its process group) when
/// `opts.timeout` expires.
pub fn run_kubectl(
    run: &KubectlRun<'_>,
    on_line: &mut dyn FnMut(Stream, &str),
) -> Result<KubectlOutput, ApplyError> {
    let opts = run.opts;
    let mut cmd = Command::new(&opts.kubectl);
    cmd.args(&run.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars_os() {
        let Some(text) = name.to_str() else { continue };
        let prefixed = std::iter::once(SECRET_ENV_PREFIX)
            .chain(opts.env_remove_prefixes.iter().map(String::as_str))
            .any(|p| !p.is_empty() && text.starts_with(p));
        if prefixed || opts.env_remove_names.iter().any(|n| n == text) {
            cmd.env_remove(&name);
        }
    }
    // Its own process group, so a timeout stops the credential plugins kubectl started as well.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let spawn_err = |source| ApplyError::Spawn {
        kubectl: opts.kubectl.clone(),
        source,
    };
    let mut child = cmd.spawn().map_err(spawn_err)?;
    let deadline = Instant::now() + opts.timeout;
    // Written from a thread so a kubectl that answers before reading everything cannot deadlock us.
    let writer = child.stdin.take().map(|mut stdin| {
        let bytes = Zeroizing::new(run.stdin.to_vec());
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })
    });
    // A small channel: readers wait for us instead of piling lines up in memory.
    let (tx, rx) = mpsc::sync_channel::<(Stream, Zeroizing<String>)>(64);
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        std::thread::spawn(move || read_lines(out, Stream::Stdout, tx));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        std::thread::spawn(move || read_lines(err, Stream::Stderr, tx));
    }
    drop(tx);
    let (mut out, mut err) = (Capture::default(), Capture::default());
    let mut timed_out = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((stream, line)) => {
                let clean = run.scrubber.scrub(&line);
                on_line(stream, &clean);
                match stream {
                    Stream::Stdout => out.push(&clean),
                    Stream::Stderr => err.push(&clean),
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                timed_out = true;
                break;
            }
        }
    }
    // Both streams are closed; kubectl may still be running (or a plugin holds no pipe).
    let status = loop {
        if timed_out {
            break None;
        }
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => timed_out = true,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(source) => {
                stop(&mut child);
                return Err(ApplyError::Wait {
                    kubectl: opts.kubectl.clone(),
                    source,
                });
            }
        }
    };
    let Some(status) = status else {
        stop(&mut child);
        // The writer may be blocked on a pipe nobody reads; it ends once the child is gone.
        return Err(ApplyError::Timeout {
            kubectl: opts.kubectl.clone(),
            command: run.command.to_owned(),
            timeout: opts.timeout,
            stderr: err.finish(),
            stdout: out.finish(),
        });
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    // No signal to the process group once kubectl is reaped: its id may already name another group.
    Ok(KubectlOutput {
        success: status.success(),
        code: status.code(),
        status: status.code().map_or_else(
            || "killed by a signal".to_owned(),
            |c| format!("exit status {c}"),
        ),
        stdout: out.finish(),
        stderr: err.finish(),
    })
}

/// Stops kubectl and every process in its group: SIGTERM (a plugin may clean up), a short grace
/// period, then SIGKILL. kubectl is reaped only after both signals: until then its id (the group's id)
/// cannot be reused by another process, so the signals never reach anyone else.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        use rustix::process::{kill_process_group, Pid, Signal};
        let pid = Pid::from_child(child);
        let _ = kill_process_group(pid, Signal::TERM);
        std::thread::sleep(Duration::from_millis(200));
        let _ = kill_process_group(pid, Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs one `kubectl apply -f -` with all `secrets`; returns kubectl's (scrubbed, bounded) stdout.
pub fn apply(secrets: &[MergedSecret], opts: &KubectlOptions) -> Result<String, ApplyError> {
    apply_streaming(secrets, opts, &mut |_, _| {}).map(|o| o.stdout)
}

/// [`apply`], passing each scrubbed line of kubectl's output to `on_line` as it arrives.
pub fn apply_streaming(
    secrets: &[MergedSecret],
    opts: &KubectlOptions,
    on_line: &mut dyn FnMut(Stream, &str),
) -> Result<KubectlOutput, ApplyError> {
    check_options(secrets, opts)?;
    let payload = apply_payload(secrets);
    let output = run_verb(opts, Verb::Apply, &payload, secrets, on_line)?;
    if output.success {
        Ok(output)
    } else {
        Err(failure(opts, Verb::Apply, output))
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
    let output = run_verb(opts, Verb::Diff, payload, secrets, &mut |_, _| {})?;
    match output.code {
        Some(0) | Some(1) => Ok(DiffOutcome {
            changed: output.code == Some(1),
            stdout: output.stdout,
        }),
        _ => Err(failure(opts, Verb::Diff, output)),
    }
}

/// One kubectl invocation of `verb` through [`run_kubectl`].
fn run_verb(
    opts: &KubectlOptions,
    verb: Verb,
    payload: &[u8],
    secrets: &[MergedSecret],
    on_line: &mut dyn FnMut(Stream, &str),
) -> Result<KubectlOutput, ApplyError> {
    let scrubber = Scrubber::new(secrets);
    let run = KubectlRun {
        opts,
        command: verb.name(),
        args: kubectl_args(opts, verb),
        stdin: payload,
        scrubber: &scrubber,
    };
    run_kubectl(&run, on_line)
}

fn failure(opts: &KubectlOptions, verb: Verb, output: KubectlOutput) -> ApplyError {
    ApplyError::Failed {
        kubectl: opts.kubectl.clone(),
        command: verb.name().to_owned(),
        code: output.code,
        stderr: output.stderr.trim_end().to_owned(),
        stdout: output.stdout,
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
            namespace: (!ns.is_empty()).then(|| ns.to_owned()),
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
        let out = Scrubber::new(&secrets).scrub(&text);
        assert_eq!(
            out,
            "bad <redacted> / <redacted> / <redacted> / <redacted> / bot"
        );
    }

    /// A PEM key: 27 lines, so its base64 is far longer than 76 columns.
    fn pem() -> Vec<u8> {
        let mut k = b"-----BEGIN PRIVATE KEY-----\n".to_vec();
        for i in 0..25 {
            k.extend(
                format!("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC{i:02}CANARYpem\n")
                    .bytes(),
            );
        }
        k.extend(b"-----END PRIVATE KEY-----\n");
        k
    }

    #[test]
    fn scrub_catches_re_encoded_forms_of_a_multi_line_value() {
        use base64::Engine;
        let key = pem();
        let secrets = [secret("default", &[("tls.key", &key)])];
        let s = Scrubber::new(&secrets);
        let raw = String::from_utf8(key.clone()).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&key);
        // Go's %q, as kubectl prints a field value in an error.
        let go_quoted = format!("{:?}", raw);
        let wrapped: Vec<String> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        let cases = [
            format!("Invalid value: {go_quoted}: bad"),
            format!("data:\n{}\n", wrapped.join("\n")),
            format!("data: {}... (truncated)", &b64[..40]),
            format!("value \"{}...\"", &raw[..60].replace('\n', "\\n")),
            raw.clone(),
            format!("line: {}", raw.lines().nth(3).unwrap()),
        ];
        for text in cases {
            let out = s.scrub(&text);
            assert!(!out.contains("CANARY"), "leaked in {out:?}");
            for w in &wrapped {
                assert!(!out.contains(w.as_str()), "a base64 line in {out:?}");
            }
            assert!(!out.contains(&b64[..20]), "truncated base64 in {out:?}");
        }
        // kubectl's own words survive.
        assert_eq!(s.scrub("secret/tls configured"), "secret/tls configured");
    }

    #[test]
    fn go_quoting_matches_go() {
        assert_eq!(
            escaped("a\"b\\c\nd\te\u{7}\u{1}\u{7f}é", Quoting::Go).as_str(),
            "a\\\"b\\\\c\\nd\\te\\a\\x01\\x7fé"
        );
        assert_eq!(escaped("a\u{1}\n", Quoting::Json).as_str(), "a\\u0001\\n");
    }

    #[test]
    fn durations() {
        for (s, d) in [
            ("5m", 300_000),
            ("90s", 90_000),
            ("1h30m", 5_400_000),
            ("250ms", 250),
            ("1m30s", 90_000),
        ] {
            assert_eq!(parse_duration(s).unwrap(), Duration::from_millis(d), "{s}");
        }
        for s in ["", "5", "m", "0s", "5x", "-1s", "1.5s", "99999999999h"] {
            let err = parse_duration(s).unwrap_err().to_string();
            assert!(err.contains("is not a duration"), "{s}: {err}");
        }
        assert_eq!(format_duration(DEFAULT_TIMEOUT), "5m");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(format_duration(Duration::from_secs(3661)), "1h1m1s");
    }

    #[test]
    fn namespace_flag_must_match_every_explicit_namespace() {
        let secrets = [
            secret("default", &[("K", b"v")]),
            secret("shop", &[("K", b"v")]),
            secret("", &[("K", b"v")]),
        ];
        let opts = KubectlOptions::new("/nonexistent/kubectl").namespace(Some("shop".into()));
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
        let mut opts = KubectlOptions::new("/nonexistent/kubectl");
        opts.mode = ApplyMode::ClientSide;
        opts.force_conflicts = true;
        let err = apply(&[], &opts).unwrap_err();
        assert!(matches!(err, ApplyError::ForceConflictsClientSide), "{err}");
    }

    #[test]
    fn args_are_kubectls_words_in_kubectls_order() {
        let mut opts = KubectlOptions::new("kubectl")
            .context(Some("kind-dev".into()))
            .namespace(Some("shop".into()));
        opts.kubeconfig = Some(PathBuf::from("/home/me/.kube/staging"));
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

    #[test]
    fn a_long_line_is_cut_and_counted() {
        let (tx, rx) = mpsc::sync_channel(4);
        let mut input = vec![b'x'; LINE_LIMIT + 10];
        input.extend(b"\nshort\nlast");
        std::thread::spawn(move || read_lines(&input[..], Stream::Stderr, tx));
        let lines: Vec<String> = rx.iter().map(|(_, l)| String::clone(&l)).collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].ends_with(" [line cut: 10 more byte(s) dropped]"));
        assert_eq!(
            lines[0].len(),
            LINE_LIMIT + " [line cut: 10 more byte(s) dropped]".len()
        );
        assert_eq!(&lines[1..], ["short", "last"]);
    }
}
