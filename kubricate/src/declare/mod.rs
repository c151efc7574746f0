//! What the user declares: secret sets, managers (connectors + providers + secrets), registries of
//! managers, stacks and templates, the `use_secrets` injections, and the `stack!` compile-time checks.

pub mod checks;
pub mod inject;
pub mod manager;
pub mod patch;
pub mod registry;
pub mod secret_set;
pub mod source;
pub mod stack;
pub mod template;
