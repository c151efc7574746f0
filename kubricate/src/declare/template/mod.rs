//! Templates: functions from an input to a statically known set of resources.
//!
//! `Stack::from_template(SimpleApp, SimpleAppInput { .. })` builds a stack from a template. A template's
//! output type implements [`Resources`], so its resource ids and kinds are known at compile time and
//! `stack!` can check `.into_resource("...")` against them.

mod namespace;
mod simple_app;

pub use namespace::{Namespace, NamespaceIds, NamespaceInput, NamespaceResources};
pub use simple_app::{SimpleApp, SimpleAppIds, SimpleAppInput, SimpleAppResources};

use crate::model::resource::Resources;

/// A stack template.
///
/// ```
/// use kubricate::prelude::*;
/// use serde_json::json;
///
/// #[derive(Resources)]
/// pub struct Worker {
///     worker_deployment: Resource<kinds::Deployment>,
/// }
///
/// pub struct WorkerTemplate;
/// impl Template for WorkerTemplate {
///     type Input<'a> = &'a str;
///     type Output = Worker;
///     fn create(&self, name: &str) -> Worker {
///         Worker {
///             worker_deployment: Resource::new(json!({
///                 "metadata": { "name": name },
///                 "spec": { "template": { "spec": { "containers": [{ "name": name, "image": "worker" }] } } }
///             }))
///             .expect("a Deployment"),
///         }
///     }
/// }
///
/// let stack = Stack::from_template(WorkerTemplate, "jobs");
/// assert_eq!(stack.resource_ids(), vec!["workerDeployment"]);
/// ```
pub trait Template {
    /// What the template takes.
    type Input<'a>;
    /// The resources it makes.
    type Output: Resources;
    /// Makes the resources.
    fn create(&self, input: Self::Input<'_>) -> Self::Output;
    /// A name for the stack, from the input (default: none; the stack id is used).
    fn stack_name(&self, _input: &Self::Input<'_>) -> Option<String> {
        None
    }
}
