//! Secret sets: the secrets a manager knows, declared at compile time (`#[derive(SecretSet)]`) or at
//! run time ([`Dynamic`]).

use std::marker::PhantomData;

use crate::provider::ProviderInfo;

/// One declared secret, as [`SecretTable::iter`] gives it.
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

/// What a secret declares besides its name: its provider and connector.
#[derive(Debug, Clone, Copy)]
pub struct SecretOptions {
    /// See [`SecretDecl::provider`].
    pub provider: Option<&'static ProviderInfo>,
    /// See [`SecretDecl::provider_id`].
    pub provider_id: Option<&'static str>,
    /// See [`SecretDecl::connector`].
    pub connector: Option<&'static str>,
}

/// The secrets a set declares, in declaration order: their names, and their options by runs of
/// consecutive secrets that share them (a set whose secrets all use its default provider is one
/// run). Written by the derive in this form, rather than one [`SecretDecl`] per secret, because
/// rustc checks an array of string literals many times faster than an array of structs, and every
/// user pays that on every `cargo check`.
#[derive(Debug, Clone, Copy)]
pub struct SecretTable {
    /// The logical names, in declaration order.
    pub names: &'static [&'static str],
    /// `(how many, options)`: the first run's options apply to the first `how many` names, and so
    /// on. The counts add up to `names.len()`.
    pub runs: &'static [(usize, SecretOptions)],
}

impl SecretTable {
    /// No secrets.
    pub const EMPTY: SecretTable = SecretTable {
        names: &[],
        runs: &[],
    };

    /// How many secrets.
    pub const fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub const fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every secret with its options, in declaration order. A name beyond the runs (a table not
    /// written by the derive) has no options.
    pub fn iter(&self) -> impl Iterator<Item = SecretDecl> + '_ {
        let options = self
            .runs
            .iter()
            .flat_map(|(count, options)| std::iter::repeat_n(*options, *count))
            .chain(std::iter::repeat(SecretOptions {
                provider: None,
                provider_id: None,
                connector: None,
            }));
        self.names.iter().zip(options).map(|(name, o)| SecretDecl {
            name,
            provider: o.provider,
            provider_id: o.provider_id,
            connector: o.connector,
        })
    }
}

/// A set of secrets known at compile time. Implemented by `#[derive(SecretSet)]`.
///
/// ```
/// use kubricate::prelude::*;
/// use kubricate::SecretName;
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
/// // The names struct: one field per secret, typed by its provider.
/// let url: SecretName<OpaqueSecretProvider, AppSecrets> = AppSecrets::NAMES.DATABASE_URL;
/// assert_eq!(url.name(), "DATABASE_URL");
/// let _docker: SecretName<DockerConfigSecretProvider, AppSecrets> = AppSecrets::NAMES.DOCKER_REGISTRY_TOKEN;
/// let _pg = AppSecrets::NAMES.pg_connection_string;
/// ```
pub trait SecretSet: 'static {
    /// The set's type name, for messages.
    const NAME: &'static str;
    /// Every secret, in declaration order.
    const SECRETS: SecretTable;
    /// Whether the names are known at compile time (`false` for [`Dynamic`]).
    const STATIC: bool = true;
    /// The set's names as a struct: one field per secret, named after its logical name (a raw
    /// identifier such as `r#type` for a Rust keyword), typed by its provider. Written by the
    /// derive; [`DynamicNames`] (no fields) for [`Dynamic`].
    type Names: 'static;
    /// The names. `Injector::names` hands them out, so `c.secret(c.names().DATABASE_URL)` (what
    /// `stack!` writes for `c.secrets("DATABASE_URL")`) is checked by rustc against the set of `c`.
    const NAMES: &'static Self::Names;
    /// The same names by variant (`AppSecretsVariants`, field `DatabaseUrl`): `stack!` writes
    /// `c.secrets(AppSecrets::DatabaseUrl)` as `c.secret(<AppSecrets as SecretSet>::VARIANTS.DatabaseUrl)`,
    /// so a typed name is checked against the provider like a string literal.
    type Variants: 'static;
    /// The names by variant.
    const VARIANTS: &'static Self::Variants;
}

/// A declared secret's name, typed by the set `S` that declares it and the provider type `P` that
/// delivers it ([`AnyProvider`](crate::provider::AnyProvider) when the set declares none): the typed injection chain
/// (`Injector::secret`) checks strategies and options against `P` at compile time.
pub struct SecretName<P, S> {
    // Public (and hidden) only so that the derive writes its names struct as one struct literal,
    // which rustc checks faster than a `const fn` call per secret; read it with [`SecretName::name`].
    #[doc(hidden)]
    pub __name: &'static str,
    #[doc(hidden)]
    pub __types: PhantomData<fn() -> (P, S)>,
}

impl<P, S> SecretName<P, S> {
    /// The name `name`. Only the derive should call this: the name must be declared in `S` with `P`.
    #[doc(hidden)]
    pub const fn new_unchecked(name: &'static str) -> Self {
        SecretName {
            __name: name,
            __types: PhantomData,
        }
    }

    /// The logical name.
    pub const fn name(&self) -> &'static str {
        self.__name
    }
}

impl<P, S> Clone for SecretName<P, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, S> Copy for SecretName<P, S> {}

impl<P, S> std::fmt::Debug for SecretName<P, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SecretName").field(&self.__name).finish()
    }
}

impl<P, S> SecretRef for SecretName<P, S> {
    fn secret_name(&self) -> &str {
        self.__name
    }
}

/// Writes a names struct of `#[derive(SecretSet)]` (by logical name and by variant) and its value,
/// `Names::__VALUE`. The derive passes each field once, grouped by provider type in declaration
/// order, and rustc expands this itself: every token a proc macro writes out crosses the
/// compiler's bridge, in a macro crate built without optimisation, and writing these structs out
/// in the derive cost several times more than this expansion.
#[doc(hidden)]
#[macro_export]
macro_rules! __secret_names {
    ($vis:vis $names:ident for $set:ident, $doc:tt; $( $p:ty => { $( $field:tt $name:tt )* } )*) => {
        // No doc per field: the field is the secret's name already, and 400 doc attributes
        // cost a 200-secret set 6 M instructions of rustc on every check.
        #[doc = $doc]
        #[allow(non_snake_case)]
        $vis struct $names {
            $( $( pub $field: $crate::__private::SecretName<$p, $set>, )* )*
        }

        impl $names {
            #[doc(hidden)]
            pub const __VALUE: $names = $names {
                $( $( $field: $crate::__private::SecretName { __name: $name, __types: ::core::marker::PhantomData }, )* )*
            };
        }
    };
}

/// The names of a [`Dynamic`] set: none known at compile time, so no field. Inside `stack!`,
/// `c.secrets("X")` on a run-time set whose manager the macro cannot see as one (a parameter typed
/// `&SecretManager` or `&SecretManager<Dynamic>` it can) is rustc's "no field `X` on type
/// `UseSecretsAnyForADynamicSet`": the type's name is the fix, `use_secrets_any(m.as_any(), ..)`,
/// whose names are checked at run time. (A field access cannot be made to accept every name, and
/// the macro cannot see a type, so this is the error rather than a silent fallback.)
#[derive(Debug, Clone, Copy)]
pub struct UseSecretsAnyForADynamicSet;

/// The names of a [`Dynamic`] set (see [`UseSecretsAnyForADynamicSet`]).
pub type DynamicNames = UseSecretsAnyForADynamicSet;

/// Secrets declared at run time with [`SecretManager::add_secret`](crate::SecretManager::add_secret);
/// names are checked when the stack is built, with the same wording as the compile-time checks.
#[derive(Debug, Clone, Copy)]
pub enum Dynamic {}

impl SecretSet for Dynamic {
    const NAME: &'static str = "Dynamic";
    const SECRETS: SecretTable = SecretTable::EMPTY;
    const STATIC: bool = false;
    type Names = DynamicNames;
    const NAMES: &'static DynamicNames = &UseSecretsAnyForADynamicSet;
    type Variants = UseSecretsAnyForADynamicSet;
    const VARIANTS: &'static UseSecretsAnyForADynamicSet = &UseSecretsAnyForADynamicSet;
}

/// Something that names a secret: a `&str`, a `String`, or a variant of a `#[derive(SecretSet)]` enum.
pub trait SecretRef {
    /// The logical name.
    fn secret_name(&self) -> &str;
}

impl SecretRef for str {
    fn secret_name(&self) -> &str {
        self
    }
}
impl SecretRef for String {
    fn secret_name(&self) -> &str {
        self
    }
}
/// Any reference to a name: `&str`, `&String`, and `&&str` (the item of a loop over `&[&str]`).
impl<T: SecretRef + ?Sized> SecretRef for &T {
    fn secret_name(&self) -> &str {
        (**self).secret_name()
    }
}
