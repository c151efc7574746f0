//! Compile-time checks of resource ids behind `stack!`, by types. Not a stable API.
//!
//! Secret names, strategies and options are checked by types elsewhere (the names struct of each
//! set and the provider marker traits of [`facts`](crate::provider::facts)). Resource ids work the
//! same way, through the resources type of a stack whose template or static resources `stack!` sees
//! in the chain: `.into_resource("id")`, `set_default_resource_id("id")` and
//! `.override(json!({ "id": .. }))` become field accesses on [`Resources::Ids`] (a misspelt id is
//! rustc's "no field"), an injection's resource must have a pod template ([`HasPodTemplate`]), and a
//! stack whose injections name no resource must have exactly one workload (the bounds of
//! [`one_workload`], on [`Resources::Workloads`]). The run-time checks in [`Stack`](crate::Stack)
//! use the same wording, for stacks built otherwise.

use crate::model::resource::kinds::count::{Many, One, Zero};
use crate::model::resource::{HasPodTemplate, ResourceId, Resources};

/// A resources type `R` whose workload count is not zero.
#[diagnostic::on_unimplemented(
    message = "could not resolve the resource to inject into: `{R}` has no workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod)",
    label = "this secret needs a workload to be injected into",
    note = "inject into a stack with a workload, or write to an explicit `target_path`"
)]
pub trait HasAWorkload<R> {}
#[diagnostic::do_not_recommend]
impl<R> HasAWorkload<R> for One {}
#[diagnostic::do_not_recommend]
impl<R> HasAWorkload<R> for Many {}

/// A resources type `R` with at most one workload.
#[diagnostic::on_unimplemented(
    message = "could not resolve the resource to inject into: `{R}` has several workloads",
    label = "choose one with .into_resource(\"...\") or c.set_default_resource_id(\"...\")",
    note = "the resource ids of `{R}` are the fields of its `Resources::Ids` struct"
)]
pub trait AtMostOneWorkload<R> {}
#[diagnostic::do_not_recommend]
impl<R> AtMostOneWorkload<R> for Zero {}
#[diagnostic::do_not_recommend]
impl<R> AtMostOneWorkload<R> for One {}

/// Compiles when `R` has exactly one workload: `stack!` calls it in a `use_secrets` closure whose
/// injections name no resource, spanned on the first secret.
#[inline(always)]
pub fn one_workload<R: Resources>()
where
    R::Workloads: HasAWorkload<R> + AtMostOneWorkload<R>,
{
}

/// The id of a resource a secret is injected into: it must have a pod template.
#[inline(always)]
pub fn workload<K: HasPodTemplate>(id: ResourceId<K>) -> &'static str {
    id.id()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resource::kinds;
    use crate::template::{NamespaceResources, SimpleAppResources};

    #[test]
    fn typed_ids_name_the_resources() {
        let ids = <SimpleAppResources as Resources>::IDS;
        assert_eq!(workload(ids.deployment), "deployment");
        assert_eq!(ids.service.id(), "service");
        let ids = <NamespaceResources as Resources>::IDS;
        assert_eq!(ids.namespace.id(), "namespace");
        one_workload::<SimpleAppResources>();
        let _: ResourceId<kinds::Service> = <SimpleAppResources as Resources>::IDS.service;
    }
}
