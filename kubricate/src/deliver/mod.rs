//! The `secret apply` pipeline: connectors load the values, providers prepare Secret entries, the
//! entries are merged per target Secret under the conflict strategies ([`plan`]), the result is
//! checked against what the stacks reference ([`check`]), and [`apply`] hands it to `kubectl`.

pub mod apply;
pub mod check;
pub mod plan;
pub mod secret;
