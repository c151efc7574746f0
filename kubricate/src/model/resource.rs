//! The resource model: a Kubernetes object as an insertion-ordered JSON tree, with its kind known.
//!
//! [`Manifest`] is any object; [`Resource<K>`] is one whose kind is fixed by the marker type `K`
//! (see [`kinds`]), so that a struct of resources (`#[derive(Resources)]`) tells the compiler every
//! resource id and kind of a template.
//!
//! ```
//! use kubricate::{kinds, Resource};
//! use serde_json::json;
//! let d: Resource<kinds::Deployment> = Resource::new(json!({ "metadata": { "name": "web" } })).unwrap();
//! assert_eq!(d.manifest().api_version(), "apps/v1");
//! assert_eq!(d.manifest().kind(), "Deployment");
//! assert!(Resource::<kinds::Service>::new(json!({ "kind": "Deployment" })).is_err());
//! ```

use std::marker::PhantomData;

use indexmap::IndexMap;
use serde_json::{Map, Value};

/// Resources of a stack by id, in declaration order.
pub type ResourceMap = IndexMap<String, Manifest>;

/// A problem with a resource's shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// Not a JSON object.
    #[error("a Kubernetes resource must be a JSON object with `apiVersion` and `kind`")]
    NotAnObject,
    /// `apiVersion` or `kind` missing.
    #[error(
        "resource has no `{0}` (a string); every Kubernetes object needs `apiVersion` and `kind`"
    )]
    Missing(&'static str),
    /// The object's kind is not the typed resource's kind.
    #[error("expected a {expected} but the object's kind is {found}")]
    KindMismatch {
        /// The kind of `Resource<K>`.
        expected: &'static str,
        /// The object's `kind`.
        found: String,
    },
}

/// Any Kubernetes object.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    body: Value,
}

impl Manifest {
    /// Wraps an object that has string `apiVersion` and `kind`.
    pub fn new(body: Value) -> Result<Manifest, ResourceError> {
        let obj = body.as_object().ok_or(ResourceError::NotAnObject)?;
        for field in ["apiVersion", "kind"] {
            if !obj.get(field).is_some_and(Value::is_string) {
                return Err(ResourceError::Missing(field));
            }
        }
        Ok(Manifest { body })
    }

    /// An object already known to have string `apiVersion` and `kind` (one that was a `Manifest`).
    pub(crate) fn trusted(body: Value) -> Manifest {
        Manifest { body }
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        self.body
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        self.body
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `metadata.name`, if set.
    pub fn name(&self) -> Option<&str> {
        value_at(&self.body, &["metadata", "name"]).and_then(Value::as_str)
    }

    /// `metadata.namespace`, if set.
    pub fn namespace(&self) -> Option<&str> {
        value_at(&self.body, &["metadata", "namespace"]).and_then(Value::as_str)
    }

    /// The whole object.
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// The whole object, mutable. Changing `apiVersion`/`kind` is allowed but rarely what you want.
    pub fn body_mut(&mut self) -> &mut Value {
        &mut self.body
    }

    /// The object.
    pub fn into_value(self) -> Value {
        self.body
    }
}

/// A resource kind known at compile time.
pub trait Kind {
    /// `kind`, e.g. `Deployment`.
    const KIND: &'static str;
    /// `apiVersion`, e.g. `apps/v1`.
    const API_VERSION: &'static str;
    /// How many pod templates an object of this kind has: [`kinds::count::One`] for a workload
    /// (Deployment, StatefulSet, ...), [`kinds::count::Zero`] for any other kind. The typed checks of
    /// `stack!` add these up to tell whether a stack has exactly one workload.
    type Workloads: kinds::count::Count;
}

/// A resource kind with a pod template, which a secret can be injected into. Only the workload
/// kinds implement it, so `stack!`'s `.into_resource("service")` on a Service does not compile.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` has no pod template, so no secret can be injected into it",
    label = "this resource is a `{Self}`",
    note = "inject into a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod) with .into_resource(..), or write to an explicit `target_path`"
)]
pub trait HasPodTemplate: Kind {}

/// The id of one resource of a statically known set, typed by its kind: the fields of a
/// [`Resources::Ids`] struct (`SimpleApp`'s `deployment: ResourceId<kinds::Deployment>`).
pub struct ResourceId<K> {
    id: &'static str,
    kind: PhantomData<fn() -> K>,
}

impl<K> ResourceId<K> {
    /// The id `id` of a resource of kind `K`.
    pub const fn new(id: &'static str) -> Self {
        ResourceId {
            id,
            kind: PhantomData,
        }
    }

    /// The id.
    pub const fn id(&self) -> &'static str {
        self.id
    }
}

impl<K> Clone for ResourceId<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for ResourceId<K> {}

impl<K> std::fmt::Debug for ResourceId<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ResourceId").field(&self.id).finish()
    }
}

impl<K> From<ResourceId<K>> for String {
    fn from(id: ResourceId<K>) -> String {
        id.id.to_owned()
    }
}

/// Marker types for the kinds a template can declare.
pub mod kinds {
    pub mod count {
        //! Workload counts added up by types: how many pod templates a set of resources has, saturating
        //! at [`Many`]. A [`Kind`](super::super::Kind) counts [`One`] or [`Zero`]; a
        //! `#[derive(Resources)]` struct sums its fields' counts into [`Resources::Workloads`](super::super::Resources::Workloads).

        /// No workload.
        #[derive(Debug)]
        pub enum Zero {}
        /// Exactly one workload.
        #[derive(Debug)]
        pub enum One {}
        /// Two or more workloads.
        #[derive(Debug)]
        pub enum Many {}

        /// [`Zero`], [`One`] or [`Many`].
        pub trait Count {
            /// The count, saturated at 2.
            const N: usize;
        }
        impl Count for Zero {
            const N: usize = 0;
        }
        impl Count for One {
            const N: usize = 1;
        }
        impl Count for Many {
            const N: usize = 2;
        }

        /// `Self + B`, saturating.
        pub trait Add<B: Count>: Count {
            /// The sum.
            type Out: Count;
        }
        impl<B: Count> Add<B> for Zero {
            type Out = B;
        }
        impl Add<Zero> for One {
            type Out = One;
        }
        impl Add<One> for One {
            type Out = Many;
        }
        impl Add<Many> for One {
            type Out = Many;
        }
        impl<B: Count> Add<B> for Many {
            type Out = Many;
        }

        /// `A + B`.
        pub type Sum<A, B> = <A as Add<B>>::Out;
    }

    macro_rules! kinds {
        (@pods $name:ident, One) => {
            // The error names the fix (the note of `HasPodTemplate`) rather than listing these.
            #[diagnostic::do_not_recommend]
            impl super::HasPodTemplate for $name {}
        };
        (@pods $name:ident, Zero) => {};
        ($($name:ident => $api:literal, $pods:ident),* $(,)?) => {$(
            #[doc = concat!("`", $api, "` `", stringify!($name), "`.")]
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $name;
            impl super::Kind for $name {
                const KIND: &'static str = stringify!($name);
                const API_VERSION: &'static str = $api;
                type Workloads = count::$pods;
            }
            kinds!(@pods $name, $pods);
        )*};
    }
    // `One`: the kinds of `model::workload`'s table (a unit test keeps them equal).
    kinds! {
        Deployment => "apps/v1", One,
        StatefulSet => "apps/v1", One,
        DaemonSet => "apps/v1", One,
        ReplicaSet => "apps/v1", One,
        Job => "batch/v1", One,
        CronJob => "batch/v1", One,
        Pod => "v1", One,
        Service => "v1", Zero,
        Namespace => "v1", Zero,
        ConfigMap => "v1", Zero,
        Secret => "v1", Zero,
        ServiceAccount => "v1", Zero,
        PersistentVolumeClaim => "v1", Zero,
        Ingress => "networking.k8s.io/v1", Zero,
        HorizontalPodAutoscaler => "autoscaling/v2", Zero,
        PodDisruptionBudget => "policy/v1", Zero,
        NetworkPolicy => "networking.k8s.io/v1", Zero,
        Role => "rbac.authorization.k8s.io/v1", Zero,
        RoleBinding => "rbac.authorization.k8s.io/v1", Zero,
    }

    #[cfg(test)]
    mod tests {
        use super::count::Count;
        use super::*;
        use crate::model::workload::is_workload_kind;
        use crate::Kind;

        fn agrees<K: Kind>() {
            assert_eq!(
                is_workload_kind(K::KIND),
                <K::Workloads as Count>::N == 1,
                "{}: the kinds! table and the workload table disagree",
                K::KIND
            );
        }

        #[test]
        fn workload_counts_match_the_workload_table() {
            agrees::<Deployment>();
            agrees::<StatefulSet>();
            agrees::<DaemonSet>();
            agrees::<ReplicaSet>();
            agrees::<Job>();
            agrees::<CronJob>();
            agrees::<Pod>();
            agrees::<Service>();
            agrees::<Namespace>();
            agrees::<ConfigMap>();
            agrees::<Secret>();
            agrees::<ServiceAccount>();
            agrees::<PersistentVolumeClaim>();
            agrees::<Ingress>();
            agrees::<HorizontalPodAutoscaler>();
            agrees::<PodDisruptionBudget>();
            agrees::<NetworkPolicy>();
            agrees::<Role>();
            agrees::<RoleBinding>();
        }
    }
}

/// An object of kind `K`.
pub struct Resource<K: Kind> {
    manifest: Manifest,
    kind: PhantomData<K>,
}

impl<K: Kind> Clone for Resource<K> {
    fn clone(&self) -> Self {
        Resource {
            manifest: self.manifest.clone(),
            kind: PhantomData,
        }
    }
}

impl<K: Kind> std::fmt::Debug for Resource<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Resource")
            .field(&self.manifest.body)
            .finish()
    }
}

impl<K: Kind> Resource<K> {
    /// Wraps an object, filling `apiVersion` and `kind` when absent (they come first in the output).
    pub fn new(body: Value) -> Result<Self, ResourceError> {
        let Value::Object(obj) = body else {
            return Err(ResourceError::NotAnObject);
        };
        if let Some(found) = obj.get("kind") {
            if found.as_str() != Some(K::KIND) {
                return Err(ResourceError::KindMismatch {
                    expected: K::KIND,
                    found: found.to_string(),
                });
            }
        }
        let mut ordered = serde_json::Map::with_capacity(obj.len() + 2);
        ordered.insert(
            "apiVersion".into(),
            obj.get("apiVersion")
                .cloned()
                .unwrap_or_else(|| Value::from(K::API_VERSION)),
        );
        ordered.insert("kind".into(), Value::from(K::KIND));
        for (k, v) in obj {
            if k != "apiVersion" && k != "kind" {
                ordered.insert(k, v);
            }
        }
        Ok(Resource {
            manifest: Manifest::new(Value::Object(ordered))?,
            kind: PhantomData,
        })
    }

    /// Wraps an object this crate built with the right `apiVersion` and `kind` (templates).
    pub(crate) fn trusted(body: Value) -> Self {
        Resource {
            manifest: Manifest { body },
            kind: PhantomData,
        }
    }

    /// The object.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The object, untyped.
    pub fn into_manifest(self) -> Manifest {
        self.manifest
    }
}

/// One resource of a statically known set: its id and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDecl {
    /// Resource id (`deployment`, `webDeployment`).
    pub id: &'static str,
    /// Kind (`Deployment`).
    pub kind: &'static str,
}

/// A set of resources whose ids and kinds are known at compile time.
///
/// Implement it with `#[derive(Resources)]` on a struct of [`Resource<K>`] fields: the field
/// `web_deployment: Resource<kinds::Deployment>` declares the id `webDeployment` of kind `Deployment`
/// (`#[resource(id = "...")]` overrides the id).
pub trait Resources {
    /// Ids and kinds, in declaration order.
    const RESOURCES: &'static [ResourceDecl];
    /// One public field per resource id, typed by its kind (`deployment: ResourceId<kinds::Deployment>`):
    /// `stack!` rewrites `.into_resource("deployment")` into a field access on it, so a misspelt id is
    /// rustc's "no field", with its "a field with a similar name exists". The derive names it
    /// `<Struct>Ids`; an id that no Rust identifier spells (`my-app`) has no field and is checked at
    /// run time.
    type Ids: 'static;
    /// The ids.
    const IDS: &'static Self::Ids;
    /// How many of the resources are workloads ([`kinds::count`]), for the check that a stack whose
    /// injections name no resource has exactly one.
    type Workloads: kinds::count::Count;
    /// The resources by id.
    fn into_resources(self) -> ResourceMap;
}

/// The value at `keys` (object keys only) under `v`.
///
/// Used instead of `Value::pointer` on paths that run per injection or per reference: `pointer`
/// parses its string and allocates two `String`s per segment on every call.
pub(crate) fn value_at<'v>(v: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().try_fold(v, |v, k| field(v.as_object()?, k))
}

/// Objects up to this many keys are searched by scanning rather than by hashing the key.
const SCAN_KEYS: usize = 8;

/// `obj[key]`. Kubernetes objects mostly have a handful of keys, and the injection engine looks
/// several up per injection: comparing a few short strings is cheaper than hashing the key with
/// the map's SipHash.
pub(crate) fn field<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    if obj.len() <= SCAN_KEYS {
        obj.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        obj.get(key)
    }
}

/// [`field`], mutable.
pub(crate) fn field_mut<'v>(obj: &'v mut Map<String, Value>, key: &str) -> Option<&'v mut Value> {
    if obj.len() <= SCAN_KEYS {
        obj.iter_mut().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        obj.get_mut(key)
    }
}

#[cfg(feature = "k8s-openapi")]
mod typed {
    //! Conversions from `k8s-openapi` objects (enable one of its `v1_*` features in your crate).
    use super::{kinds, Resource, ResourceError};

    macro_rules! typed {
        ($($ty:path => $kind:ident),* $(,)?) => {$(
            impl TryFrom<$ty> for Resource<kinds::$kind> {
                type Error = ResourceError;
                fn try_from(obj: $ty) -> Result<Self, ResourceError> {
                    let value = serde_json::to_value(&obj).map_err(|_| ResourceError::NotAnObject)?;
                    Resource::new(value)
                }
            }
            impl From<Resource<kinds::$kind>> for serde_json::Value {
                fn from(r: Resource<kinds::$kind>) -> Self {
                    r.into_manifest().into_value()
                }
            }
        )*};
    }
    typed! {
        k8s_openapi::api::apps::v1::Deployment => Deployment,
        k8s_openapi::api::apps::v1::StatefulSet => StatefulSet,
        k8s_openapi::api::apps::v1::DaemonSet => DaemonSet,
        k8s_openapi::api::batch::v1::Job => Job,
        k8s_openapi::api::batch::v1::CronJob => CronJob,
        k8s_openapi::api::core::v1::Pod => Pod,
        k8s_openapi::api::core::v1::Service => Service,
        k8s_openapi::api::core::v1::Namespace => Namespace,
        k8s_openapi::api::core::v1::Secret => Secret,
        k8s_openapi::api::core::v1::ConfigMap => ConfigMap,
    }

    impl<K: super::Kind> Resource<K> {
        /// Converts back into a typed `k8s-openapi` object.
        pub fn to_typed<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
            serde_json::from_value(self.manifest().body().clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_resource_orders_api_version_and_kind_first() {
        let r: Resource<kinds::Service> =
            Resource::new(json!({ "metadata": { "name": "s" }, "spec": {} })).unwrap();
        let keys: Vec<_> = r
            .manifest()
            .body()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec"]);
    }

    #[test]
    fn manifest_requires_api_version_and_kind() {
        assert_eq!(
            Manifest::new(json!({ "kind": "Pod" })),
            Err(ResourceError::Missing("apiVersion"))
        );
        assert_eq!(Manifest::new(json!([])), Err(ResourceError::NotAnObject));
    }
}
