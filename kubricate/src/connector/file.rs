use std::io::Read;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use secrecy::SecretString;

use super::{Connector, ConnectorError, LoadProblem};
use crate::model::secret_value::SecretObject;
use crate::model::secret_value::SecretValue;
use crate::model::secret_value::MAX_SECRET_BYTES;

/// Reads secret values from files, byte for byte (binary files too; nothing is trimmed).
///
/// Two ways to say where, which combine:
/// - [`dir`](Self::dir): a directory with one file per secret, named after it (`secrets/API_KEY`), as
///   `kubectl create secret generic --from-file=DIR` reads a directory;
/// - one entry per secret: [`file`](Self::file) (`--from-file`; a docker `config.json` for the
///   `DockerConfigSecretProvider`, as `--from-file=.dockerconfigjson=`), [`tls`](Self::tls) (certificate
///   and key files, as `kubectl create secret tls --cert --key`), [`ssh`](Self::ssh) (a private key and
///   optional `known_hosts`) and [`basic_auth`](Self::basic_auth) (two files).
///
/// A file that is UTF-8 text holding a flat JSON object is an object value (for the structured
/// providers), as in `.env`; an Opaque Secret still receives the file's bytes as they are.
///
/// ```
/// use kubricate::{Connector, FileConnector};
/// let dir = std::env::temp_dir().join(format!("kubricate-file-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("API_KEY"), b"sk_test_123\n").unwrap();
/// let c = FileConnector::dir(&dir);
/// let values = c.load(&["API_KEY"]).unwrap();
/// assert_eq!(values["API_KEY"].to_bytes().expose(), b"sk_test_123\n");
/// assert!(c.load(&["MISSING"]).unwrap_err().to_string().contains("MISSING"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug, Clone, Default)]
pub struct FileConnector {
    dir: Option<PathBuf>,
    entries: IndexMap<String, Entry>,
}

#[derive(Debug, Clone)]
enum Entry {
    File(PathBuf),
    /// A JSON object value made of files: `(field, path, required)`.
    Fields(Vec<(&'static str, PathBuf, bool)>),
}

impl FileConnector {
    /// No files yet: add them with [`file`](Self::file), [`tls`](Self::tls), ...
    pub fn new() -> Self {
        FileConnector::default()
    }

    /// Secret `X` is the file `dir/X` (for names not given their own entry).
    pub fn dir(dir: impl AsRef<Path>) -> Self {
        FileConnector {
            dir: Some(dir.as_ref().to_path_buf()),
            entries: IndexMap::new(),
        }
    }

    /// Secret `name` is the content of `path`.
    pub fn file(mut self, name: impl Into<String>, path: impl AsRef<Path>) -> Self {
        self.entries
            .insert(name.into(), Entry::File(path.as_ref().to_path_buf()));
        self
    }

    /// Secret `name` is `{"cert","key"}` from a PEM certificate (chain) and key file, the value a
    /// `TlsSecretProvider` takes.
    pub fn tls(
        mut self,
        name: impl Into<String>,
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Self {
        self.entries.insert(
            name.into(),
            Entry::Fields(vec![
                ("cert", cert.as_ref().to_path_buf(), true),
                ("key", key.as_ref().to_path_buf(), true),
            ]),
        );
        self
    }

    /// Secret `name` is `{"ssh-privatekey","known_hosts"?}` from a private key file (e.g. `id_ed25519`)
    /// and, when given, a `known_hosts` file: the value an `SshAuthSecretProvider` takes.
    pub fn ssh(
        mut self,
        name: impl Into<String>,
        private_key: impl AsRef<Path>,
        known_hosts: Option<&Path>,
    ) -> Self {
        let mut fields = vec![("ssh-privatekey", private_key.as_ref().to_path_buf(), true)];
        if let Some(k) = known_hosts {
            fields.push(("known_hosts", k.to_path_buf(), true));
        }
        self.entries.insert(name.into(), Entry::Fields(fields));
        self
    }

    /// Secret `name` is `{"username","password"}` from two files, the value a
    /// `BasicAuthSecretProvider` takes. Files are taken as they are: a trailing newline is part of
    /// the value (write them with `printf '%s'`, not `echo`).
    pub fn basic_auth(
        mut self,
        name: impl Into<String>,
        username: impl AsRef<Path>,
        password: impl AsRef<Path>,
    ) -> Self {
        self.entries.insert(
            name.into(),
            Entry::Fields(vec![
                ("username", username.as_ref().to_path_buf(), true),
                ("password", password.as_ref().to_path_buf(), true),
            ]),
        );
        self
    }

    fn path_for(&self, name: &str) -> Option<Entry> {
        if let Some(e) = self.entries.get(name) {
            return Some(e.clone());
        }
        // A name is one path component, never a way out of the directory.
        let plain =
            !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']);
        let dir = self.dir.as_ref()?;
        plain.then(|| Entry::File(dir.join(name)))
    }
}

/// Reads at most one byte past the Secret limit, so a huge file is refused without reading it all.
fn read_limited(path: &Path) -> std::io::Result<Option<zeroize::Zeroizing<Vec<u8>>>> {
    let f = std::fs::File::open(path)?;
    let size = f.metadata().map_or(0, |m| m.len() as usize);
    let buf = super::read_zeroizing(
        f.take(MAX_SECRET_BYTES as u64 + 1),
        MAX_SECRET_BYTES,
        size + 1,
    )?;
    Ok((buf.len() <= MAX_SECRET_BYTES).then_some(buf))
}

impl Connector for FileConnector {
    fn kind(&self) -> &'static str {
        "FileConnector"
    }

    fn load(&self, names: &[&str]) -> Result<IndexMap<String, SecretValue>, ConnectorError> {
        let mut out = IndexMap::with_capacity(names.len());
        let mut problems = Vec::new();
        for &name in names {
            let read = |path: &Path, problems: &mut Vec<LoadProblem>| {
                let source = format!("file {}", path.display());
                match read_limited(path) {
                    Ok(Some(bytes)) if bytes.is_empty() => {
                        problems.push(LoadProblem::Empty {
                            secret: name.to_owned(),
                            source,
                        });
                        None
                    }
                    Ok(Some(bytes)) => Some(bytes),
                    Ok(None) => {
                        problems.push(LoadProblem::TooLarge {
                            secret: name.to_owned(),
                            source,
                        });
                        None
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        problems.push(LoadProblem::Unreadable {
                            secret: name.to_owned(),
                            source,
                            reason: "it does not exist; create it or point the FileConnector at the right file".to_owned(),
                        });
                        None
                    }
                    Err(e) => {
                        problems.push(LoadProblem::Unreadable {
                            secret: name.to_owned(),
                            source,
                            reason: e.kind().to_string(),
                        });
                        None
                    }
                }
            };
            match self.path_for(name) {
                None => problems.push(LoadProblem::Missing {
                    secret: name.to_owned(),
                    source: "FileConnector".to_owned(),
                    hint: match &self.dir {
                        Some(_) => "the name cannot be a file name; give it its own entry with .file(..)".to_owned(),
                        None => format!("give it a file with .file(\"{name}\", path) or a directory with FileConnector::dir(..)"),
                    },
                }),
                Some(Entry::File(path)) => {
                    if let Some(bytes) = read(&path, &mut problems) {
                        out.insert(name.to_owned(), SecretValue::from_bytes(bytes.to_vec()));
                    }
                }
                Some(Entry::Fields(fields)) => {
                    let mut strings = Vec::new();
                    let mut ok = true;
                    for (field, path, _) in &fields {
                        let Some(bytes) = read(path, &mut problems) else {
                            ok = false;
                            continue;
                        };
                        match String::from_utf8(bytes.to_vec()) {
                            Ok(s) => strings.push((*field, SecretString::from(s))),
                            Err(e) => {
                                drop(zeroize::Zeroizing::new(e.into_bytes()));
                                ok = false;
                                problems.push(LoadProblem::Unreadable {
                                    secret: name.to_owned(),
                                    source: format!("file {}", path.display()),
                                    reason: format!("the `{field}` file is not UTF-8 text (PEM and known_hosts files are text)"),
                                });
                            }
                        }
                    }
                    if ok {
                        out.insert(
                            name.to_owned(),
                            SecretValue::Object(SecretObject::from_strings(strings)),
                        );
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(ConnectorError::Load {
                connector: "FileConnector",
                problems,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::secret_value::ExposeSecret;

    #[test]
    fn files_are_read_byte_for_byte_binary_included() {
        let dir = tempfile::tempdir().unwrap();
        let binary: Vec<u8> = (0..=255u8).chain([0, 0xff, b'\n']).collect();
        std::fs::write(dir.path().join("BIN"), &binary).unwrap();
        std::fs::write(dir.path().join("TEXT"), "line 1\r\nline $2 ${X}\n\n").unwrap();
        std::fs::write(
            dir.path().join("JSON"),
            "{ \"id\": 123456789012345678901234 }\n",
        )
        .unwrap();
        let c = FileConnector::dir(dir.path());
        let v = c.load(&["BIN", "TEXT", "JSON"]).unwrap();
        assert_eq!(v["BIN"].to_bytes().expose(), binary.as_slice());
        assert_eq!(v["BIN"].shape(), "binary");
        assert_eq!(v["TEXT"].to_bytes().expose(), b"line 1\r\nline $2 ${X}\n\n");
        assert_eq!(v["JSON"].shape(), "JSON object");
        assert_eq!(
            v["JSON"].to_bytes().expose(),
            b"{ \"id\": 123456789012345678901234 }\n"
        );
    }

    #[test]
    fn tls_ssh_and_basic_auth_values_are_made_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("tls.crt"), "CERT\n").unwrap();
        std::fs::write(p("tls.key"), "KEY\n").unwrap();
        std::fs::write(p("id"), "SSH\n").unwrap();
        std::fs::write(p("known_hosts"), "HOSTS\n").unwrap();
        std::fs::write(p("u"), "user").unwrap();
        std::fs::write(p("pw"), "pa\"ss").unwrap();
        let c = FileConnector::new()
            .tls("TLS", p("tls.crt"), p("tls.key"))
            .ssh("SSH", p("id"), Some(&p("known_hosts")))
            .basic_auth("AUTH", p("u"), p("pw"));
        let v = c.load(&["TLS", "SSH", "AUTH"]).unwrap();
        let SecretValue::Object(tls) = &v["TLS"] else {
            panic!("object")
        };
        assert_eq!(
            tls.get("cert")
                .and_then(|f| f.as_secret_str())
                .unwrap()
                .expose_secret(),
            "CERT\n"
        );
        assert_eq!(v["SSH"].field_names(), ["ssh-privatekey", "known_hosts"]);
        assert_eq!(
            v["AUTH"].to_bytes().expose(),
            br#"{"username":"user","password":"pa\"ss"}"#
        );
    }

    #[test]
    fn problems_name_the_secret_and_file_never_the_content() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("EMPTY"), "").unwrap();
        std::fs::write(dir.path().join("HUGE"), vec![b'C'; MAX_SECRET_BYTES + 10]).unwrap();
        std::fs::create_dir(dir.path().join("ADIR")).unwrap();
        std::fs::write(dir.path().join("bin.crt"), [0xff, 0xfe]).unwrap();
        let c = FileConnector::dir(dir.path()).tls(
            "TLS",
            dir.path().join("bin.crt"),
            dir.path().join("nope.key"),
        );
        let msg = c
            .load(&["MISSING", "EMPTY", "HUGE", "ADIR", "../escape", "TLS"])
            .unwrap_err()
            .to_string();
        for part in [
            "could not load 7 secret(s)",
            "MISSING (secret `MISSING`): it does not exist",
            "EMPTY is set but empty (secret `EMPTY`)",
            "HUGE is larger than 1 MiB (secret `HUGE`)",
            "(secret `ADIR`)",
            "secret `../escape`",
            "the `cert` file is not UTF-8",
            "nope.key (secret `TLS`): it does not exist",
        ] {
            assert!(msg.contains(part), "{part}: {msg}");
        }
        assert!(!msg.contains("CCCC"), "{msg}");
    }
}
