//! Injection strategies: how a secret reaches a workload (`env`, `envFrom`, `imagePullSecret`, `volume`).
//!
//! ```
//! use kubricate::strategy::{env, env_from, volume};
//! let s = env().container_index(1);
//! assert_eq!(s.container.to_string(), "container 1");
//! let f = env_from().prefix("DB_").container_name("worker");
//! assert_eq!(f.container.to_string(), "container `worker`");
//! let v = volume("/etc/tls").init_container_index(0);
//! assert_eq!(v.container.to_string(), "init container 0");
//! ```

use std::fmt;

/// The kind of a strategy, as the reference names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StrategyKind {
    /// One container env var per secret (`valueFrom.secretKeyRef`).
    Env,
    /// All keys of the Secret as env vars (`envFrom.secretRef`).
    EnvFrom,
    /// The Secret in the pod's `imagePullSecrets`.
    ImagePullSecret,
    /// The Secret mounted as files (`volumes` + `volumeMounts`).
    Volume,
}

impl StrategyKind {
    /// The reference's name: `env`, `envFrom`, `imagePullSecret`, `volume`.
    pub const fn as_str(self) -> &'static str {
        match self {
            StrategyKind::Env => "env",
            StrategyKind::EnvFrom => "envFrom",
            StrategyKind::ImagePullSecret => "imagePullSecret",
            StrategyKind::Volume => "volume",
        }
    }

    /// The Rust spelling used in `stack!`: `env`, `env_from`, `image_pull_secret`, `volume`.
    pub const fn rust_name(self) -> &'static str {
        match self {
            StrategyKind::Env => "env",
            StrategyKind::EnvFrom => "env_from",
            StrategyKind::ImagePullSecret => "image_pull_secret",
            StrategyKind::Volume => "volume",
        }
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which container of the pod a strategy writes to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContainerTarget {
    /// Index or name.
    pub selector: ContainerSelector,
    /// `true` for `initContainers`.
    pub init: bool,
}

/// A container by position or by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ContainerSelector {
    /// Position in the list (0 is the first).
    Index(usize),
    /// The container's `name`.
    Name(String),
}

impl Default for ContainerTarget {
    fn default() -> Self {
        ContainerTarget {
            selector: ContainerSelector::Index(0),
            init: false,
        }
    }
}

impl ContainerTarget {
    /// The pod spec field that holds the list: `containers` or `initContainers`.
    pub fn list_field(&self) -> &'static str {
        if self.init {
            "initContainers"
        } else {
            "containers"
        }
    }
}

impl fmt::Display for ContainerTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = if self.init {
            "init container"
        } else {
            "container"
        };
        match &self.selector {
            ContainerSelector::Index(i) => write!(f, "{which} {i}"),
            ContainerSelector::Name(n) => write!(f, "{which} `{n}`"),
        }
    }
}

macro_rules! container_setters {
    () => {
        /// Targets the container at `index` of `containers` (default 0).
        pub fn container_index(mut self, index: usize) -> Self {
            self.container = ContainerTarget {
                selector: ContainerSelector::Index(index),
                init: false,
            };
            self
        }
        /// Targets the container named `name` in `containers`.
        pub fn container_name(mut self, name: impl Into<String>) -> Self {
            self.container = ContainerTarget {
                selector: ContainerSelector::Name(name.into()),
                init: false,
            };
            self
        }
        /// Targets the init container at `index` of `initContainers`.
        pub fn init_container_index(mut self, index: usize) -> Self {
            self.container = ContainerTarget {
                selector: ContainerSelector::Index(index),
                init: true,
            };
            self
        }
        /// Targets the init container named `name`.
        pub fn init_container_name(mut self, name: impl Into<String>) -> Self {
            self.container = ContainerTarget {
                selector: ContainerSelector::Name(name.into()),
                init: true,
            };
            self
        }
    };
}

/// Options of the `env` strategy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvStrategy {
    /// The container.
    pub container: ContainerTarget,
    /// The key inside the Secret, for providers whose Secret has fixed keys (basic-auth `username`/`password`,
    /// TLS `tls.crt`/`tls.key`, ...). Opaque secrets use the secret's own name.
    pub key: Option<String>,
    /// An explicit path to the env list (`spec.template.spec.containers[0].env`); normally derived from the
    /// resource kind.
    pub target_path: Option<String>,
}

impl EnvStrategy {
    container_setters!();
    /// Selects the key inside the Secret.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
    /// Writes to this path instead of the one derived from the resource kind.
    pub fn target_path(mut self, path: impl Into<String>) -> Self {
        self.target_path = Some(path.into());
        self
    }
}

/// Options of the `envFrom` strategy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvFromStrategy {
    /// The container.
    pub container: ContainerTarget,
    /// Prefix for every variable name.
    pub prefix: Option<String>,
}

impl EnvFromStrategy {
    container_setters!();
    /// Prefixes every variable name.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }
}

/// One `items` entry of a Secret volume: which key, at which relative path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyToPath {
    /// Key in the Secret.
    pub key: String,
    /// Relative file path inside the mount.
    pub path: String,
}

/// Options of the `volume` strategy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolumeStrategy {
    /// The container that mounts the volume.
    pub container: ContainerTarget,
    /// Where the files appear in the container.
    pub mount_path: String,
    /// Only these keys, at these paths (default: every key, named after the key).
    pub items: Vec<KeyToPath>,
    /// File mode of the projected files (e.g. `0o400`).
    pub default_mode: Option<i32>,
    /// Volume name (default: `secret-<Secret name>`).
    pub volume_name: Option<String>,
}

impl VolumeStrategy {
    container_setters!();
    /// Mounts only `key`, as file `path`.
    pub fn item(mut self, key: impl Into<String>, path: impl Into<String>) -> Self {
        self.items.push(KeyToPath {
            key: key.into(),
            path: path.into(),
        });
        self
    }
    /// File mode of the projected files.
    pub fn default_mode(mut self, mode: i32) -> Self {
        self.default_mode = Some(mode);
        self
    }
    /// Names the volume.
    pub fn volume_name(mut self, name: impl Into<String>) -> Self {
        self.volume_name = Some(name.into());
        self
    }
}

/// A chosen strategy with its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `env`.
    Env(EnvStrategy),
    /// `envFrom`.
    EnvFrom(EnvFromStrategy),
    /// `imagePullSecret`.
    ImagePullSecret,
    /// `volume`.
    Volume(VolumeStrategy),
}

impl Strategy {
    /// The strategy's kind.
    pub fn kind(&self) -> StrategyKind {
        match self {
            Strategy::Env(_) => StrategyKind::Env,
            Strategy::EnvFrom(_) => StrategyKind::EnvFrom,
            Strategy::ImagePullSecret => StrategyKind::ImagePullSecret,
            Strategy::Volume(_) => StrategyKind::Volume,
        }
    }

    /// The default options of a kind (`volume` has no default mount path and gets `/etc/secrets/<name>`
    /// from the provider).
    pub fn default_of(kind: StrategyKind) -> Strategy {
        match kind {
            StrategyKind::Env => Strategy::Env(EnvStrategy::default()),
            StrategyKind::EnvFrom => Strategy::EnvFrom(EnvFromStrategy::default()),
            StrategyKind::ImagePullSecret => Strategy::ImagePullSecret,
            StrategyKind::Volume => Strategy::Volume(VolumeStrategy::default()),
        }
    }

    /// The container this strategy writes to (`imagePullSecret` writes to the pod).
    pub fn container(&self) -> Option<&ContainerTarget> {
        match self {
            Strategy::Env(s) => Some(&s.container),
            Strategy::EnvFrom(s) => Some(&s.container),
            Strategy::Volume(s) => Some(&s.container),
            Strategy::ImagePullSecret => None,
        }
    }
}

impl From<EnvStrategy> for Strategy {
    fn from(s: EnvStrategy) -> Self {
        Strategy::Env(s)
    }
}
impl From<EnvFromStrategy> for Strategy {
    fn from(s: EnvFromStrategy) -> Self {
        Strategy::EnvFrom(s)
    }
}
impl From<VolumeStrategy> for Strategy {
    fn from(s: VolumeStrategy) -> Self {
        Strategy::Volume(s)
    }
}
impl From<StrategyKind> for Strategy {
    fn from(k: StrategyKind) -> Self {
        Strategy::default_of(k)
    }
}

/// `env` with default options (container 0).
pub fn env() -> EnvStrategy {
    EnvStrategy::default()
}
/// `envFrom` with default options (container 0, no prefix).
pub fn env_from() -> EnvFromStrategy {
    EnvFromStrategy::default()
}
/// `imagePullSecret`.
pub fn image_pull_secret() -> Strategy {
    Strategy::ImagePullSecret
}
/// `volume` mounted at `mount_path` in container 0.
pub fn volume(mount_path: impl Into<String>) -> VolumeStrategy {
    VolumeStrategy {
        mount_path: mount_path.into(),
        ..VolumeStrategy::default()
    }
}
