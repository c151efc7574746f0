use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use zeroize::Zeroizing;

use super::{Connector, ConnectorError, LoadProblem};
use crate::model::secret_value::SecretValue;
use crate::model::secret_value::MAX_SECRET_BYTES;

/// Runs a command per secret and takes its standard output as the value: a password manager, a vault,
/// an encrypted file.
///
/// The command is an argument list, run without a shell, with `{name}` in any argument replaced by the
/// secret's name:
///
/// | Tool | Arguments |
/// |---|---|
/// | pass | `["pass", "show", "kubricate/{name}"]` |
/// | 1Password | `["op", "read", "op://vault/{name}/password"]` |
/// | Vault | `["vault", "kv", "get", "-field=value", "secret/{name}"]` |
/// | sops | `["sops", "-d", "--extract", "[\"{name}\"]", "secrets.enc.yaml"]` |
///
/// The value is the output with one trailing line break (`\n` or `\r\n`) removed, nothing else: a value
/// that itself ends in a line break keeps the others. A command that fails, cannot start or outlives
/// the [`timeout`](Self::timeout) (default 30 s; it is then killed) is a problem naming the secret, with
/// the command's stderr (whatever it also wrote to stdout removed from it, and at most 20 lines). Its
/// stdin is empty; it inherits the environment, as it would from your shell, except the
/// `KUBRICATE_SECRET_*` variables, which may hold other secrets' values. Commands run one after
/// another, so a tool that asks to be unlocked (a GPG agent, `op signin`) asks once.
///
/// ```no_run
/// use kubricate::{CommandConnector, Connector};
/// let c = CommandConnector::new(["pass", "show", "kubricate/{name}"]);
/// let values = c.load(&["API_KEY"]); // runs `pass show kubricate/API_KEY`
/// ```
#[derive(Debug, Clone)]
pub struct CommandConnector {
    argv: Vec<String>,
    per_secret: IndexMap<String, Vec<String>>,
    timeout: Duration,
    working_dir: Option<PathBuf>,
}

/// Lines of stderr shown in a problem.
const STDERR_LINES: usize = 20;

impl CommandConnector {
    /// Runs `argv` (program first) for each secret, `{name}` substituted.
    pub fn new<S: Into<String>>(argv: impl IntoIterator<Item = S>) -> Self {
        CommandConnector {
            argv: argv.into_iter().map(Into::into).collect(),
            per_secret: IndexMap::new(),
            timeout: Duration::from_secs(30),
            working_dir: None,
        }
    }

    /// Runs `argv` for secret `name` instead of the common command.
    pub fn command_for<S: Into<String>>(
        mut self,
        name: impl Into<String>,
        argv: impl IntoIterator<Item = S>,
    ) -> Self {
        self.per_secret
            .insert(name.into(), argv.into_iter().map(Into::into).collect());
        self
    }

    /// How long one command may run (default 30 seconds).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The directory commands run in (default: the current directory).
    pub fn working_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.working_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The arguments run for secret `name`.
    pub fn argv_for(&self, name: &str) -> Vec<String> {
        self.per_secret
            .get(name)
            .unwrap_or(&self.argv)
            .iter()
            .map(|a| a.replace("{name}", name))
            .collect()
    }

    /// Runs the command of `name`: its value, or why not.
    fn run(&self, name: &str) -> Result<SecretValue, LoadProblem> {
        let argv = self.argv_for(name);
        let program = argv.first().cloned().unwrap_or_default();
        let failed = |reason: String, stderr: String| LoadProblem::CommandFailed {
            secret: name.to_owned(),
            command: program.clone(),
            reason,
            stderr,
        };
        let mut cmd = Command::new(&program);
        cmd.args(argv.get(1..).unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &self.working_dir {
            cmd.current_dir(dir);
        }
        // Other secrets' values may sit in `KUBRICATE_SECRET_*` variables: a command never sees them.
        for (key, _) in std::env::vars_os() {
            if key
                .to_str()
                .is_some_and(|k| k.starts_with(super::env::DEFAULT_PREFIX))
            {
                cmd.env_remove(key);
            }
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| failed(format!("could not start: {}", e.kind()), String::new()))?;
        // Both pipes are drained while the command runs, so a chatty command cannot block on them.
        let stdout = child.stdout.take().map(|out| {
            std::thread::spawn(
                move || match super::read_zeroizing(out, MAX_SECRET_BYTES, 4096) {
                    Ok(buf) => (buf, true),
                    Err(_) => (Zeroizing::new(Vec::new()), false),
                },
            )
        });
        // stderr may echo the value: it is held like one.
        let stderr = child.stderr.take().map(|err| {
            std::thread::spawn(move || {
                super::read_zeroizing(err, 64 * 1024, 4096).unwrap_or_default()
            })
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if started.elapsed() >= self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(format!(
                        "did not finish within {:?} and was stopped",
                        self.timeout
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => break Err(format!("could not be waited for: {}", e.kind())),
            }
        };
        let status = match status {
            Ok(status) => status,
            // Not waiting for the pipes: a process the command started may still hold them open.
            Err(reason) => return Err(failed(reason, String::new())),
        };
        let (out, out_ok) = stdout
            .and_then(|t| t.join().ok())
            .unwrap_or_else(|| (Zeroizing::new(Vec::new()), false));
        let err = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
        let shown = || scrubbed_stderr(&err, &out);
        if !status.success() {
            let reason = match status.code() {
                Some(code) => format!("failed with exit status {code}"),
                None => "was stopped by a signal".to_owned(),
            };
            return Err(failed(reason, shown()));
        }
        if !out_ok {
            return Err(failed(
                "wrote output that could not be read".to_owned(),
                shown(),
            ));
        }
        if out.len() > MAX_SECRET_BYTES {
            return Err(LoadProblem::TooLarge {
                secret: name.to_owned(),
                source: format!("the output of `{program}`"),
            });
        }
        let mut value = out;
        if value.ends_with(b"\n") {
            value.pop();
            if value.ends_with(b"\r") {
                value.pop();
            }
        }
        if value.is_empty() {
            return Err(LoadProblem::Empty {
                secret: name.to_owned(),
                source: format!("the output of `{program}`"),
            });
        }
        Ok(SecretValue::from_bytes(value.to_vec()))
    }
}

/// At most [`STDERR_LINES`] lines of `stderr`, with every line of `stdout` (4 bytes or longer) and
/// the whole of it taken out: a tool may echo what it printed.
fn scrubbed_stderr(stderr: &[u8], stdout: &[u8]) -> String {
    let mut text = Zeroizing::new(String::from_utf8_lossy(stderr).into_owned());
    let out = Zeroizing::new(String::from_utf8_lossy(stdout).into_owned());
    let mut needles: Vec<&str> = std::iter::once(out.trim())
        .chain(out.lines().map(str::trim))
        .filter(|l| l.len() >= 4)
        .collect();
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for n in needles {
        text = Zeroizing::new(text.replace(n, "<redacted>"));
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut shown: Vec<String> = lines
        .iter()
        .take(STDERR_LINES)
        .map(|l| l.chars().take(300).collect())
        .collect();
    if lines.len() > STDERR_LINES {
        shown.push(format!("... ({} more lines)", lines.len() - STDERR_LINES));
    }
    shown.join("\n")
}

impl Connector for CommandConnector {
    fn kind(&self) -> &'static str {
        "CommandConnector"
    }

    fn load(&self, names: &[&str]) -> Result<IndexMap<String, SecretValue>, ConnectorError> {
        if self.argv.first().is_none_or(String::is_empty)
            && names.iter().any(|n| !self.per_secret.contains_key(*n))
        {
            return Err(ConnectorError::Config {
                connector: "CommandConnector",
                problem: "the command is empty; give at least the program, e.g. CommandConnector::new([\"pass\", \"show\", \"{name}\"])".to_owned(),
            });
        }
        let mut out = IndexMap::with_capacity(names.len());
        let mut problems = Vec::new();
        for &name in names {
            match self.run(name) {
                Ok(v) => {
                    out.insert(name.to_owned(), v);
                }
                Err(p) => problems.push(p),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(ConnectorError::Load {
                connector: "CommandConnector",
                problems,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in command: a shell script written into `dir`.
    fn script(dir: &Path, name: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn the_name_is_substituted_and_one_trailing_newline_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let argv_log = dir.path().join("argv");
        let vault = script(
            dir.path(),
            "vault",
            &format!(
                "printf '%s\\n' \"$@\" >> {}\ncase \"$3\" in\n  secret/A) printf 'a$b ${{c}}\\n' ;;\n  secret/B) printf 'two\\n\\n' ;;\n  secret/C) printf 'crlf\\r\\n' ;;\n  secret/D) printf 'none' ;;\nesac",
                argv_log.display()
            ),
        );
        let c = CommandConnector::new([vault.as_str(), "kv", "get", "secret/{name}; rm -rf /"])
            .command_for("A", [vault.as_str(), "kv", "get", "secret/{name}"])
            .command_for("B", [vault.as_str(), "kv", "get", "secret/{name}"])
            .command_for("C", [vault.as_str(), "kv", "get", "secret/{name}"])
            .command_for("D", [vault.as_str(), "kv", "get", "secret/{name}"]);
        let v = c.load(&["A", "B", "C", "D"]).unwrap();
        assert_eq!(v["A"].to_bytes().expose(), b"a$b ${c}");
        assert_eq!(v["B"].to_bytes().expose(), b"two\n");
        assert_eq!(v["C"].to_bytes().expose(), b"crlf");
        assert_eq!(v["D"].to_bytes().expose(), b"none");
        let args = std::fs::read_to_string(&argv_log).unwrap();
        assert!(args.starts_with("kv\nget\nsecret/A\n"), "{args}");
        // No shell: the `;` of the common template is an argument, not a command.
        assert_eq!(c.argv_for("Z")[3], "secret/Z; rm -rf /");
    }

    #[test]
    fn commands_do_not_see_kubricate_secret_variables() {
        let dir = tempfile::tempdir().unwrap();
        let var = "KUBRICATE_SECRET_KUBRICATE_UNIT_COMMAND_ENV";
        // A name no other test reads; set for this process only.
        std::env::set_var(var, "CANARY-env");
        let cmd = script(
            dir.path(),
            "show-env",
            &format!("printf '%s' \"${{{var}:-absent}}\""),
        );
        let v = CommandConnector::new([cmd]).load(&["X"]).unwrap();
        assert_eq!(v["X"].to_bytes().expose(), b"absent");
    }

    #[test]
    fn binary_output_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = script(dir.path(), "bin", "printf '\\377\\000\\376'");
        let v = CommandConnector::new([cmd]).load(&["X"]).unwrap();
        assert_eq!(v["X"].to_bytes().expose(), [0xff, 0x00, 0xfe]);
    }

    #[test]
    fn failures_name_the_secret_and_show_stderr_without_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = script(
            dir.path(),
            "op",
            "case \"$1\" in\n  FAIL) printf 'CANARY-Zq7\\n'; printf 'error: item not found\\nechoed CANARY-Zq7 here\\n' >&2; exit 3 ;;\n  SLOW) sleep 5 ;;\n  EMPTY) printf '\\n' ;;\nesac",
        );
        let c = CommandConnector::new([cmd.as_str(), "{name}"])
            .timeout(Duration::from_millis(300))
            .command_for("GONE", ["/nonexistent/kubricate-test-tool"]);
        let started = Instant::now();
        let msg = c
            .load(&["FAIL", "SLOW", "EMPTY", "GONE"])
            .unwrap_err()
            .to_string();
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "the timeout stops the command"
        );
        for part in [
            "for secret `FAIL` failed with exit status 3; its stderr:",
            "error: item not found",
            "echoed <redacted> here",
            "for secret `SLOW` did not finish within 300ms and was stopped",
            "(secret `EMPTY`)",
            "`/nonexistent/kubricate-test-tool` for secret `GONE` could not start",
        ] {
            assert!(msg.contains(part), "{part}: {msg}");
        }
        assert!(!msg.contains("CANARY"), "{msg}");
    }

    #[test]
    fn an_empty_command_is_a_configuration_error() {
        let c = CommandConnector::new(Vec::<String>::new());
        assert!(matches!(c.load(&["A"]), Err(ConnectorError::Config { .. })));
    }
}
