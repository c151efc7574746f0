//! # kubricate
//!
//! Declare Kubernetes stacks and the secrets they consume in Rust; the compiler checks the wiring.
//!
//! - **Secrets** are declared with `#[derive(SecretSet)]` (or at run time).
//! - **Connectors** load their values ([`EnvConnector`]: `KUBRICATE_SECRET_*` variables and `.env`).
//! - **Providers** deliver them ([`OpaqueSecretProvider`], [`DockerConfigSecretProvider`], ...).
//! - **Stacks** ([`Stack`]) hold resources; `use_secrets` injects secrets into them.
//! - A [`SecretRegistry`] (or your own struct implementing [`IntoManagers`]) names one manager per team.
//! - A [`Project`] gives your binary a CLI: `generate`, `secret validate`, `secret apply`.
//!
//! See the README for a walkthrough and `examples/` for every documented scenario.

#![warn(missing_docs)]

pub mod apply;
pub mod checks;
mod cli;
pub mod connector;
pub mod crosscheck;
pub mod inject;
pub mod manager;
pub mod merge;
pub mod names;
pub mod orchestrator;
pub mod output;
pub mod project;
pub mod provider;
pub mod registry;
pub mod render;
pub mod resource;
pub mod secret_set;
pub mod secret_value;
pub mod stack;
pub mod strategy;
pub mod template;
pub mod yaml;

pub use connector::{Connector, ConnectorError, EnvConnector, InMemoryConnector};
pub use manager::{AnySecretManager, SecretManager, SecretSpec};
pub use orchestrator::{
    ConflictOptions, ConflictStrategy, MergedSecret, SecretError, SecretPlan, StrictModeError,
};
pub use project::{GenerateOptions, Project, ProjectError};
pub use provider::{
    BasicAuthSecretProvider, CustomTypeSecretProvider, DockerConfigSecretProvider,
    OpaqueSecretProvider, Provider, ProviderInfo, ProviderType, SshAuthSecretProvider,
    TlsSecretProvider,
};
pub use registry::{IntoManagers, RegistryError, SecretRegistry};
pub use render::{MetadataOptions, OutputMode};
pub use resource::{kinds, Kind, Manifest, Resource, ResourceDecl, ResourceMap, Resources};
pub use secret_set::{Dynamic, SecretDecl, SecretRef, SecretSet};
pub use secret_value::{ExposeSecret, SecretBytes, SecretValue};
pub use stack::{Stack, StackError};
pub use template::Template;

pub use kubricate_macros::{stack, Resources, SecretSet};

/// Everything a stack crate usually needs.
pub mod prelude {
    pub use crate::strategy;
    pub use crate::template::{Namespace, NamespaceInput, SimpleApp, SimpleAppInput};
    pub use crate::{
        kinds, stack, BasicAuthSecretProvider, CustomTypeSecretProvider,
        DockerConfigSecretProvider, EnvConnector, InMemoryConnector, IntoManagers,
        OpaqueSecretProvider, Resource, Resources, SecretManager, SecretRef, SecretRegistry,
        SecretSet, SshAuthSecretProvider, Stack, Template, TlsSecretProvider,
    };
}
