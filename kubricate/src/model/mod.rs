//! The data kubricate works on, with no IO: manifests and resource kinds, the table of workload kinds,
//! secret values, injection strategies, the patch an injection writes, Kubernetes name rules.

pub mod const_str;
pub mod names;
pub(crate) mod packed;
pub mod pod_patch;
pub mod resource;
pub mod secret_value;
pub mod strategy;
pub mod workload;
