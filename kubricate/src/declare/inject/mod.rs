//! Injection: the `use_secrets` builder (`c.secrets("X").for_name("Y").inject()`) and the engine that
//! writes each injection into its resource.

mod builder;
mod engine;

pub(crate) use builder::Record;
pub use builder::{Injected, Injector, SecretInjection};
pub use engine::apply_patch;

use std::sync::Arc;

use crate::model::pod_patch::PodPatch;
use crate::model::strategy::Strategy;
use crate::provider::Provider;

/// One injection, resolved: which secret, where, how, through which provider instance.
#[derive(Clone)]
pub struct PlannedInjection {
    /// Logical secret name.
    pub secret: String,
    /// Name in the container (`for_name`, else the secret name).
    pub target_name: String,
    /// The resource it writes to.
    pub resource_id: String,
    /// The strategy with its options.
    pub strategy: Strategy,
    /// The provider id in its manager.
    pub provider_id: String,
    /// The manager's run-time id.
    pub manager_id: u64,
    /// What is written.
    pub patch: PodPatch,
    pub(crate) provider: Arc<dyn Provider>,
}

impl PlannedInjection {
    /// The provider instance.
    pub fn provider(&self) -> &dyn Provider {
        self.provider.as_ref()
    }
}

impl std::fmt::Debug for PlannedInjection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedInjection")
            .field("secret", &self.secret)
            .field("target_name", &self.target_name)
            .field("resource_id", &self.resource_id)
            .field("strategy", &self.strategy)
            .field("provider", &self.provider_id)
            .field("secret_resource", &self.provider.secret_name())
            .finish()
    }
}
