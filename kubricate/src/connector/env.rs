use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use zeroize::Zeroizing;

use super::{Connector, ConnectorError, LoadProblem};
use crate::model::secret_value::SecretValue;

/// The default variable prefix: secret `X` is read from `KUBRICATE_SECRET_X`.
pub const DEFAULT_PREFIX: &str = "KUBRICATE_SECRET_";

/// Reads secrets from environment variables, with a `.env` file as a fallback.
///
/// Secret `DATABASE_URL` is the variable `KUBRICATE_SECRET_DATABASE_URL`. The `.env` file of the working
/// directory is read with `dotenvy`'s iterator into a private map (the process environment is never
/// modified); a variable set in the real environment wins over the file. A value that is a flat JSON
/// object (`{"username":"u","password":"p"}`) is loaded as an object, for structured providers.
///
/// ```
/// use kubricate::{Connector, EnvConnector};
/// let dir = std::env::temp_dir().join(format!("kubricate-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join(".env"), "KUBRICATE_SECRET_API_KEY=sk_test_123\n").unwrap();
/// let c = EnvConnector::new().working_dir(&dir).environment(std::iter::empty::<(String, String)>());
/// assert!(c.load(&["API_KEY"]).is_ok());
/// let err = c.load(&["API_KEY", "DATABASE_URL", "JWT_SECRET"]).unwrap_err().to_string();
/// assert!(err.contains("KUBRICATE_SECRET_DATABASE_URL") && err.contains("KUBRICATE_SECRET_JWT_SECRET"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Clone)]
pub struct EnvConnector {
    prefix: String,
    case_insensitive: bool,
    working_dir: Option<PathBuf>,
    dotenv: bool,
    /// `None`: the process environment. `Some`: an explicit environment (tests, embedding).
    environment: Option<HashMap<String, Zeroizing<String>>>,
}

impl Default for EnvConnector {
    fn default() -> Self {
        EnvConnector::new()
    }
}

impl std::fmt::Debug for EnvConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvConnector")
            .field("prefix", &self.prefix)
            .field("case_insensitive", &self.case_insensitive)
            .field("working_dir", &self.working_dir)
            .field("dotenv", &self.dotenv)
            .field(
                "environment",
                &self.environment.as_ref().map(|_| "<explicit, redacted>"),
            )
            .finish()
    }
}

impl EnvConnector {
    /// Prefix `KUBRICATE_SECRET_`, `.env` of the current directory, process environment.
    pub fn new() -> Self {
        EnvConnector {
            prefix: DEFAULT_PREFIX.to_owned(),
            case_insensitive: false,
            working_dir: None,
            dotenv: true,
            environment: None,
        }
    }

    /// Changes the variable prefix (may be empty).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Matches variable names ignoring ASCII case (`kubricate_secret_api_key` finds `API_KEY`).
    pub fn case_insensitive(mut self, yes: bool) -> Self {
        self.case_insensitive = yes;
        self
    }

    /// The directory whose `.env` file is read (default: the current directory).
    pub fn working_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.working_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Whether to read `.env` at all (default: yes).
    pub fn dotenv(mut self, yes: bool) -> Self {
        self.dotenv = yes;
        self
    }

    /// Uses the given variables instead of the process environment.
    pub fn environment<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.environment = Some(
            vars.into_iter()
                .map(|(k, v)| (k.into(), Zeroizing::new(v.into())))
                .collect(),
        );
        self
    }

    /// The `.env` path this connector reads, if any.
    pub fn dotenv_path(&self) -> Option<PathBuf> {
        if !self.dotenv {
            return None;
        }
        Some(match &self.working_dir {
            Some(d) => d.join(".env"),
            None => PathBuf::from(".env"),
        })
    }

    /// The variable that holds secret `name`.
    pub fn variable_name(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    fn read_dotenv(&self) -> Result<Vec<(String, Zeroizing<String>)>, ConnectorError> {
        let Some(path) = self.dotenv_path() else {
            return Ok(Vec::new());
        };
        let content = match std::fs::read_to_string(&path) {
            Ok(c) => Zeroizing::new(c),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(ConnectorError::Io { path, source }),
        };
        let body = content.strip_prefix('\u{feff}').unwrap_or(&content);
        let mut entries: Vec<(String, Zeroizing<String>)> = Vec::new();
        // Lines holding an unquoted JSON object bypass dotenvy (see `literal_json_line`); the lines
        // between them go through dotenvy in order, so "first occurrence wins" still holds.
        let mut chunk = Zeroizing::new(String::new());
        for line in body.split_inclusive('\n') {
            match literal_json_line(line) {
                Some((k, v)) => {
                    parse_dotenv_chunk(&chunk, body, &path, &mut entries)?;
                    chunk.clear();
                    push_first(&mut entries, k, v);
                }
                None => chunk.push_str(line),
            }
        }
        parse_dotenv_chunk(&chunk, body, &path, &mut entries)?;
        Ok(entries)
    }

    fn lookup_env(&self, var: &str) -> Option<Zeroizing<String>> {
        match &self.environment {
            Some(map) => {
                if let Some(v) = map.get(var) {
                    return Some(v.clone());
                }
                if self.case_insensitive {
                    return map
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(var))
                        .map(|(_, v)| v.clone());
                }
                None
            }
            None => {
                let found: Option<OsString> = std::env::var_os(var).or_else(|| {
                    if self.case_insensitive {
                        std::env::vars_os()
                            .find(|(k, _)| k.to_str().is_some_and(|k| k.eq_ignore_ascii_case(var)))
                            .map(|(_, v)| v)
                    } else {
                        None
                    }
                });
                found.map(|v| Zeroizing::new(v.to_string_lossy().into_owned()))
            }
        }
    }
}

/// First occurrence wins, as dotenvy's own `load` does.
fn push_first(
    entries: &mut Vec<(String, Zeroizing<String>)>,
    key: String,
    value: Zeroizing<String>,
) {
    if !entries.iter().any(|(seen, _)| *seen == key) {
        entries.push((key, value));
    }
}

/// Parses `chunk` (a run of lines of `body`) with dotenvy, appending its variables to `entries`.
fn parse_dotenv_chunk(
    chunk: &str,
    body: &str,
    path: &Path,
    entries: &mut Vec<(String, Zeroizing<String>)>,
) -> Result<(), ConnectorError> {
    for item in dotenvy::from_read_iter(chunk.as_bytes()) {
        match item {
            Ok((k, v)) => push_first(entries, k, Zeroizing::new(v)),
            Err(dotenvy::Error::LineParse(line, _)) => {
                let line = Zeroizing::new(line);
                return Err(ConnectorError::DotenvSyntax {
                    line: line_number(body, &line),
                    path: path.to_path_buf(),
                });
            }
            Err(dotenvy::Error::Io(source)) => {
                return Err(ConnectorError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
            // Only variable substitution errors remain; they carry no value, but name no line either.
            Err(_) => {
                return Err(ConnectorError::DotenvSyntax {
                    line: 0,
                    path: path.to_path_buf(),
                })
            }
        }
    }
    Ok(())
}

/// `KEY={...}` whose unquoted value is a JSON object, as `(KEY, value)`.
///
/// dotenvy follows shell quoting, so the `"` inside an unquoted JSON value would be stripped and
/// `{"username":"u"}` would arrive as `{username:u}`. The reference's documented `.env` lines
/// (`KUBRICATE_SECRET_DOCKER_REGISTRY_TOKEN={"username":...}`) rely on Node's dotenv, which keeps an
/// unquoted value as written; this keeps them working. Quoted values still go through dotenvy.
fn literal_json_line(line: &str) -> Option<(String, Zeroizing<String>)> {
    let rest = line.trim_start();
    let rest = rest
        .strip_prefix("export")
        .filter(|r| r.starts_with([' ', '\t']))
        .map_or(rest, str::trim_start);
    let (key, value) = rest.split_once('=')?;
    let key = key.trim_end();
    let key_ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let value = value.trim();
    if !key_ok || !value.starts_with('{') {
        return None;
    }
    // Validates the syntax without keeping a copy of the value.
    serde_json::from_str::<serde::de::IgnoredAny>(value).ok()?;
    Some((key.to_owned(), Zeroizing::new(value.to_owned())))
}

/// 1-based line of the first line of `needle` in `body`; 0 when it cannot be found.
fn line_number(body: &str, needle: &str) -> usize {
    let first = needle.lines().next().unwrap_or("").trim_end();
    body.lines()
        .position(|l| l.trim_end() == first)
        .map_or(0, |i| i + 1)
}

impl Connector for EnvConnector {
    fn kind(&self) -> &'static str {
        "EnvConnector"
    }

    fn env_prefix(&self) -> Option<&str> {
        Some(&self.prefix)
    }

    fn load(&self, names: &[&str]) -> Result<IndexMap<String, SecretValue>, ConnectorError> {
        let file = self.read_dotenv()?;
        let mut out = IndexMap::with_capacity(names.len());
        let mut problems = Vec::new();
        for &name in names {
            let var = self.variable_name(name);
            let from_file = || {
                file.iter()
                    .find(|(k, _)| {
                        if self.case_insensitive {
                            k.eq_ignore_ascii_case(&var)
                        } else {
                            *k == var
                        }
                    })
                    .map(|(_, v)| v.clone())
            };
            match self.lookup_env(&var).or_else(from_file) {
                Some(v) if v.is_empty() => problems.push(LoadProblem::Empty {
                    secret: name.to_owned(),
                    source: var,
                }),
                Some(v) => {
                    out.insert(name.to_owned(), SecretValue::parse(&v));
                }
                None => {
                    let hint = match self.dotenv_path() {
                        Some(p) => format!("add `{var}=...` to {} or export it", p.display()),
                        None => format!("export `{var}`"),
                    };
                    problems.push(LoadProblem::Missing {
                        secret: name.to_owned(),
                        source: var,
                        hint,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(ConnectorError::Load {
                connector: "EnvConnector",
                problems,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExposeSecret;

    fn dir_with(env: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), env).unwrap();
        dir
    }

    fn text(v: &SecretValue) -> String {
        match v {
            SecretValue::Text(s) => s.expose_secret().to_owned(),
            SecretValue::Object(_) => panic!("expected text"),
        }
    }

    #[test]
    fn real_environment_wins_over_dotenv() {
        let dir = dir_with("KUBRICATE_SECRET_A=from-file\nKUBRICATE_SECRET_B=file-b\n");
        let c = EnvConnector::new()
            .working_dir(dir.path())
            .environment([("KUBRICATE_SECRET_A", "from-env")]);
        let v = c.load(&["A", "B"]).unwrap();
        assert_eq!(text(&v["A"]), "from-env");
        assert_eq!(text(&v["B"]), "file-b");
    }

    #[test]
    fn all_missing_are_reported_together() {
        let c = EnvConnector::new()
            .dotenv(false)
            .environment([("KUBRICATE_SECRET_A", "x")]);
        let err = c.load(&["A", "B", "C"]).unwrap_err();
        match &err {
            ConnectorError::Load { problems, .. } => assert_eq!(problems.len(), 2),
            other => panic!("{other}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("KUBRICATE_SECRET_B") && msg.contains("KUBRICATE_SECRET_C"),
            "{msg}"
        );
    }

    #[test]
    fn case_insensitive_lookup() {
        let c = EnvConnector::new()
            .dotenv(false)
            .case_insensitive(true)
            .environment([("kubricate_secret_api_key", "v")]);
        assert!(c.load(&["API_KEY"]).is_ok());
        let strict = EnvConnector::new()
            .dotenv(false)
            .environment([("kubricate_secret_api_key", "v")]);
        assert!(strict.load(&["API_KEY"]).is_err());
    }

    #[test]
    fn json_object_values_from_dotenv() {
        let dir = dir_with("KUBRICATE_SECRET_DOCKER='{\"username\":\"u\",\"password\":\"p\",\"registry\":\"r\"}'\n");
        let c = EnvConnector::new()
            .working_dir(dir.path())
            .environment(std::iter::empty::<(String, String)>());
        let v = c.load(&["DOCKER"]).unwrap();
        assert_eq!(
            v["DOCKER"].field_names(),
            vec!["username", "password", "registry"]
        );
    }

    #[test]
    fn unquoted_json_object_in_dotenv_is_kept_as_written() {
        // The line of the reference's how-to, unquoted, between ordinary lines.
        let dir = dir_with(concat!(
            "KUBRICATE_SECRET_A=1\n",
            "KUBRICATE_SECRET_DOCKER={\"username\":\"u\",\"password\":\"p#1\",\"registry\":\"r\"}\n",
            "export KUBRICATE_SECRET_B = {\"x\": \"y\"}  \n",
            "KUBRICATE_SECRET_A=second\n",
            "KUBRICATE_SECRET_C=\"quoted\"\n",
        ));
        let c = EnvConnector::new()
            .working_dir(dir.path())
            .environment(std::iter::empty::<(String, String)>());
        let v = c
            .load(&["A", "DOCKER", "B", "C"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v["DOCKER"].field_names(),
            vec!["username", "password", "registry"]
        );
        assert_eq!(
            v["DOCKER"].to_bytes().expose(),
            br#"{"username":"u","password":"p#1","registry":"r"}"#
        );
        assert_eq!(v["B"].field_names(), vec!["x"]);
        assert_eq!(text(&v["A"]), "1");
        assert_eq!(text(&v["C"]), "quoted");

        let dir = dir_with(
            "KUBRICATE_SECRET_J={\"a\":\"b\"}\nKUBRICATE_SECRET_BAD='CANARY-unterminated\n",
        );
        let c = EnvConnector::new()
            .working_dir(dir.path())
            .environment(std::iter::empty::<(String, String)>());
        let msg = c.load(&["J"]).unwrap_err().to_string();
        assert!(
            msg.contains(".env: line 2") && !msg.contains("CANARY"),
            "{msg}"
        );
    }

    #[test]
    fn syntax_error_names_file_and_line_but_not_value() {
        let dir = dir_with(
            "KUBRICATE_SECRET_OK=1\n# comment\nKUBRICATE_SECRET_BAD='CANARY-unterminated\n",
        );
        let c = EnvConnector::new()
            .working_dir(dir.path())
            .environment(std::iter::empty::<(String, String)>());
        let msg = c.load(&["OK"]).unwrap_err().to_string();
        assert!(msg.contains(".env: line 3"), "{msg}");
        assert!(!msg.contains("CANARY"), "{msg}");
    }

    #[test]
    fn empty_value_is_a_problem() {
        let c = EnvConnector::new()
            .dotenv(false)
            .environment([("KUBRICATE_SECRET_A", "")]);
        assert!(c
            .load(&["A"])
            .unwrap_err()
            .to_string()
            .contains("set but empty"));
    }

    #[test]
    fn custom_prefix() {
        let c = EnvConnector::new()
            .dotenv(false)
            .prefix("APP_")
            .environment([("APP_TOKEN", "t")]);
        assert!(c.load(&["TOKEN"]).is_ok());
    }
}
