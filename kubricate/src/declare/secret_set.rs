//! Secret sets: the secrets a manager knows, declared at compile time (`#[derive(SecretSet)]`) or at
//! run time ([`Dynamic`]).

use crate::provider::ProviderInfo;

/// One declared secret.
#[derive(Debug, Clone, Copy)]
pub struct SecretDecl {
    /// Logical name (`DATABASE_URL`); also the connector lookup key and the Opaque Secret key.
    pub name: &'static str,
    /// The provider type that delivers it, when declared (`#[secret(provider = ...)]` or the set's default).
    pub provider: Option<&'static ProviderInfo>,
    /// The id of the provider instance in the manager, when several instances share a type.
    pub provider_id: Option<&'static str>,
    /// The id of the connector that loads it (default: the manager's default connector).
    pub connector: Option<&'static str>,
}

/// A set of secrets known at compile time. Implemented by `#[derive(SecretSet)]`.
///
/// ```
/// use kubricate::prelude::*;
///
/// #[derive(SecretSet)]
/// #[secret_set(provider = OpaqueSecretProvider)]
/// pub enum AppSecrets {
///     DatabaseUrl,
///     #[secret(name = "pg_connection_string")]
///     PgConnectionString,
///     #[secret(provider = DockerConfigSecretProvider)]
///     DockerRegistryToken,
/// }
///
/// let names: Vec<_> = AppSecrets::SECRETS.iter().map(|s| s.name).collect();
/// assert_eq!(names, ["DATABASE_URL", "pg_connection_string", "DOCKER_REGISTRY_TOKEN"]);
/// assert_eq!(AppSecrets::DatabaseUrl.secret_name(), "DATABASE_URL");
/// ```
pub trait SecretSet: 'static {
    /// The set's type name, for messages.
    const NAME: &'static str;
    /// Every secret, in declaration order.
    const SECRETS: &'static [SecretDecl];
    /// Whether the names are known at compile time (`false` for [`Dynamic`]).
    const STATIC: bool = true;
    /// Positions in [`SECRETS`](Self::SECRETS) in the byte order of the names, written by the derive
    /// so that the compile-time checks of `stack!` binary-search the set; empty (the default) makes
    /// them scan it.
    #[doc(hidden)]
    const BY_NAME: &'static [u32] = &[];
}

/// Secrets declared at run time with [`SecretManager::add_secret`](crate::SecretManager::add_secret);
/// names are checked when the stack is built, with the same wording as the compile-time checks.
#[derive(Debug, Clone, Copy)]
pub enum Dynamic {}

impl SecretSet for Dynamic {
    const NAME: &'static str = "Dynamic";
    const SECRETS: &'static [SecretDecl] = &[];
    const STATIC: bool = false;
}

/// Something that names a secret: a `&str`, a `String`, or a variant of a `#[derive(SecretSet)]` enum.
pub trait SecretRef {
    /// The logical name.
    fn secret_name(&self) -> &str;
}

impl SecretRef for &str {
    fn secret_name(&self) -> &str {
        self
    }
}
impl SecretRef for String {
    fn secret_name(&self) -> &str {
        self
    }
}
impl SecretRef for &String {
    fn secret_name(&self) -> &str {
        self
    }
}
