//! What an injection writes into a pod: the contract between a provider (which says what to add) and
//! the injection engine (which finds where).

use serde_json::Value;

use crate::model::strategy::ContainerTarget;

/// What an injection adds to a pod.
#[derive(Debug, Clone, PartialEq)]
pub enum PodPatch {
    /// An entry of a container's `env`.
    Env {
        /// Which container.
        container: ContainerTarget,
        /// The `EnvVar` object.
        var: Value,
        /// An explicit path to the env list, instead of the container's.
        target_path: Option<String>,
    },
    /// An entry of a container's `envFrom`.
    EnvFrom {
        /// Which container.
        container: ContainerTarget,
        /// The Secret's name.
        secret: String,
        /// Optional variable prefix.
        prefix: Option<String>,
    },
    /// An entry of the pod's `imagePullSecrets`.
    ImagePullSecret {
        /// The Secret's name.
        name: String,
    },
    /// A pod volume and its mount in a container.
    Volume {
        /// Which container mounts it.
        container: ContainerTarget,
        /// The `Volume` object.
        volume: Value,
        /// The `VolumeMount` object.
        mount: Value,
    },
}
