//! The `generate` pipeline: stacks are built (`declare::stack`, which applies the injections), then
//! [`metadata`](add_metadata) is added, the [`layout`](OutputMode) chooses the files, and [`write`]
//! puts them on disk safely.
//!
//! The functions here are public so that a custom driver (or a benchmark) can run one step alone;
//! [`Project::generate`](crate::Project::generate) runs them all.

pub(crate) mod layout;
pub(crate) mod metadata;
pub(crate) mod rollout;
pub(crate) mod secret_manifests;
pub(crate) mod spool;
pub(crate) mod write;

pub use crate::hash::{canonical_json, resource_hash, sha256_hex};
pub use layout::{
    render, render_owned, to_stream, OutputMode, RenderError, RenderedFile, Renderer,
};
pub use metadata::{
    add_metadata, check_label_value, MetadataOptions, ANNOTATION_MANAGED_AT,
    ANNOTATION_RESOURCE_HASH, ANNOTATION_STACK_NAME, ANNOTATION_VERSION, LABEL_MANAGED,
    LABEL_RESOURCE_ID, LABEL_STACK_ID,
};
pub use rollout::{RolloutChecksums, ANNOTATION_SECRET_CHECKSUM};
pub use spool::{Spool, SpooledFile};
pub use write::{OutputError, MARKER};

use crate::model::resource::ResourceMap;

/// A built stack ready to render: the input of every step after the build.
#[derive(Debug, Clone)]
pub struct BuiltStack {
    /// The id the project registered the stack under.
    pub id: String,
    /// The stack's own name.
    pub name: String,
    /// Resources with injections applied.
    pub resources: ResourceMap,
}
