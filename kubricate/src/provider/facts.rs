//! What each provider type supports, declared once (`provider_facts!`) and read twice: as the
//! [`ProviderInfo`](super::ProviderInfo) the run-time checks of the plain API use, and as the marker
//! trait impls below, which the typed injection chain (`c.secret(names.X).inject()`, what `stack!`
//! writes) requires, so that rustc reports a mistake with these messages at the user's token.
//!
//! Every impl is `#[diagnostic::do_not_recommend]`, so an error names the fix rather than listing
//! the providers that do implement the trait.
//!
//! The run-time checks and these messages share their words (see `check_static` in the parent
//! module and `Stack::use_secrets`).

use super::ProviderType;
use crate::model::strategy::StrategyKind;

/// A provider type whose `.inject()` needs no strategy: it supports exactly one.
#[diagnostic::on_unimplemented(
    message = "`.inject()` needs a strategy because `{Self}` supports several; name one",
    label = "name the strategy here, e.g. `.inject(env {{ .. }})` or `.inject(env_from {{ .. }})`",
    note = "the strategies of `{Self}` are listed in its documentation and in `{Self}::INFO.strategies`"
)]
pub trait InjectDefault: ProviderType {
    /// The only strategy.
    const STRATEGY: StrategyKind;
}

/// A provider type that supports the `env` strategy.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support the `env` strategy",
    label = "`{Self}` cannot inject with `env`",
    note = "use a strategy `{Self}` supports (its documentation and `{Self}::INFO.strategies` list them)"
)]
pub trait SupportsEnv: ProviderType {}

/// A provider type that supports the `env_from` strategy.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support the `env_from` strategy",
    label = "`{Self}` cannot inject with `env_from`",
    note = "use a strategy `{Self}` supports (its documentation and `{Self}::INFO.strategies` list them)"
)]
pub trait SupportsEnvFrom: ProviderType {}

/// A provider type that supports the `image_pull_secret` strategy.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support the `image_pull_secret` strategy",
    label = "`{Self}` cannot inject with `image_pull_secret`",
    note = "`image_pull_secret` needs a `kubernetes.io/dockerconfigjson` Secret: declare the secret with `#[secret(provider = DockerConfigSecretProvider)]`"
)]
pub trait SupportsImagePullSecret: ProviderType {}

/// A provider type that supports the `volume` strategy.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support the `volume` strategy",
    label = "`{Self}` cannot inject with `volume`",
    note = "use a strategy `{Self}` supports (its documentation and `{Self}::INFO.strategies` list them)"
)]
pub trait SupportsVolume: ProviderType {}

/// A provider type whose `env` injection reads the Secret key named by the secret itself, so
/// `env { .. }` takes no `key`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` needs `key` for the `env` strategy",
    label = "add `key`, e.g. `env {{ key: \"..\" }}`",
    note = "a `{Self}` Secret has fixed keys; `key` names the one this variable reads"
)]
pub trait EnvWithoutKey: ProviderType {}

/// A provider type whose `env` injection needs a `key` (a Secret with fixed or custom keys).
#[diagnostic::on_unimplemented(
    message = "option `key` does not apply to `{Self}`: its Secret key is the secret's name; remove `key`",
    label = "remove `key`"
)]
pub trait EnvWithKey: ProviderType {}

/// Declares the static facts of provider types: `ProviderType::INFO` and the marker traits.
///
/// `provider_facts!(Type { strategies: [Env, EnvFrom], env_key: one_of ["username", "password"] })`;
/// `env_key` is `secret_name`, `one_of [..]` or `checked`.
macro_rules! provider_facts {
    (@single $ty:ty, [$only:ident]) => {
        #[diagnostic::do_not_recommend]
        impl $crate::provider::facts::InjectDefault for $ty {
            const STRATEGY: $crate::model::strategy::StrategyKind = $crate::model::strategy::StrategyKind::$only;
        }
    };
    (@single $ty:ty, [$($many:ident),*]) => {};
    (@rule secret_name) => { $crate::provider::KeyRule::SecretName };
    (@rule one_of [$($key:literal),*]) => { $crate::provider::KeyRule::OneOf(&[$($key),*]) };
    (@rule checked) => { $crate::provider::KeyRule::Checked };
    (@key $ty:ty, secret_name) => { #[diagnostic::do_not_recommend] impl $crate::provider::facts::EnvWithoutKey for $ty {} };
    (@key $ty:ty, $($rule:tt)*) => { #[diagnostic::do_not_recommend] impl $crate::provider::facts::EnvWithKey for $ty {} };
    (@kind $ty:ty, Env) => { #[diagnostic::do_not_recommend] impl $crate::provider::facts::SupportsEnv for $ty {} };
    (@kind $ty:ty, EnvFrom) => { #[diagnostic::do_not_recommend] impl $crate::provider::facts::SupportsEnvFrom for $ty {} };
    (@kind $ty:ty, ImagePullSecret) => { #[diagnostic::do_not_recommend] impl $crate::provider::facts::SupportsImagePullSecret for $ty {} };
    (@kind $ty:ty, Volume) => { #[diagnostic::do_not_recommend] impl $crate::provider::facts::SupportsVolume for $ty {} };
    ($ty:ident { strategies: [$($kind:ident),+], env_key: $($rule:tt)+ }) => {
        impl $crate::provider::ProviderType for $ty {
            const INFO: $crate::provider::ProviderInfo = $crate::provider::ProviderInfo {
                kind: stringify!($ty),
                strategies: &[$($crate::model::strategy::StrategyKind::$kind),+],
                env_key: $crate::provider::facts::provider_facts!(@rule $($rule)+),
            };
        }
        $crate::provider::facts::provider_facts!(@single $ty, [$($kind),+]);
        $crate::provider::facts::provider_facts!(@key $ty, $($rule)+);
        $($crate::provider::facts::provider_facts!(@kind $ty, $kind);)+
    };
}
pub(crate) use provider_facts;

/// The provider of a secret whose provider type is only known at run time (a string name, a
/// [`Dynamic`](crate::Dynamic) set, a set without a declared provider): every strategy is accepted
/// here and checked by [`Stack::use_secrets`](crate::Stack::use_secrets) with the same words.
#[derive(Debug, Clone, Copy)]
pub enum AnyProvider {}

impl ProviderType for AnyProvider {
    const INFO: super::ProviderInfo = super::ProviderInfo {
        kind: "a provider chosen at run time",
        strategies: &[
            StrategyKind::Env,
            StrategyKind::EnvFrom,
            StrategyKind::ImagePullSecret,
            StrategyKind::Volume,
        ],
        env_key: super::KeyRule::Checked,
    };
}
#[diagnostic::do_not_recommend]
impl InjectDefault for AnyProvider {
    // Never read for `AnyProvider`: `.inject()` leaves the choice to the provider instance.
    const STRATEGY: StrategyKind = StrategyKind::Env;
}
#[diagnostic::do_not_recommend]
impl SupportsEnv for AnyProvider {}
#[diagnostic::do_not_recommend]
impl SupportsEnvFrom for AnyProvider {}
#[diagnostic::do_not_recommend]
impl SupportsImagePullSecret for AnyProvider {}
#[diagnostic::do_not_recommend]
impl SupportsVolume for AnyProvider {}
#[diagnostic::do_not_recommend]
impl EnvWithoutKey for AnyProvider {}
#[diagnostic::do_not_recommend]
impl EnvWithKey for AnyProvider {}
