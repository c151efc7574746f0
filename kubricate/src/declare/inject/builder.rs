//! The `use_secrets` builder: records what the user asked for; the stack resolves it.

use crate::declare::secret_set::SecretRef;
use crate::model::strategy::Strategy;

/// What one `c.secrets(..)` chain asked for.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub secret: String,
    pub target_name: Option<String>,
    /// `None`: `.inject()` was never called. `Some(None)`: `.inject()` without a strategy.
    pub strategy: Option<Option<Strategy>>,
    pub resource: Option<String>,
}

/// The `c` of `.use_secrets(manager, |c| { .. })`.
#[derive(Debug, Default)]
pub struct Injector {
    pub(crate) records: Vec<Record>,
    pub(crate) default_resource: Option<String>,
}

impl Injector {
    /// Starts an injection of the secret `name` (a string or a `#[derive(SecretSet)]` variant).
    pub fn secrets(&mut self, name: impl SecretRef) -> SecretInjection<'_> {
        self.records.push(Record {
            secret: name.secret_name().to_owned(),
            target_name: None,
            strategy: None,
            resource: None,
        });
        let last = self.records.len() - 1;
        SecretInjection {
            record: &mut self.records[last],
        }
    }

    /// The resource that injections without `.into_resource(..)` write to.
    pub fn set_default_resource_id(&mut self, id: impl Into<String>) {
        self.default_resource = Some(id.into());
    }
}

/// A secret chosen for injection; nothing happens until `.inject()`.
#[must_use = "a secret without `.inject()` is never injected: add `.inject()`"]
pub struct SecretInjection<'a> {
    record: &'a mut Record,
}

impl<'a> SecretInjection<'a> {
    /// The variable name in the container (default: the secret's name).
    pub fn for_name(self, name: impl Into<String>) -> Self {
        self.record.target_name = Some(name.into());
        self
    }

    /// Injects with the provider's only strategy (an error for providers with several).
    pub fn inject(self) -> Injected<'a> {
        self.record.strategy = Some(None);
        Injected {
            record: self.record,
        }
    }

    /// Injects with the given strategy (`kubricate::strategy::env().container_index(1)`, ...).
    pub fn inject_as(self, strategy: impl Into<Strategy>) -> Injected<'a> {
        self.record.strategy = Some(Some(strategy.into()));
        Injected {
            record: self.record,
        }
    }
}

/// An injection with its strategy; may still choose its resource.
pub struct Injected<'a> {
    record: &'a mut Record,
}

impl Injected<'_> {
    /// Writes into the resource `id` (default: the injector's default, else the stack's only workload).
    pub fn into_resource(self, id: impl Into<String>) -> Self {
        self.record.resource = Some(id.into());
        self
    }
}
