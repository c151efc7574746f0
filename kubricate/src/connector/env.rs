use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use zeroize::Zeroizing;

use super::dotenv::{self, DotenvFile};
use super::{Connector, ConnectorError, LoadProblem};
use crate::model::secret_value::SecretValue;
use crate::model::secret_value::MAX_SECRET_BYTES;

/// The default variable prefix: secret `X` is read from `KUBRICATE_SECRET_X`.
pub const DEFAULT_PREFIX: &str = "KUBRICATE_SECRET_";

/// Reads secrets from environment variables, with a `.env` file as a fallback.
///
/// Secret `DATABASE_URL` is the variable `KUBRICATE_SECRET_DATABASE_URL`. The `.env` file of the working
/// directory (or the one given to [`dotenv_file`](Self::dotenv_file)) is read as the reference's Node
/// dotenv 16 reads it (no `$VAR` expansion; `'`, `"` and `` ` `` quotes, multi-line values; `\n` expanded
/// in double quotes only; the last duplicate wins, with a warning), into a private map: the process
/// environment is never modified, and a variable set in the real environment wins over the file. A
/// value that is a flat JSON object (`{"username":"u","password":"p"}`) is loaded as an object for the
/// structured providers; an Opaque Secret still receives its text exactly as written.
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
///
/// Per-environment values: point the connector at the file of the environment you deploy, e.g. with a
/// variable of your own choosing:
///
/// ```
/// use kubricate::EnvConnector;
/// let stage = std::env::var("APP_ENV").unwrap_or_else(|_| "dev".to_owned());
/// let c = EnvConnector::new().dotenv_file(format!(".env.{stage}"));
/// assert_eq!(c.dotenv_path().unwrap().to_str(), Some(".env.dev"));
/// ```
#[derive(Clone)]
pub struct EnvConnector {
    prefix: String,
    case_insensitive: bool,
    working_dir: Option<PathBuf>,
    dotenv_file: Option<PathBuf>,
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
            .field("dotenv_file", &self.dotenv_file)
            .field("dotenv", &self.dotenv)
            .field(
                "environment",
                &self.environment.as_ref().map(|_| "<explicit, redacted>"),
            )
            .finish()
    }
}

/// What an environment lookup found.
enum Found {
    Value(Zeroizing<String>),
    NotUtf8,
}

impl EnvConnector {
    /// Prefix `KUBRICATE_SECRET_`, `.env` of the current directory, process environment.
    pub fn new() -> Self {
        EnvConnector {
            prefix: DEFAULT_PREFIX.to_owned(),
            case_insensitive: false,
            working_dir: None,
            dotenv_file: None,
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

    /// Reads this file instead of `.env` (e.g. `.env.staging`); a relative path is taken from the
    /// [`working_dir`](Self::working_dir). Unlike `.env`, a file named here must exist.
    pub fn dotenv_file(mut self, path: impl AsRef<Path>) -> Self {
        self.dotenv_file = Some(path.as_ref().to_path_buf());
        self.dotenv = true;
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
        let file = self.dotenv_file.as_deref().unwrap_or(Path::new(".env"));
        Some(match &self.working_dir {
            Some(d) => d.join(file),
            None => file.to_path_buf(),
        })
    }

    /// The variable that holds secret `name`.
    pub fn variable_name(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    fn read_dotenv(&self) -> Result<DotenvFile, ConnectorError> {
        let Some(path) = self.dotenv_path() else {
            return Ok(DotenvFile::default());
        };
        let bytes = match std::fs::read(&path) {
            Ok(c) => Zeroizing::new(c),
            // `.env` is optional; a file the user named is not.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.dotenv_file.is_none() => {
                return Ok(DotenvFile::default())
            }
            Err(source) => return Err(ConnectorError::Io { path, source }),
        };
        let mut file = dotenv::parse(&bytes).map_err(|problem| ConnectorError::Dotenv {
            path: path.clone(),
            problem: Box::new(problem),
        })?;
        for w in &mut file.warnings {
            *w = format!("{}: {w}", path.display());
        }
        Ok(file)
    }

    fn lookup_env(&self, var: &str) -> Option<Found> {
        match &self.environment {
            Some(map) => {
                if let Some(v) = map.get(var) {
                    return Some(Found::Value(v.clone()));
                }
                if self.case_insensitive {
                    return map
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(var))
                        .map(|(_, v)| Found::Value(v.clone()));
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
                // Never `to_string_lossy`: U+FFFD in place of the real bytes would be a changed value.
                found.map(|v| match v.into_string() {
                    Ok(s) => Found::Value(Zeroizing::new(s)),
                    Err(raw) => {
                        drop(Zeroizing::new(raw.into_encoded_bytes()));
                        Found::NotUtf8
                    }
                })
            }
        }
    }

    /// Every variable name this connector can see: the environment's and the file's.
    fn visible_names(&self, file: &DotenvFile) -> Vec<String> {
        let mut names: Vec<String> = match &self.environment {
            Some(map) => map.keys().cloned().collect(),
            None => std::env::vars_os()
                .filter_map(|(k, _)| k.into_string().ok())
                .collect(),
        };
        names.extend(file.entries.iter().map(|e| e.key.clone()));
        names.sort();
        names.dedup();
        names
    }
}

/// The visible variable closest to `var` (at most two edits away, and no more than one edit per three
/// characters of the secret's name, so `A` does not suggest `B`), not one another secret uses.
fn near_name<'a>(
    var: &str,
    name: &str,
    visible: &'a [String],
    taken: &[String],
) -> Option<&'a str> {
    let upper = var.to_ascii_uppercase();
    visible
        .iter()
        .filter(|n| !taken.contains(n))
        .map(|n| {
            (
                strsim::damerau_levenshtein(&upper, &n.to_ascii_uppercase()),
                n,
            )
        })
        .filter(|(d, _)| *d <= 2 && *d * 3 <= name.len())
        .min_by_key(|(d, n)| (*d, n.as_str()))
        .map(|(_, n)| n.as_str())
}

impl Connector for EnvConnector {
    fn kind(&self) -> &'static str {
        "EnvConnector"
    }

    fn env_prefix(&self) -> Option<&str> {
        Some(&self.prefix)
    }

    fn load(&self, names: &[&str]) -> Result<IndexMap<String, SecretValue>, ConnectorError> {
        self.load_reporting(names, &mut Vec::new())
    }

    fn load_reporting(
        &self,
        names: &[&str],
        warnings: &mut Vec<String>,
    ) -> Result<IndexMap<String, SecretValue>, ConnectorError> {
        let file = self.read_dotenv()?;
        warnings.extend(file.warnings.iter().cloned());
        let mut out = IndexMap::with_capacity(names.len());
        let mut problems = Vec::new();
        let mut visible: Option<Vec<String>> = None;
        for &name in names {
            let var = self.variable_name(name);
            let from_file = || {
                file.get(&var, self.case_insensitive)
                    .map(|e| Found::Value(e.value.clone()))
            };
            match self.lookup_env(&var).or_else(from_file) {
                Some(Found::NotUtf8) => problems.push(LoadProblem::NotUtf8 {
                    secret: name.to_owned(),
                    source: var,
                }),
                Some(Found::Value(v)) if v.is_empty() => problems.push(LoadProblem::Empty {
                    secret: name.to_owned(),
                    source: var,
                }),
                Some(Found::Value(v)) if v.len() > MAX_SECRET_BYTES => {
                    problems.push(LoadProblem::TooLarge {
                        secret: name.to_owned(),
                        source: var,
                    })
                }
                Some(Found::Value(v)) => {
                    out.insert(name.to_owned(), SecretValue::parse(&v));
                }
                None => {
                    let mut hint = match self.dotenv_path() {
                        Some(p) => format!("add `{var}=...` to {} or export it", p.display()),
                        None => format!("export `{var}`"),
                    };
                    let visible = visible.get_or_insert_with(|| self.visible_names(&file));
                    let taken: Vec<String> = names.iter().map(|n| self.variable_name(n)).collect();
                    if let Some(near) = near_name(&var, name, visible, &taken) {
                        hint = format!("did you mean `{near}`? Otherwise {hint}");
                    }
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
    use crate::model::secret_value::ExposeSecret;

    fn dir_with(env: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), env).unwrap();
        dir
    }

    fn text(v: &SecretValue) -> String {
        match v {
            SecretValue::Text(s) => s.expose_secret().to_owned(),
            _ => panic!("expected text"),
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
            "KUBRICATE_SECRET_DOCKER={\"username\":\"u\",\"password\":\"p$1\",\"registry\":\"r\"}\n",
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
            br#"{"username":"u","password":"p$1","registry":"r"}"#
        );
        assert_eq!(v["B"].field_names(), vec!["x"]);
        // The last duplicate wins, as in Node's dotenv.
        assert_eq!(text(&v["A"]), "second");
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

    fn file_only(env: &str) -> (tempfile::TempDir, EnvConnector) {
        let dir = dir_with(env);
        let c = EnvConnector::new()
            .working_dir(dir.path())
            .environment(std::iter::empty::<(String, String)>());
        (dir, c)
    }

    #[test]
    fn dollar_values_arrive_unchanged() {
        let (_dir, c) = file_only(concat!(
            "KUBRICATE_SECRET_API_KEY=Xk9$mP2qL7vR\n",
            "KUBRICATE_SECRET_PASS=\"p@ss$word\"\n",
            "KUBRICATE_SECRET_PATHISH=$PATH\n",
            "KUBRICATE_SECRET_BRACES='${HOME}'\n",
        ));
        let v = c.load(&["API_KEY", "PASS", "PATHISH", "BRACES"]).unwrap();
        assert_eq!(text(&v["API_KEY"]), "Xk9$mP2qL7vR");
        assert_eq!(text(&v["PASS"]), "p@ss$word");
        assert_eq!(text(&v["PATHISH"]), "$PATH");
        assert_eq!(text(&v["BRACES"]), "${HOME}");
    }

    #[test]
    fn json_values_from_dotenv_arrive_byte_identical() {
        let raw =
            r#"{"id": 123456789012345678901234, "e": 1e2, "k": "a", "k": "b", "s": "\u00e9"}"#;
        let (_dir, c) = file_only(&format!("KUBRICATE_SECRET_J='{raw}'\n"));
        let v = c.load(&["J"]).unwrap();
        assert_eq!(v["J"].to_bytes().expose(), raw.as_bytes());
    }

    #[test]
    fn a_duplicate_key_warns_with_both_lines() {
        let (_dir, c) = file_only("KUBRICATE_SECRET_A=CANARY1\nKUBRICATE_SECRET_A=CANARY2\n");
        let mut warnings = Vec::new();
        let v = c.load_reporting(&["A"], &mut warnings).unwrap();
        assert_eq!(text(&v["A"]), "CANARY2");
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains(".env: `KUBRICATE_SECRET_A` is set on line 1 and again on line 2"),
            "{warnings:?}"
        );
        assert!(!warnings[0].contains("CANARY"));
    }

    #[test]
    fn the_real_environment_wins_over_the_file() {
        let dir = dir_with("KUBRICATE_SECRET_A=from-file\n");
        let c = EnvConnector::new()
            .working_dir(dir.path())
            .environment([("KUBRICATE_SECRET_A", "from-env")]);
        assert_eq!(text(&c.load(&["A"]).unwrap()["A"]), "from-env");
    }

    #[test]
    fn a_named_dotenv_file_is_read_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env.staging"),
            "KUBRICATE_SECRET_A=staging\n",
        )
        .unwrap();
        let c = EnvConnector::new()
            .working_dir(dir.path())
            .dotenv_file(".env.staging")
            .environment(std::iter::empty::<(String, String)>());
        assert_eq!(text(&c.load(&["A"]).unwrap()["A"]), "staging");
        let c = c.dotenv_file(".env.prod");
        let msg = c.load(&["A"]).unwrap_err().to_string();
        assert!(msg.contains(".env.prod"), "{msg}");
    }

    #[test]
    fn a_near_name_is_suggested_without_its_value() {
        let (_dir, c) = file_only("KUBRICATE_SECRET_STRIPE_KY=CANARY\n");
        let msg = c.load(&["STRIPE_KEY"]).unwrap_err().to_string();
        assert!(
            msg.contains("did you mean `KUBRICATE_SECRET_STRIPE_KY`?"),
            "{msg}"
        );
        assert!(!msg.contains("CANARY"), "{msg}");
        let c = EnvConnector::new().dotenv(false).environment([
            ("KUBRICATE_SECRET_STRIPE_KEY", "CANARY"),
            ("UNRELATED", "x"),
        ]);
        let msg = c.load(&["STRIPE_KY"]).unwrap_err().to_string();
        assert!(
            msg.contains("did you mean `KUBRICATE_SECRET_STRIPE_KEY`?"),
            "{msg}"
        );
        let short = EnvConnector::new()
            .dotenv(false)
            .environment([("KUBRICATE_SECRET_B", "x"), ("KUBRICATE_SECRET_DB2", "x")]);
        let msg = short.load(&["A", "DB"]).unwrap_err().to_string();
        assert!(
            !msg.contains("did you mean"),
            "short names are not guessed at: {msg}"
        );
        // Another declared secret's variable is not a suggestion, and far names are not either.
        let msg = c
            .load(&["STRIPE_KEY", "STRIPE_KY", "DATABASE_URL"])
            .unwrap_err()
            .to_string();
        assert!(!msg.contains("did you mean"), "{msg}");
    }

    #[test]
    fn a_non_utf8_variable_is_an_error_naming_it() {
        use std::os::unix::ffi::OsStrExt;
        let var = "KUBRICATE_SECRET_KUBRICATE_UNIT_NOT_UTF8";
        // A name no other test reads; set once, for this process only.
        std::env::set_var(var, std::ffi::OsStr::from_bytes(b"CANARY\xff\xfe"));
        let c = EnvConnector::new().dotenv(false);
        let msg = c
            .load(&["KUBRICATE_UNIT_NOT_UTF8"])
            .unwrap_err()
            .to_string();
        assert!(msg.contains(&format!("{var} is not valid UTF-8")), "{msg}");
        assert!(
            !msg.contains("CANARY") && !msg.contains('\u{fffd}'),
            "{msg}"
        );
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
