//! # kubricate
//!
//! Declare Kubernetes stacks and the secrets they consume in Rust; the compiler checks the wiring.
//! A Rust take on the TypeScript framework [Kubricate](https://github.com/thaitype/kubricate): the
//! same concepts and the same generated YAML, with the mistakes it reports at run time (a secret
//! that is not declared, a resource id that does not exist, a strategy the provider lacks) turned into
//! compile errors.
//!
//! Your crate is a small binary: it declares secrets and stacks, and [`Project::main`] gives it a
//! command line (`generate` writes the manifests, which only *reference* Secrets; `secret validate`
//! loads and checks every value; `secret apply` creates the Secrets with one `kubectl apply`).
//!
//! ## Install
//!
//! ```toml
//! [dependencies]
//! kubricate = "0.1"
//! ```
//!
//! That is all: the macros come with `kubricate`, and [`json!`] (for `.override(json!(..))` and
//! resources written as JSON) is re-exported, so no `serde_json` dependency is needed.
//!
//! ## Example
//!
//! Two secrets, read from `KUBRICATE_SECRET_DATABASE_URL` and `KUBRICATE_SECRET_API_KEY` (or a
//! `.env` file), delivered as the `Opaque` Secret `app-secrets` and injected as environment
//! variables into the Deployment of a [`SimpleApp`](template::SimpleApp) stack:
//!
//! ```
//! use kubricate::prelude::*;
//!
//! #[derive(SecretSet)]
//! #[secret_set(provider = OpaqueSecretProvider)]
//! pub enum AppSecrets {
//!     DatabaseUrl, // the logical name DATABASE_URL
//!     ApiKey,
//! }
//!
//! stack! {
//!     pub fn api_service(secrets: &SecretManager<AppSecrets>) -> Stack {
//!         Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() })
//!             .use_secrets(secrets, |c| {
//!                 c.secrets("DATABASE_URL").inject();
//!                 c.secrets("API_KEY").inject();
//!             })
//!             // Strategic merge: the container named `api-service` keeps its image and ports.
//!             .override(json!({ "deployment": { "spec": { "template": { "spec": { "containers": [
//!                 { "name": "api-service", "resources": { "limits": { "memory": "256Mi" } } }
//!             ] } } } } }))
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let secrets = SecretManager::<AppSecrets>::new()
//!         .connector(EnvConnector::new())
//!         .provider(OpaqueSecretProvider::new("app-secrets"));
//!     let project = kubricate::Project::new().stack("apiService", api_service(&secrets)).secrets(secrets);
//! #   let project = project.out_dir("target/doc-output"); // keep the doctest's files out of the way
//! #   if true { return std::process::ExitCode::SUCCESS; } // a doctest does not run the CLI
//!     project.main() // `cargo run -- generate`, `cargo run -- secret apply`, ...
//! }
//! ```
//!
//! `c.secrets("DATABSE_URL")` or `.into_resource("worker")` in that block would not compile: the
//! error names the secret or resource and lists what exists.
//!
//! ## Concepts
//!
//! - **Secrets** are declared with `#[derive(SecretSet)]` (one enum variant each), or at run time
//!   with [`SecretManager::add_secret`].
//! - **Connectors** load their values ([`EnvConnector`]: `KUBRICATE_SECRET_*` variables and `.env`;
//!   [`FileConnector`]: files; [`CommandConnector`]: a password manager or vault command;
//!   [`InMemoryConnector`]; your own [`Connector`]).
//! - **Providers** own a Kubernetes Secret: how values become its `data` and what injecting one adds
//!   to a pod ([`OpaqueSecretProvider`], [`DockerConfigSecretProvider`], [`BasicAuthSecretProvider`],
//!   [`TlsSecretProvider`], [`SshAuthSecretProvider`], [`CustomTypeSecretProvider`]).
//! - **Stacks** ([`Stack`]) hold resources, from a [`Template`] ([`SimpleApp`](template::SimpleApp),
//!   [`Namespace`](template::Namespace), your own), a `#[derive(Resources)]` struct, or JSON built at
//!   run time; `use_secrets` injects secrets into them (strategies in [`strategy`]), and
//!   `.override(..)` ([`Stack::override_with`]) patches what a template does not expose.
//! - A [`SecretRegistry`] (or your own struct deriving [`IntoManagers`]) names one manager per team;
//!   [`ConflictOptions`] says what happens when two of them deliver the same Secret.
//! - A [`Project`] puts stacks and managers behind the command line.
//!
//! ## Feature flags
//!
//! - `k8s-openapi` (off): build resources from `k8s-openapi` objects (`Resource::try_from(deployment)`).
//!   k8s-openapi needs exactly one Kubernetes version feature, which this crate never picks: enable one
//!   (`k8s-openapi = { version = "0.29", features = ["v1_34"] }`, or `latest`) in your own crate.
//!
//! Nothing else is optional: the default build has no heavy dependency.

// The tree shows the two pipelines (docs/design.md has one line per module):
// - `model`: the data (manifests, kinds, values, strategies, names), no IO;
// - `declare`: what the user writes (secret sets, managers, registries, stacks, templates, injections);
// - `provider` and `connector`: one file per provider or connector;
// - `generate`: built stacks -> metadata -> layout -> files on disk;
// - `deliver`: load -> prepare -> merge -> check -> `kubectl apply`;
// - `project` (configuration) and `cli` (the command line over it, `Project::main`).
// Internal code imports by module path (`crate::deliver::plan::..`), never through the re-exports below.

#[doc(hidden)]
pub mod __private;
pub mod checksum;
mod cli;
pub mod connector;
mod declare;
mod deliver;
pub mod generate;
mod graph;
mod hash;
mod model;
mod project;
pub mod provider;
#[cfg(feature = "sealed-secrets")]
mod seal;
pub mod yaml;

pub use connector::{
    CommandConnector, Connector, ConnectorError, DotenvProblem, EnvConnector, FileConnector,
    InMemoryConnector, LoadProblem,
};
pub use declare::inject::{Injected, Injector, PlannedInjection, SecretInjection};
pub use declare::inject::{InjectionProblem, InjectionSite};
pub use declare::manager::{AnySecretManager, ManagerProblem, SecretManager, SecretSpec};
pub use declare::registry::{IntoManagers, RegistryError, SecretRegistry};
pub use declare::secret_set::{
    Dynamic, DynamicNames, SecretDecl, SecretName, SecretOptions, SecretRef, SecretSet,
    SecretTable, UseSecretsAnyForADynamicSet,
};
pub use declare::source::StackSource;
pub use declare::stack::{Stack, StackError, StackProblem};
pub use declare::template::{self, Template};
pub use deliver::apply::{
    parse_duration, run_kubectl, ApplyError, ApplyMode, DiffOutcome, DryRun, DurationError,
    KubectlOptions, KubectlOutput, KubectlRun, Scrubber, Stream as KubectlStream,
};
pub use deliver::check::{ReferenceProblem, ReferenceSite, ReferenceUsage};
pub use deliver::plan::{
    ConflictLevel, ConflictOptions, ConflictStrategy, GeneratedSecret, SecretError, SecretPlan,
    SecretProblem, SecretWarning, StrictModeError,
};
pub use deliver::secret::MergedSecret;
pub use generate::{MetadataOptions, OutputMode};
pub use model::names::NameError;
pub use model::pod_patch::PodPatch;
pub use model::resource::{
    kinds, HasPodTemplate, Kind, Manifest, Resource, ResourceDecl, ResourceId, ResourceMap,
    Resources,
};
pub use model::secret_value::{
    CoreDumpsOff, ExposeSecret, SecretBytes, SecretField, SecretObject, SecretValue,
};
pub use model::strategy;
pub use project::{
    ConfigProblem, GenerateOptions, GenerateReport, Project, ProjectError, WrittenFile,
};
pub use provider::{
    BasicAuthSecretProvider, CreationPolicy, CustomTypeSecretProvider, DataProblem, Delivery,
    DockerConfigSecretProvider, ExternalSecretProvider, ManifestRequest, OpaqueSecretProvider,
    Provider, ProviderError, ProviderInfo, ProviderType, RemoteRef, SecretStoreRef,
    SshAuthSecretProvider, TlsSecretProvider,
};
#[cfg(feature = "sealed-secrets")]
pub use provider::{SealedSecretProvider, SealingScope};

/// Derives [`SecretSet`](trait@SecretSet) for an enum: one unit variant per secret.
///
/// - The logical name is the variant in SCREAMING_SNAKE case (`DatabaseUrl` → `DATABASE_URL`);
///   `#[secret(name = "...")]` overrides it.
/// - `#[secret_set(provider = Type)]` sets the provider type of every secret; `#[secret(provider = Type)]`
///   overrides it per secret. `provider_id = "..."` picks one of several instances of that type
///   registered with `SecretManager::provider_as`. `connector = "id"` (or a connector type) does the same
///   for connectors.
/// - Duplicate names, names that are not valid env var names, unknown or malformed keys and provider
///   types that are not providers are compile errors at the offending token.
///
/// See [the trait](trait@SecretSet) for an example.
pub use kubricate_macros::SecretSet;

/// Derives [`Resources`](trait@Resources) for a struct of [`Resource<Kind>`] fields, so that a template's
/// resource ids and kinds are known at compile time. The id of `web_deployment` is `webDeployment`;
/// `#[resource(id = "...")]` overrides it.
pub use kubricate_macros::Resources;

/// Derives [`IntoManagers`](trait@IntoManagers) for a struct of secret managers: each field is a manager
/// named after the field (`#[manager(name = "...")]` overrides it), so a misspelt team name is a compile
/// error instead of the run-time `SecretRegistry::get` error.
///
/// ```
/// use kubricate::prelude::*;
///
/// #[derive(SecretSet)]
/// #[secret_set(provider = OpaqueSecretProvider)]
/// pub enum Frontend { AnalyticsKey }
///
/// #[derive(IntoManagers)]
/// pub struct Teams {
///     frontend: SecretManager<Frontend>,
///     #[manager(name = "backend-team")]
///     backend: SecretManager,
/// }
///
/// let teams = Teams { frontend: SecretManager::new(), backend: SecretManager::new() };
/// let names: Vec<String> = teams.into_managers().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["frontend", "backend-team"]);
/// ```
pub use kubricate_macros::IntoManagers;

/// Declares stacks in the documented fluent shape, with the `use_secrets` wiring checked by the compiler.
///
/// `stack!` takes functions (or one expression) of ordinary Rust. Wherever they appear in its body
/// (loops, `if`s, nested blocks, closures, helper functions, `let`-split chains) it rewrites
/// - `c.secrets("NAME")` into `c.secret(c.names().NAME)`: a field of the names struct of the set
///   of `c`'s type, so a misspelt name is rustc's "no field `NAME`" with the similar name it knows;
/// - `.inject(kind { .. })` into the typed strategy call (`.inject_env(..)`, `.inject_env_key(..)`,
///   `.inject_env_from(..)`, `.inject_image_pull_secret()`, `.inject_volume(..)`), whose bounds check
///   the strategy and `key` against the secret's provider type.
///
/// | Mistake | Compile error |
/// |---|---|
/// | a chain without `.inject()` | `no injection strategy defined for secret ...` |
/// | `.inject()` on a provider with several strategies | `` `.inject()` needs a strategy because ... supports several`` |
/// | a secret not declared in the set | ``no field `NAME` on type `&'static SetNames` `` |
/// | a strategy the provider does not support | `` `...` does not support the `env_from` strategy`` |
/// | `key` where the provider takes none, or none where it needs one | ``option `key` does not apply ...``, `` ... needs `key` ...`` |
/// | an option of another kind, a misspelt option | ``option ... does not belong to ...; did you mean ...?`` |
/// | `.into_resource("x")` / `set_default_resource_id("x")` / `.override` key with no resource `x` | ``no field `x` on type `&'static SimpleAppIds` `` |
/// | `.into_resource("service")` on a kind without pods | ``a `Service` has no pod template, so no secret can be injected into it`` |
/// | no resource given and zero or several workloads | `could not resolve the resource to inject into ...` |
/// | the same env var twice in one container (literal sibling chains) | `... injected twice ...` / `env var ... is defined twice` |
///
/// Strategies are written `env { container_index, container_name, init_container_index,
/// init_container_name, key, target_path }`, `env_from { prefix, .. }`, `image_pull_secret` and
/// `volume { mount_path, items: [(key, path)], default_mode, volume_name, .. }`; any other expression
/// given to `.inject(..)` is a run-time strategy value (`inject_as`). `.override(json!(..))` deep-merges
/// a patch. Resource ids are checked by types (the ids struct of the resources, `Resources::Ids`)
/// where the chain shows the resources (`Stack::from_template(Template, ..)`,
/// `Stack::from_static(name, Struct { .. })`). Typed names (`c.secrets(AppSecrets::DatabaseUrl)`) are
/// checked like string literals. What the types cannot know (a name in a `use_secrets_any` block or in
/// a function generic over its set, a value computed at run time, the value of a fixed `key`) is
/// checked when the stack is built, with the same wording. A run-time set (`SecretManager<Dynamic>`)
/// keeps string names with `use_secrets` when the manager is a parameter typed `&SecretManager`;
/// elsewhere give it to `use_secrets_any(m.as_any(), ..)` (the error, "no field .. on type
/// `UseSecretsAnyForADynamicSet`", says so).
///
/// ```
/// use kubricate::prelude::*;
///
/// #[derive(SecretSet)]
/// #[secret_set(provider = OpaqueSecretProvider)]
/// pub enum AppSecrets { DatabaseUrl, ApiKey }
///
/// stack! {
///     pub fn api_service(secrets: &SecretManager<AppSecrets>) -> Stack {
///         Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() })
///             .use_secrets(secrets, |c| {
///                 c.secrets("DATABASE_URL").inject();
///                 c.secrets("API_KEY").for_name("KEY").inject(env { container_index: 0 });
///             })
///     }
/// }
///
/// let secrets = SecretManager::<AppSecrets>::new()
///     .connector(InMemoryConnector::default())
///     .provider(OpaqueSecretProvider::new("app-secrets"));
/// assert!(api_service(&secrets).build().is_ok());
/// ```
///
/// ```compile_fail
/// use kubricate::prelude::*;
/// #[derive(SecretSet)]
/// #[secret_set(provider = OpaqueSecretProvider)]
/// pub enum AppSecrets { DatabaseUrl }
/// stack! {
///     pub fn api(secrets: &SecretManager<AppSecrets>) -> Stack {
///         Stack::from_template(SimpleApp, SimpleAppInput::default())
///             .use_secrets(secrets, |c| { c.secrets("DATABSE_URL").inject(); })
///     }
/// }
/// # fn main() {}
/// ```
pub use kubricate_macros::stack;

/// [`stack!`] as an attribute on one function: the same rewrites and checks, and the function stays
/// ordinary Rust to rustfmt (which does not format inside `stack! { .. }`) and to the IDE.
///
/// ```
/// use kubricate::prelude::*;
///
/// #[derive(SecretSet)]
/// #[secret_set(provider = OpaqueSecretProvider)]
/// pub enum AppSecrets { DatabaseUrl, ApiKey }
///
/// #[stack_fn]
/// pub fn api_service(secrets: &SecretManager<AppSecrets>) -> Stack {
///     let input = SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() };
///     Stack::from_template(SimpleApp, input).use_secrets(secrets, |c| {
///         c.secrets("DATABASE_URL").inject();
///         c.secrets("API_KEY").inject(env { container_index: 0 });
///     })
/// }
///
/// let secrets = SecretManager::<AppSecrets>::new()
///     .connector(InMemoryConnector::default())
///     .provider(OpaqueSecretProvider::new("app-secrets"));
/// assert!(api_service(&secrets).build().is_ok());
/// ```
///
/// ```compile_fail
/// use kubricate::prelude::*;
/// #[derive(SecretSet)]
/// #[secret_set(provider = OpaqueSecretProvider)]
/// pub enum AppSecrets { DatabaseUrl }
/// #[stack_fn]
/// pub fn api(secrets: &SecretManager<AppSecrets>) -> Stack {
///     Stack::from_template(SimpleApp, SimpleAppInput::default())
///         .use_secrets(secrets, |c| { c.secrets("DATABSE_URL").inject(); })
/// }
/// # fn main() {}
/// ```
pub use kubricate_macros::stack_fn;

/// `json!` from `serde_json`, so that `.override(json!(..))` and resources written as JSON need no
/// `serde_json` dependency in your crate (also in the [`prelude`]).
///
/// ```
/// let patch = kubricate::json!({ "service": { "spec": { "type": "LoadBalancer" } } });
/// assert_eq!(patch["service"]["spec"]["type"], "LoadBalancer");
/// ```
pub use serde_json::json;

/// The README's Rust blocks, compiled (and run, unless marked `no_run`) as doctests so that none of
/// them can drift from the API. Only exists for `cargo test --doc`: the packaged crate does not need
/// the workspace README at this path.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Everything a stack crate usually needs, `json!` included.
pub mod prelude {
    pub use crate::json;
    pub use crate::strategy;
    pub use crate::template::{Namespace, NamespaceInput, SimpleApp, SimpleAppInput};
    pub use crate::{
        kinds, stack, stack_fn, BasicAuthSecretProvider, CommandConnector, CreationPolicy,
        CustomTypeSecretProvider, DockerConfigSecretProvider, EnvConnector, ExternalSecretProvider,
        FileConnector, InMemoryConnector, Injector, IntoManagers, OpaqueSecretProvider, RemoteRef,
        Resource, Resources, SecretManager, SecretRef, SecretRegistry, SecretSet, SecretStoreRef,
        SshAuthSecretProvider, Stack, Template, TlsSecretProvider,
    };
    #[cfg(feature = "sealed-secrets")]
    pub use crate::{SealedSecretProvider, SealingScope};
}
