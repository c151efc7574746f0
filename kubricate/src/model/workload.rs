//! The workload kinds (kinds that run pods, so secrets can be injected into them) and where each keeps
//! its pod spec: one table, read by the injection engine, the run-time and compile-time checks, the
//! cross-check of references and the messages that list the kinds.

use crate::model::const_str::str_eq;

/// A kind that runs pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// The Kubernetes kind, e.g. `Deployment`.
    pub kind: &'static str,
    /// The object keys from the resource to its pod spec.
    pub pod_spec: &'static [&'static str],
}

const POD_TEMPLATE: &[&str] = &["spec", "template", "spec"];

/// Every workload kind, in the order messages list them.
pub const WORKLOADS: [Workload; 7] = [
    Workload {
        kind: "Deployment",
        pod_spec: POD_TEMPLATE,
    },
    Workload {
        kind: "StatefulSet",
        pod_spec: POD_TEMPLATE,
    },
    Workload {
        kind: "DaemonSet",
        pod_spec: POD_TEMPLATE,
    },
    Workload {
        kind: "ReplicaSet",
        pod_spec: POD_TEMPLATE,
    },
    Workload {
        kind: "Job",
        pod_spec: POD_TEMPLATE,
    },
    Workload {
        kind: "CronJob",
        pod_spec: &["spec", "jobTemplate", "spec", "template", "spec"],
    },
    Workload {
        kind: "Pod",
        pod_spec: &["spec"],
    },
];

/// The table's entry for `kind`.
pub const fn workload(kind: &str) -> Option<&'static Workload> {
    let mut i = 0;
    while i < WORKLOADS.len() {
        if str_eq(WORKLOADS[i].kind, kind) {
            return Some(&WORKLOADS[i]);
        }
        i += 1;
    }
    None
}

/// Whether a kind runs pods (a secret can be injected into it).
pub const fn is_workload_kind(kind: &str) -> bool {
    workload(kind).is_some()
}

/// Where a workload kind keeps its pod spec; `None` for a kind without pods.
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    workload(kind).map(|w| w.pod_spec)
}

/// The kinds for a message, `Deployment, StatefulSet, ... CronJob or Pod` (`last` joins the last two).
pub fn kind_list(last: &str) -> String {
    let mut out = String::new();
    for (i, w) in WORKLOADS.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == WORKLOADS.len() { last } else { ", " });
        }
        out.push_str(w.kind);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_answers_every_question() {
        assert!(
            is_workload_kind("CronJob")
                && !is_workload_kind("Service")
                && !is_workload_kind("deployment")
        );
        assert_eq!(pod_spec_path("Pod"), Some(&["spec"][..]));
        assert_eq!(pod_spec_path("CronJob").map(<[_]>::len), Some(5));
        assert_eq!(pod_spec_path("ConfigMap"), None);
        // The wording every message about workloads uses.
        assert_eq!(
            kind_list(", "),
            "Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod"
        );
        assert_eq!(
            kind_list(" or "),
            "Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod"
        );
    }
}
