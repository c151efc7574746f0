//! Injection: the `use_secrets` builder (`c.secrets("X").for_name("Y").inject()`) and the engine that
//! writes each injection into its resource.

mod builder;
mod engine;

pub(crate) use builder::Record;
pub use builder::{Injected, Injector, SecretInjection};
pub use engine::{apply_patch, InjectionProblem, InjectionSite};

use std::sync::{Arc, OnceLock};

use crate::model::pod_patch::PodPatch;
use crate::model::strategy::{Strategy, StrategyKind};
use crate::provider::{Provider, ProviderError};

/// What one secret of one manager resolves to: its name, provider instance and id, manager. Shared
/// by every injection of that secret in every stack (the manager caches it), so that a plan entry
/// holds a pointer instead of copies: at 20,000 stacks of 20 injections, copies were most of the
/// memory `generate` used.
pub(crate) struct Binding {
    pub(crate) secret: String,
    pub(crate) provider_id: String,
    pub(crate) manager_id: u64,
    pub(crate) provider: Arc<dyn Provider>,
    /// The provider's default strategy, made once for every `.inject()` without one.
    default_strategy: OnceLock<Arc<Strategy>>,
}

impl Binding {
    pub(crate) fn new(
        secret: &str,
        provider_id: &str,
        manager_id: u64,
        provider: &Arc<dyn Provider>,
    ) -> Binding {
        Binding {
            secret: secret.to_owned(),
            provider_id: provider_id.to_owned(),
            manager_id,
            provider: Arc::clone(provider),
            default_strategy: OnceLock::new(),
        }
    }

    /// Whether this binding still describes `provider_id`/`provider` (a manager changed after it
    /// was cached gets a new one).
    pub(crate) fn is_for(&self, provider_id: &str, provider: &Arc<dyn Provider>) -> bool {
        self.provider_id == provider_id && Arc::ptr_eq(&self.provider, provider)
    }

    /// The default strategy of `kind`, shared.
    pub(crate) fn default_strategy(&self, kind: StrategyKind) -> Arc<Strategy> {
        let s = self
            .default_strategy
            .get_or_init(|| Arc::new(Strategy::default_of(kind)));
        if s.kind() == kind {
            Arc::clone(s)
        } else {
            Arc::new(Strategy::default_of(kind))
        }
    }
}

/// One injection, resolved: which secret, where, how, through which provider instance.
///
/// Compact (at most 64 bytes, pointers to shared parts): what it writes, the [`patch`](Self::patch),
/// is only made when the stack is built.
#[derive(Clone)]
pub struct PlannedInjection {
    binding: Arc<Binding>,
    /// `None`: the secret's own name.
    target_name: Option<Arc<str>>,
    resource_id: Arc<str>,
    strategy: Arc<Strategy>,
}

impl PlannedInjection {
    pub(crate) fn new(
        binding: Arc<Binding>,
        target_name: Option<Arc<str>>,
        resource_id: Arc<str>,
        strategy: Arc<Strategy>,
    ) -> PlannedInjection {
        let target_name = target_name.filter(|t| **t != *binding.secret);
        PlannedInjection {
            binding,
            target_name,
            resource_id,
            strategy,
        }
    }

    /// Logical secret name.
    pub fn secret(&self) -> &str {
        &self.binding.secret
    }

    /// Name in the container (`for_name`, else the secret name).
    pub fn target_name(&self) -> &str {
        self.target_name.as_deref().unwrap_or(&self.binding.secret)
    }

    /// The resource it writes to.
    pub fn resource_id(&self) -> &str {
        &self.resource_id
    }

    /// The shared resource id (plans of one stack reuse it).
    pub(crate) fn resource_id_arc(&self) -> &Arc<str> {
        &self.resource_id
    }

    /// The strategy with its options.
    pub fn strategy(&self) -> &Strategy {
        &self.strategy
    }

    /// The provider id in its manager.
    pub fn provider_id(&self) -> &str {
        &self.binding.provider_id
    }

    /// The manager's run-time id.
    pub fn manager_id(&self) -> u64 {
        self.binding.manager_id
    }

    /// The provider instance.
    pub fn provider(&self) -> &dyn Provider {
        self.binding.provider.as_ref()
    }

    /// What is written: the provider's patch for this secret, name and strategy, made on each call
    /// (the stack makes it when it is built).
    pub fn patch(&self) -> Result<PodPatch, ProviderError> {
        self.binding
            .provider
            .injection(self.secret(), self.target_name(), &self.strategy)
    }
}

impl std::fmt::Debug for PlannedInjection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedInjection")
            .field("secret", &self.secret())
            .field("target_name", &self.target_name())
            .field("resource_id", &self.resource_id())
            .field("strategy", &self.strategy())
            .field("provider", &self.provider_id())
            .field("secret_resource", &self.provider().secret_name())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan entry stays small: at 20,000 stacks of 20 injections each, every byte of it is
    /// 400,000 bytes of `generate`'s memory.
    #[test]
    fn a_plan_entry_is_at_most_64_bytes() {
        assert!(std::mem::size_of::<PlannedInjection>() <= 64);
    }
}
