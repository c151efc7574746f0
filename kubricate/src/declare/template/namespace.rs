use serde_json::json;

use super::Template;
use crate::model::resource::{
    kinds, Kind, Resource, ResourceDecl, ResourceId, ResourceMap, Resources,
};

/// A single Namespace, as the reference's `namespaceTemplate`. Resource id: `namespace`.
///
/// ```
/// use kubricate::prelude::*;
/// let stack = Stack::from_template(Namespace, NamespaceInput { name: "production" });
/// assert_eq!(stack.resource_ids(), vec!["namespace"]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Namespace;

/// Input of [`Namespace`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceInput<'a> {
    /// The namespace's name.
    pub name: &'a str,
}

/// Resources of [`Namespace`].
#[derive(Debug, Clone)]
pub struct NamespaceResources {
    /// `namespace`.
    pub namespace: Resource<kinds::Namespace>,
}

/// The resource ids of [`Namespace`] ([`Resources::Ids`]).
#[derive(Debug, Clone, Copy)]
pub struct NamespaceIds {
    /// `namespace`.
    pub namespace: ResourceId<kinds::Namespace>,
}

impl Resources for NamespaceResources {
    type Ids = NamespaceIds;
    const IDS: &'static NamespaceIds = &NamespaceIds {
        namespace: ResourceId::new("namespace"),
    };
    type Workloads = <kinds::Namespace as Kind>::Workloads;
    const RESOURCES: &'static [ResourceDecl] = &[ResourceDecl {
        id: "namespace",
        kind: "Namespace",
    }];
    fn into_resources(self) -> ResourceMap {
        ResourceMap::from([("namespace".to_owned(), self.namespace.into_manifest())])
    }
}

impl Template for Namespace {
    type Input<'a> = NamespaceInput<'a>;
    type Output = NamespaceResources;

    fn create(&self, input: NamespaceInput<'_>) -> NamespaceResources {
        let namespace =
            json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": input.name } });
        NamespaceResources {
            namespace: Resource::trusted(namespace),
        }
    }

    fn name(&self) -> &str {
        "Namespace"
    }
}
