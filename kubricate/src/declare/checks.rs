//! Compile-time checks of resource ids behind `stack!`. Not a stable API.
//!
//! Secret names, strategies and options are checked by types (the names struct of each set and the
//! provider marker traits of [`facts`](crate::provider::facts)). What is left here are the facts about
//! a stack's resources that `stack!` can see when the template or the static resources are written
//! in the stack's chain: that an `.into_resource("id")`, `set_default_resource_id("id")` or
//! `.override(json!({ "id": .. }))` names one of its resources, and that a stack whose injections name
//! no resource has exactly one workload. One `const` item per such literal (few: one per stack for
//! the workload check), failing through [`enforce`]. The run-time checks in [`Stack`](crate::Stack)
//! use the same wording.

pub use crate::model::const_str::str_eq;
use crate::model::resource::{ResourceDecl, Resources};
use crate::model::workload::is_workload_kind;

const CAP: usize = 4096;

/// A message built at compile time; empty means "check passed".
pub struct Msg {
    buf: [u8; CAP],
    len: usize,
}

impl Msg {
    /// The empty message: the check passed.
    pub const fn ok() -> Msg {
        Msg {
            buf: [0; CAP],
            len: 0,
        }
    }

    /// Whether the check failed.
    pub const fn is_err(&self) -> bool {
        self.len > 0
    }

    /// Appends `s` whole, or `...` when it does not fit (never splits a character).
    pub const fn push(mut self, s: &str) -> Msg {
        let b = s.as_bytes();
        if self.len + b.len() > CAP - 3 {
            if self.len + 3 <= CAP
                && !(self.len >= 3
                    && self.buf[self.len - 1] == b'.'
                    && self.buf[self.len - 2] == b'.')
            {
                self.buf[self.len] = b'.';
                self.buf[self.len + 1] = b'.';
                self.buf[self.len + 2] = b'.';
                self.len += 3;
            }
            return self;
        }
        let mut i = 0;
        while i < b.len() {
            self.buf[self.len] = b[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends a number.
    pub const fn push_usize(self, n: usize) -> Msg {
        let mut digits = [0u8; 20];
        let mut len = 0;
        let mut n = n;
        loop {
            digits[19 - len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let (_, tail) = digits.split_at(20 - len);
        match core::str::from_utf8(tail) {
            Ok(s) => self.push(s),
            Err(_) => self,
        }
    }

    /// The text.
    pub const fn as_str(&self) -> &str {
        let (head, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(head) {
            Ok(s) => s,
            Err(_) => "kubricate: invalid check message",
        }
    }
}

/// A statically known resource set (a template's output or a `#[derive(Resources)]` struct).
#[derive(Clone, Copy)]
pub struct ResInfo {
    /// What it is, for messages: `stack template` or `static stack`.
    pub what: &'static str,
    /// Its type's name, for messages (`SimpleApp`).
    pub name: &'static str,
    /// Its resources.
    pub resources: &'static [ResourceDecl],
}

impl ResInfo {
    /// The facts of `R`, called `<what> `<name>`` in messages.
    pub const fn of<R: Resources>(what: &'static str, name: &'static str) -> ResInfo {
        ResInfo {
            what,
            name,
            resources: R::RESOURCES,
        }
    }

    const fn kind_of(&self, id: &str) -> Option<&'static str> {
        let mut i = 0;
        while i < self.resources.len() {
            if str_eq(self.resources[i].id, id) {
                return Some(self.resources[i].kind);
            }
            i += 1;
        }
        None
    }

    const fn ids(&self, msg: Msg) -> Msg {
        let mut msg = msg;
        let mut i = 0;
        while i < self.resources.len() {
            if i > 0 {
                msg = msg.push(", ");
            }
            msg = msg.push(self.resources[i].id);
            i += 1;
        }
        msg
    }
}

/// Fails compilation with `msg` when the check failed. `stack!` calls it in `const` items with the
/// span of the user's token; `#[track_caller]` makes rustc report the failure there.
#[track_caller]
// Only ever evaluated by the compiler: this panic is the compile error, never a run-time panic.
#[allow(clippy::panic)]
pub const fn enforce(msg: Msg) {
    if msg.is_err() {
        panic!("{}", msg.as_str());
    }
}

/// Check 3: `id` is a resource of `res` (for `.into_resource(..)` and `set_default_resource_id(..)`).
pub const fn resource_exists(res: &ResInfo, id: &str, explicit_path: bool) -> Msg {
    match res.kind_of(id) {
        Some(kind) => {
            if !explicit_path && !is_workload_kind(kind) {
                return Msg::ok()
                    .push("resource `")
                    .push(id)
                    .push("` of ").push(res.what).push(" `")
                    .push(res.name)
                    .push("` is a ")
                    .push(kind)
                    .push(", which has no pod template; inject into a workload with .into_resource(..)");
            }
            Msg::ok()
        }
        None => {
            let msg = Msg::ok()
                .push("resource `")
                .push(id)
                .push("` not found in ")
                .push(res.what)
                .push(" `")
                .push(res.name)
                .push("`; available resource ids: ");
            res.ids(msg)
                .push(". Use one of them (check `stack.resource_ids()`)")
        }
    }
}

/// `.override(json!({ "id": .. }))` names a resource of `res`.
pub const fn override_target(res: &ResInfo, id: &str) -> Msg {
    if res.kind_of(id).is_some() {
        return Msg::ok();
    }
    let msg = Msg::ok()
        .push("override: resource `")
        .push(id)
        .push("` not found in ")
        .push(res.what)
        .push(" `")
        .push(res.name)
        .push("`; available resource ids: ");
    res.ids(msg)
        .push(". Use one of them (check `stack.resource_ids()`)")
}

/// Check 7: without `.into_resource(..)` or a default, the template has exactly one workload.
pub const fn resource_resolvable(res: &ResInfo, secret: &str) -> Msg {
    let mut count = 0;
    let mut i = 0;
    while i < res.resources.len() {
        if is_workload_kind(res.resources[i].kind) {
            count += 1;
        }
        i += 1;
    }
    if count == 1 {
        return Msg::ok();
    }
    let mut msg = Msg::ok()
        .push("secret `")
        .push(secret)
        .push("`: could not resolve the resource to inject into: ")
        .push(res.what)
        .push(" `")
        .push(res.name);
    if count == 0 {
        msg = msg.push("` has no workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod); resources: ");
        return res.ids(msg);
    }
    msg = msg.push("` has several workloads (");
    let mut first = true;
    let mut i = 0;
    while i < res.resources.len() {
        if is_workload_kind(res.resources[i].kind) {
            if !first {
                msg = msg.push(", ");
            }
            first = false;
            msg = msg.push(res.resources[i].id);
        }
        i += 1;
    }
    msg.push("); choose one with .into_resource(\"...\") or c.set_default_resource_id(\"...\")")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RES: ResInfo = ResInfo {
        what: "stack template",
        name: "T",
        resources: &[
            ResourceDecl {
                id: "web",
                kind: "Deployment",
            },
            ResourceDecl {
                id: "svc",
                kind: "Service",
            },
        ],
    };

    #[test]
    fn messages() {
        assert!(resource_exists(&RES, "nope", false)
            .as_str()
            .contains("available resource ids: web, svc"));
        assert!(resource_exists(&RES, "svc", false)
            .as_str()
            .contains("no pod template"));
        assert!(!resource_exists(&RES, "svc", true).is_err());
        assert!(!resource_resolvable(&RES, "A").is_err());
        assert!(override_target(&RES, "nope")
            .as_str()
            .contains("override: resource `nope`"));
    }

    #[test]
    fn long_messages_are_truncated_cleanly() {
        let mut m = Msg::ok();
        for _ in 0..2000 {
            m = m.push("abc");
        }
        assert!(m.as_str().ends_with("..."));
        assert!(Msg::ok().push_usize(1203).as_str() == "1203");
    }
}
