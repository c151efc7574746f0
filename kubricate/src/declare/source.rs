//! Stacks declared lazily: a [`StackSource`] makes stack *i* when a command reaches it, so that a
//! project of any number of stacks holds one of them at a time; and [`Stacks`], a project's stacks
//! (the ones added one by one, and those of sources) in declaration order.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::ControlFlow;
use std::sync::OnceLock;

use indexmap::IndexMap;

use crate::declare::stack::Stack;

/// Stacks made on demand, by index: what [`Project::stacks_from`](crate::Project::stacks_from) and
/// [`Project::stack_source`](crate::Project::stack_source) declare.
///
/// A command walks the stacks in order, makes each one, uses it and drops it before making the next,
/// so memory does not grow with [`len`](Self::len). It may walk them more than once (`secret
/// validate` builds every stack, then checks their references; the filters of `generate` read
/// resource ids), so a source must make the same stack for the same index every time.
pub trait StackSource: Send + Sync {
    /// The number of stacks.
    fn len(&self) -> usize;

    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id of stack `index` (`0 <= index < len`). Asked more often than [`stack`](Self::stack)
    /// (duplicate ids, filters): it should not make the stack.
    fn id(&self, index: usize) -> String;

    /// Stack `index` (`0 <= index < len`).
    fn stack(&self, index: usize) -> Stack;
}

/// The source of [`Project::stacks_from`](crate::Project::stacks_from): two functions of the index.
pub(crate) struct FnSource<I, S> {
    pub(crate) len: usize,
    pub(crate) id: I,
    pub(crate) stack: S,
}

impl<I, S> StackSource for FnSource<I, S>
where
    I: Fn(usize) -> String + Send + Sync,
    S: Fn(usize) -> Stack + Send + Sync,
{
    fn len(&self) -> usize {
        self.len
    }

    fn id(&self, index: usize) -> String {
        (self.id)(index)
    }

    fn stack(&self, index: usize) -> Stack {
        (self.stack)(index)
    }
}

/// One stack on a walk: held by the project, or made by a source when asked for.
pub(crate) enum StackRef<'a> {
    Held(&'a Stack),
    Made(&'a dyn StackSource, usize),
}

impl<'a> StackRef<'a> {
    /// The stack (a source makes it anew on every call).
    pub(crate) fn get(&self) -> Cow<'a, Stack> {
        match *self {
            StackRef::Held(s) => Cow::Borrowed(s),
            StackRef::Made(source, i) => Cow::Owned(source.stack(i)),
        }
    }
}

/// A project's stacks in declaration order: those added one at a time (kept) and the sources, each at
/// the place it was added.
#[derive(Default)]
pub(crate) struct Stacks {
    held: IndexMap<String, Stack>,
    /// Each source with the number of held stacks added before it.
    sources: Vec<(usize, Box<dyn StackSource>)>,
    /// Ids of source stacks used before (found on the first check, then kept).
    duplicates: OnceLock<Vec<String>>,
}

impl std::fmt::Debug for Stacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.sources.is_empty() {
            return self.held.fmt(f);
        }
        let lens: Vec<usize> = self.sources.iter().map(|(_, s)| s.len()).collect();
        f.debug_struct("Stacks")
            .field("held", &self.held)
            .field("source_lens", &lens)
            .finish()
    }
}

impl From<IndexMap<String, Stack>> for Stacks {
    fn from(held: IndexMap<String, Stack>) -> Stacks {
        Stacks {
            held,
            ..Stacks::default()
        }
    }
}

/// The hash duplicate ids are first sifted by (a match is then compared as a string).
fn id_hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

impl Stacks {
    /// Adds a stack to hold; false if a held stack already has `id` (it is replaced in place).
    pub(crate) fn insert(&mut self, id: String, stack: Stack) -> bool {
        self.duplicates = OnceLock::new();
        self.held.insert(id, stack).is_none()
    }

    /// Adds a source after everything added so far.
    pub(crate) fn add_source(&mut self, source: Box<dyn StackSource>) {
        self.duplicates = OnceLock::new();
        self.sources.push((self.held.len(), source));
    }

    /// The stacks added one at a time.
    pub(crate) fn held(&self) -> &IndexMap<String, Stack> {
        &self.held
    }

    /// The number of stacks, sources' included.
    pub(crate) fn len(&self) -> usize {
        self.held.len() + self.sources.iter().map(|(_, s)| s.len()).sum::<usize>()
    }

    /// Every stack in declaration order, with its id; a source's stack is made only if `f` asks.
    pub(crate) fn walk<'s>(
        &'s self,
        mut f: impl FnMut(&str, &StackRef<'s>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut sources = self.sources.iter().peekable();
        for (pos, (id, stack)) in self.held.iter().enumerate() {
            while let Some((_, source)) = sources.next_if(|(at, _)| *at <= pos) {
                walk_source(source.as_ref(), &mut f)?;
            }
            f(id, &StackRef::Held(stack))?;
        }
        for (_, source) in sources {
            walk_source(source.as_ref(), &mut f)?;
        }
        ControlFlow::Continue(())
    }

    /// Every stack in declaration order, made (a source's) and handed to `f` with its id.
    pub(crate) fn each(
        &self,
        mut f: impl FnMut(&str, &Stack) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.walk(|id, s| f(id, &s.get()))
    }

    /// The stack `id` (the first of that id), made if a source's.
    pub(crate) fn get(&self, id: &str) -> Option<Cow<'_, Stack>> {
        if let Some(s) = self.held.get(id) {
            return Some(Cow::Borrowed(s));
        }
        self.sources.iter().find_map(|(_, source)| {
            (0..source.len())
                .find(|&i| source.id(i) == id)
                .map(|i| Cow::Owned(source.stack(i)))
        })
    }

    /// Ids a source's stack uses again (after a held stack or an earlier source's stack), once per
    /// repeat, in declaration order of the repeats. Held stacks repeating each other are not here:
    /// [`insert`](Self::insert) says so at once.
    ///
    /// Memory: 8 bytes per source stack (a hash of its id), and the ids of those whose hash repeats.
    pub(crate) fn duplicates(&self) -> &[String] {
        self.duplicates.get_or_init(|| {
            if self.sources.is_empty() {
                return Vec::new();
            }
            let mut hashes: Vec<u64> = Vec::with_capacity(self.len());
            hashes.extend(self.held.keys().map(|id| id_hash(id)));
            for (_, source) in &self.sources {
                hashes.extend((0..source.len()).map(|i| id_hash(&source.id(i))));
            }
            hashes.sort_unstable();
            let repeated: HashSet<u64> = hashes
                .windows(2)
                .filter(|w| w[0] == w[1])
                .map(|w| w[0])
                .collect();
            drop(hashes);
            let mut duplicates = Vec::new();
            if repeated.is_empty() {
                return duplicates;
            }
            // Held ids of a repeated hash first: a source's stack repeats them wherever it stands.
            let mut seen: HashSet<String> = self
                .held
                .keys()
                .filter(|id| repeated.contains(&id_hash(id)))
                .cloned()
                .collect();
            for (_, source) in &self.sources {
                for i in 0..source.len() {
                    let id = source.id(i);
                    if repeated.contains(&id_hash(&id)) && !seen.insert(id.clone()) {
                        duplicates.push(id);
                    }
                }
            }
            duplicates
        })
    }
}

fn walk_source<'s>(
    source: &'s dyn StackSource,
    f: &mut impl FnMut(&str, &StackRef<'s>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    for i in 0..source.len() {
        f(&source.id(i), &StackRef::Made(source, i))?;
    }
    ControlFlow::Continue(())
}

/// A walk over stacks, for the code that reads every stack of a project and whose unit tests hand it
/// a list.
pub(crate) trait EachStack {
    /// Hands every stack to `f` in order, until it breaks.
    fn each_stack(&self, f: &mut dyn FnMut(&str, &Stack) -> ControlFlow<()>) -> ControlFlow<()>;
}

impl EachStack for Stacks {
    fn each_stack(&self, f: &mut dyn FnMut(&str, &Stack) -> ControlFlow<()>) -> ControlFlow<()> {
        self.each(f)
    }
}

impl EachStack for [(String, &Stack)] {
    fn each_stack(&self, f: &mut dyn FnMut(&str, &Stack) -> ControlFlow<()>) -> ControlFlow<()> {
        for (id, stack) in self {
            f(id, stack)?;
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
impl<const N: usize> EachStack for [(String, &Stack); N] {
    fn each_stack(&self, f: &mut dyn FnMut(&str, &Stack) -> ControlFlow<()>) -> ControlFlow<()> {
        self.as_slice().each_stack(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::template::{Namespace, NamespaceInput};

    fn ns(name: &str) -> Stack {
        Stack::from_template(Namespace, NamespaceInput { name })
    }

    fn source(ids: &'static [&'static str]) -> Box<dyn StackSource> {
        Box::new(FnSource {
            len: ids.len(),
            id: move |i: usize| ids[i].to_owned(),
            stack: move |i: usize| ns(ids[i]),
        })
    }

    fn ids(stacks: &Stacks) -> Vec<String> {
        let mut out = Vec::new();
        let _ = stacks.each(|id, s| {
            assert_eq!(s.resources()["namespace"].name(), Some(id));
            out.push(id.to_owned());
            ControlFlow::Continue(())
        });
        out
    }

    #[test]
    fn sources_stand_where_they_were_added() {
        let mut stacks = Stacks::default();
        stacks.add_source(source(&["s1", "s2"]));
        assert!(stacks.insert("a".into(), ns("a")));
        stacks.add_source(source(&["s3"]));
        stacks.add_source(source(&[]));
        assert!(stacks.insert("b".into(), ns("b")));
        stacks.add_source(source(&["s4"]));
        assert_eq!(ids(&stacks), ["s1", "s2", "a", "s3", "b", "s4"]);
        assert_eq!(stacks.len(), 6);
        assert_eq!(stacks.held().len(), 2);
        assert!(stacks.duplicates().is_empty());
        assert_eq!(
            stacks.get("s3").map(|s| s.name().to_owned()),
            Some("Namespace".into())
        );
        assert!(stacks.get("nope").is_none());
    }

    #[test]
    fn a_walk_stops_when_asked() {
        let mut stacks = Stacks::default();
        stacks.add_source(source(&["s1", "s2", "s3"]));
        let mut seen = 0;
        let flow = stacks.walk(|_, _| {
            seen += 1;
            if seen == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert!(flow.is_break());
        assert_eq!(seen, 2);
    }

    #[test]
    fn repeated_ids_of_sources_are_found_once_per_repeat() {
        let mut stacks = Stacks::default();
        assert!(stacks.insert("a".into(), ns("a")));
        assert!(!stacks.insert("a".into(), ns("a")));
        stacks.add_source(source(&["x", "a", "y", "x", "x"]));
        stacks.add_source(source(&["y"]));
        assert_eq!(stacks.duplicates(), ["a", "x", "x", "y"]);
        // A held stack added after a source's stack of its id is a repeat too.
        let mut later = Stacks::default();
        later.add_source(source(&["b"]));
        assert!(later.insert("b".into(), ns("b")));
        assert_eq!(later.duplicates(), ["b"]);
    }
}
