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
/// // No `fn name` declared: the type's name (declare `fn name(&self) -> &str { "Worker" }` to fix it).
/// assert_eq!(stack.name(), "WorkerTemplate");
/// ```
pub trait Template {
    /// What the template takes.
    type Input<'a>;
    /// The resources it makes.
    type Output: Resources;
    /// Makes the resources.
    fn create(&self, input: Self::Input<'_>) -> Self::Output;
    /// The template's name: the stack's name, written to the `kubricate.thaitype.dev/stack-name`
    /// annotation of every resource (the reference writes its template's name there: `SimpleApp`,
    /// `Namespace`). Declare it; the default is the type's name without its module path
    /// (`WorkerTemplate`), which changes if the type is renamed. `Stack::with_name` overrides it
    /// per stack.
    fn name(&self) -> &str {
        short_type_name(std::any::type_name::<Self>())
    }
}

/// `a::b::Worker<c::D>` -> `Worker`.
fn short_type_name(full: &str) -> &str {
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_name_is_the_type_name_without_its_path() {
        assert_eq!(
            short_type_name("my_crate::stacks::WorkerTemplate"),
            "WorkerTemplate"
        );
        assert_eq!(
            short_type_name("my_crate::Generic<alloc::string::String>"),
            "Generic"
        );
        assert_eq!(short_type_name("Plain"), "Plain");
        assert_eq!(SimpleApp.name(), "SimpleApp");
        assert_eq!(Namespace.name(), "Namespace");
    }
}
