//! Compile-time checks behind `stack!`. Not a stable API.
//!
//! `stack!` turns every fact it cannot check by itself (is this secret declared in that set? does that
//! provider support `envFrom`? does the template have a resource `worker`?) into a `const` item that
//! calls one of these `const fn`s. A failed check yields a message, and the generated item panics with
//! it, so rustc reports it as a compile error at the user's token. The run-time checks in
//! [`Stack`](crate::Stack) use the same wording.

use crate::declare::secret_set::{SecretDecl, SecretSet};
pub use crate::model::const_str::{str_cmp, str_eq};
use crate::model::resource::{ResourceDecl, Resources};
use crate::model::strategy::StrategyKind;
use crate::model::workload::is_workload_kind;
use crate::provider::{KeyRule, ProviderInfo};

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

/// A secret set, as the checks see it.
#[derive(Clone, Copy)]
pub struct SetInfo {
    /// The set's type name.
    pub name: &'static str,
    /// Its secrets.
    pub secrets: &'static [SecretDecl],
    /// Whether names are known at compile time (not for [`Dynamic`](crate::Dynamic) sets).
    pub checked: bool,
    /// Positions in `secrets` ordered by name ([`SecretSet::BY_NAME`]); empty: scan instead.
    pub by_name: &'static [u32],
}

impl SetInfo {
    /// The facts of `S`.
    pub const fn of<S: SecretSet>() -> SetInfo {
        SetInfo {
            name: S::NAME,
            secrets: S::SECRETS,
            checked: S::STATIC,
            by_name: S::BY_NAME,
        }
    }

    const fn find(&self, secret: &str) -> Option<&'static SecretDecl> {
        // Every injection looks its secret up, in the const evaluator, which is slow: a scan of a
        // 200-secret set per injection made most of a crate's check time.
        if self.by_name.len() == self.secrets.len() && !self.secrets.is_empty() {
            let (mut lo, mut hi) = (0, self.by_name.len());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let decl = &self.secrets[self.by_name[mid] as usize];
                match str_cmp(decl.name, secret) {
                    0 => return Some(decl),
                    -1 => lo = mid + 1,
                    _ => hi = mid,
                }
            }
            return None;
        }
        let mut i = 0;
        while i < self.secrets.len() {
            if str_eq(self.secrets[i].name, secret) {
                return Some(&self.secrets[i]);
            }
            i += 1;
        }
        None
    }

    const fn provider(&self, secret: &str) -> Option<&'static ProviderInfo> {
        match self.find(secret) {
            Some(d) => d.provider,
            None => None,
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

/// Which container, as written in the macro.
#[derive(Clone, Copy)]
pub enum Container {
    /// By index.
    Index(usize),
    /// By name.
    Name(&'static str),
}

/// One `c.secrets(..)` chain, as written.
#[derive(Clone, Copy)]
pub struct Inj {
    /// The secret.
    pub secret: &'static str,
    /// The variable name (`for_name`, else the secret).
    pub target: &'static str,
    /// FNV-1a hash of `target`, computed by the macro: most pairs of injections differ in it, and one
    /// integer comparison is far cheaper in the const evaluator than comparing the names.
    pub target_hash: u64,
    /// The secret's provider type, when its set declares one (see [`provider_of`]).
    pub provider: Option<&'static ProviderInfo>,
    /// The strategy kind written in `.inject(kind {..})`, if any.
    pub kind: Option<StrategyKind>,
    /// The `key` option, if written.
    pub key: Option<&'static str>,
    /// `.into_resource(..)`, if written.
    pub resource: Option<&'static str>,
    /// The `set_default_resource_id(..)` in force, if any.
    pub default_resource: Option<&'static str>,
    /// The container.
    pub container: Container,
    /// `init_container_*`.
    pub init: bool,
    /// An explicit `target_path` was given (no pod template needed).
    pub explicit_path: bool,
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

/// The provider type `set` declares for `secret` (`None` when undeclared or not declared with one).
pub const fn provider_of(set: &SetInfo, secret: &str) -> Option<&'static ProviderInfo> {
    set.provider(secret)
}

/// Check 4: the secret is declared in the set.
pub const fn secret_declared(set: &SetInfo, secret: &str) -> Msg {
    if !set.checked || set.find(secret).is_some() {
        return Msg::ok();
    }
    let mut msg = Msg::ok()
        .push("secret `")
        .push(secret)
        .push("` is not declared in the secret set `")
        .push(set.name)
        .push("`; declared: ");
    let mut i = 0;
    while i < set.secrets.len() {
        if i > 0 {
            msg = msg.push(", ");
        }
        msg = msg.push(set.secrets[i].name);
        i += 1;
    }
    if set.secrets.is_empty() {
        msg = msg.push("(none)");
    }
    msg.push(". Add it to the set (or fix the spelling)")
}

const fn kind_list(msg: Msg, info: &ProviderInfo) -> Msg {
    let mut msg = msg;
    let mut i = 0;
    while i < info.strategies.len() {
        if i > 0 {
            msg = msg.push(", ");
        }
        msg = msg.push(info.strategies[i].as_str());
        i += 1;
    }
    msg
}

const fn supports(info: &ProviderInfo, kind: StrategyKind) -> bool {
    let mut i = 0;
    while i < info.strategies.len() {
        if info.strategies[i] as u8 == kind as u8 {
            return true;
        }
        i += 1;
    }
    false
}

/// The kind an injection uses: the written one, else the provider's only one.
const fn effective_kind(inj: &Inj) -> Option<StrategyKind> {
    match inj.kind {
        Some(k) => Some(k),
        None => match inj.provider {
            Some(info) => info.default_strategy(),
            None => None,
        },
    }
}

/// The start of every message of [`strategy_fits`], built only for a failure: a `Msg` is a 4 KiB
/// value that the const evaluator copies at every `push`, and most checks pass.
const fn head(inj: &Inj) -> Msg {
    Msg::ok().push("secret `").push(inj.secret).push("`: ")
}

/// Checks 2, 5 and 6 (provider part): a kind is given when needed, supported, and `key` fits.
pub const fn strategy_fits(inj: &Inj) -> Msg {
    let Some(info) = inj.provider else {
        return Msg::ok();
    };
    let kind = match inj.kind {
        Some(k) => k,
        None => match info.default_strategy() {
            Some(StrategyKind::Volume) => {
                return head(inj).push("the volume strategy needs a mount path: use `.inject(volume { mount_path: \"/etc/...\" })`");
            }
            Some(k) => k,
            None => {
                let msg = head(inj)
                    .push("`.inject()` needs a strategy because ")
                    .push(info.kind)
                    .push(" supports several: ");
                return kind_list(msg, info)
                    .push("; name one, e.g. `.inject(")
                    .push(info.strategies[0].rust_name())
                    .push(" { .. })`");
            }
        },
    };
    if !supports(info, kind) {
        let msg = head(inj)
            .push(info.kind)
            .push(" does not support the `")
            .push(kind.as_str())
            .push("` strategy; it supports: ");
        return kind_list(msg, info);
    }
    if kind as u8 == StrategyKind::Env as u8 {
        match info.env_key {
            KeyRule::SecretName => {
                if inj.key.is_some() {
                    return head(inj)
                        .push("option `key` does not apply to ")
                        .push(info.kind)
                        .push(": its Secret key is the secret's name; remove `key`");
                }
            }
            KeyRule::OneOf(keys) => {
                let mut found = false;
                if let Some(k) = inj.key {
                    let mut i = 0;
                    while i < keys.len() {
                        if str_eq(keys[i], k) {
                            found = true;
                        }
                        i += 1;
                    }
                }
                if !found {
                    let mut msg = head(inj)
                        .push(info.kind)
                        .push(" needs `key` for the `env` strategy, one of: ");
                    let mut i = 0;
                    while i < keys.len() {
                        if i > 0 {
                            msg = msg.push(", ");
                        }
                        msg = msg.push(keys[i]);
                        i += 1;
                    }
                    if let Some(k) = inj.key {
                        msg = msg.push(" (got `").push(k).push("`)");
                    }
                    return msg;
                }
            }
            KeyRule::Checked => {
                if inj.key.is_none() {
                    return head(inj)
                        .push(info.kind)
                        .push(" needs `key` for the `env` strategy");
                }
            }
        }
    }
    Msg::ok()
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

/// The resource an injection resolves to (`None`: unresolvable, reported by [`resource_resolvable`]).
const fn resolve(res: &ResInfo, inj: &Inj) -> Option<&'static str> {
    if let Some(r) = inj.resource {
        return match res.kind_of(r) {
            Some(_) => Some(r),
            None => None,
        };
    }
    if let Some(r) = inj.default_resource {
        return match res.kind_of(r) {
            Some(_) => Some(r),
            None => None,
        };
    }
    let mut found: Option<&'static str> = None;
    let mut i = 0;
    while i < res.resources.len() {
        if is_workload_kind(res.resources[i].kind) {
            if found.is_some() {
                return None;
            }
            found = Some(res.resources[i].id);
        }
        i += 1;
    }
    found
}

/// Check 7: without `.into_resource(..)` or a default, the template has exactly one workload.
pub const fn resource_resolvable(res: &ResInfo, inj: &Inj) -> Msg {
    if inj.resource.is_some() || inj.default_resource.is_some() {
        return Msg::ok();
    }
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
        .push(inj.secret)
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

const fn same_container(a: &Inj, b: &Inj) -> bool {
    if a.init != b.init {
        return false;
    }
    match (a.container, b.container) {
        (Container::Index(x), Container::Index(y)) => x == y,
        (Container::Name(x), Container::Name(y)) => str_eq(x, y),
        _ => false,
    }
}

const fn container_text(msg: Msg, inj: &Inj) -> Msg {
    let msg = msg.push(if inj.init {
        "init container "
    } else {
        "container "
    });
    match inj.container {
        Container::Index(i) => msg.push_usize(i),
        Container::Name(n) => msg.push("`").push(n).push("`"),
    }
}

/// FNV-1a 64 of `s`: the hash `stack!` writes into [`Inj::target_hash`].
pub const fn fnv1a(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < b.len() {
        h ^= b[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// Check 8: no two `env` injections give one container the same variable name.
pub const fn not_duplicated(res: Option<&ResInfo>, inj: &Inj, earlier: &[Inj]) -> Msg {
    let Some(StrategyKind::Env) = effective_kind(inj) else {
        return Msg::ok();
    };
    let mut i = 0;
    while i < earlier.len() {
        let e = &earlier[i];
        i += 1;
        if e.target_hash != inj.target_hash {
            continue;
        }
        let Some(StrategyKind::Env) = effective_kind(e) else {
            continue;
        };
        if inj.explicit_path
            || e.explicit_path
            || !str_eq(e.target, inj.target)
            || !same_container(e, inj)
        {
            continue;
        }
        let (ra, rb) = match res {
            Some(r) => (resolve(r, inj), resolve(r, e)),
            None => (inj.resource, e.resource),
        };
        let same_resource = match (ra, rb) {
            (Some(a), Some(b)) => str_eq(a, b),
            (None, None) => {
                res.is_none() && inj.default_resource.is_none() == e.default_resource.is_none()
            }
            _ => false,
        };
        if !same_resource {
            continue;
        }
        let mut msg = if str_eq(e.secret, inj.secret) {
            Msg::ok()
                .push("secret `")
                .push(inj.secret)
                .push("` is injected twice as `")
                .push(inj.target)
                .push("` into ")
        } else {
            Msg::ok()
                .push("env var `")
                .push(inj.target)
                .push("` is defined twice (by secrets `")
                .push(e.secret)
                .push("` and `")
                .push(inj.secret)
                .push("`) in ")
        };
        msg = container_text(msg, inj);
        if let Some(r) = ra {
            msg = msg.push(" of resource `").push(r).push("`");
        }
        return msg.push("; rename one with .for_name(\"...\") or remove the duplicate");
    }
    Msg::ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ProviderType;

    const SET: SetInfo = SetInfo {
        name: "AppSecrets",
        checked: true,
        by_name: &[],
        secrets: &[
            SecretDecl {
                name: "A",
                provider: Some(&crate::OpaqueSecretProvider::INFO),
                provider_id: None,
                connector: None,
            },
            SecretDecl {
                name: "B",
                provider: Some(&crate::BasicAuthSecretProvider::INFO),
                provider_id: None,
                connector: None,
            },
        ],
    };
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

    fn inj(secret: &'static str) -> Inj {
        Inj {
            secret,
            target: secret,
            target_hash: fnv1a(secret),
            provider: provider_of(&SET, secret),
            kind: None,
            key: None,
            resource: None,
            default_resource: None,
            container: Container::Index(0),
            init: false,
            explicit_path: false,
        }
    }

    #[test]
    fn messages() {
        assert_eq!(secret_declared(&SET, "C").as_str(), "secret `C` is not declared in the secret set `AppSecrets`; declared: A, B. Add it to the set (or fix the spelling)");
        assert!(!secret_declared(&SET, "A").is_err());
        assert!(strategy_fits(&inj("B"))
            .as_str()
            .contains("supports several: env, envFrom"));
        assert!(resource_exists(&RES, "nope", false)
            .as_str()
            .contains("available resource ids: web, svc"));
        assert!(resource_exists(&RES, "svc", false)
            .as_str()
            .contains("no pod template"));
        assert!(!resource_resolvable(&RES, &inj("A")).is_err());
        let dup = not_duplicated(Some(&RES), &inj("A"), &[inj("A")]);
        assert!(
            dup.as_str()
                .contains("injected twice as `A` into container 0 of resource `web`"),
            "{}",
            dup.as_str()
        );
    }

    #[test]
    fn sorted_sets_are_binary_searched_with_the_same_answers() {
        const DECLS: &[SecretDecl] = &[
            SecretDecl {
                name: "MIDDLE",
                provider: Some(&crate::OpaqueSecretProvider::INFO),
                provider_id: None,
                connector: None,
            },
            SecretDecl {
                name: "A_FIRST",
                provider: Some(&crate::BasicAuthSecretProvider::INFO),
                provider_id: None,
                connector: None,
            },
            SecretDecl {
                name: "Z",
                provider: None,
                provider_id: None,
                connector: None,
            },
            SecretDecl {
                name: "MID",
                provider: Some(&crate::TlsSecretProvider::INFO),
                provider_id: None,
                connector: None,
            },
        ];
        let sorted = SetInfo {
            name: "S",
            secrets: DECLS,
            checked: true,
            by_name: &[1, 3, 0, 2],
        };
        let scanned = SetInfo {
            by_name: &[],
            ..sorted
        };
        for name in [
            "MIDDLE", "A_FIRST", "Z", "MID", "", "M", "MIDDLEX", "ZZ", "0",
        ] {
            let (a, b) = (sorted.find(name), scanned.find(name));
            assert_eq!(a.map(|d| d.name), b.map(|d| d.name), "{name}");
            assert_eq!(
                provider_of(&sorted, name).map(|p| p.kind),
                provider_of(&scanned, name).map(|p| p.kind)
            );
        }
        assert!(sorted.find("MID").is_some() && sorted.find("MIDD").is_none());
        assert_eq!(str_cmp("a", "b"), -1);
        assert_eq!(str_cmp("ab", "a"), 1);
        assert_eq!(str_cmp("a", "a"), 0);
        assert_eq!(str_cmp("", "a"), -1);
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
