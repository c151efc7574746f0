//! `inspect --graph`: the wiring of a project as a picture, managers → providers → Secrets → stacks →
//! resources → containers, with the variable names on the edges. Built from declarations only: no
//! value is loaded, and none could appear.
//!
//! Two notations: Graphviz DOT (`dot -Tsvg`) and a Mermaid flowchart (rendered by GitHub and GitLab
//! in Markdown). Node ids are assigned in declaration order, so the same project gives the same text.

use std::ops::ControlFlow;

use indexmap::IndexMap;

use crate::declare::manager::AnySecretManager;
use crate::declare::source::Stacks;
use crate::declare::stack::Stack;
use crate::model::strategy::{ContainerSelector, ContainerTarget};
use crate::model::workload::pod_spec_path;

/// The notation of `inspect --graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[non_exhaustive]
pub enum GraphFormat {
    /// Graphviz DOT.
    #[default]
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// One node: its group (a stack's cluster, or none) and its label.
struct Node {
    label: String,
    cluster: Option<usize>,
    shape: &'static str,
}

/// The graph before it is written in a notation.
#[derive(Default)]
struct Graph {
    nodes: IndexMap<String, Node>,
    clusters: Vec<String>,
    edges: Vec<(usize, usize, String)>,
}

impl Graph {
    fn node(
        &mut self,
        key: String,
        label: String,
        cluster: Option<usize>,
        shape: &'static str,
    ) -> usize {
        let entry = self.nodes.entry(key);
        let index = entry.index();
        entry.or_insert(Node {
            label,
            cluster,
            shape,
        });
        index
    }

    fn edge(&mut self, from: usize, to: usize, label: impl Into<String>) {
        let e = (from, to, label.into());
        if !self.edges.contains(&e) {
            self.edges.push(e);
        }
    }
}

/// The wiring of `stacks` and `managers` in `format`.
pub fn render(
    stacks: &Stacks,
    managers: &[(String, AnySecretManager)],
    format: GraphFormat,
) -> String {
    let mut g = Graph::default();
    let manager_name = |id: u64| {
        managers
            .iter()
            .find(|(_, m)| m.id == id)
            .map_or("(not in the project)", |(n, _)| n.as_str())
    };
    for (name, m) in managers {
        let mn = g.node(format!("m/{name}"), format!("manager {name}"), None, "box");
        for (pid, p) in &m.providers {
            let pn = g.node(
                format!("p/{name}/{pid}"),
                format!("provider {pid}"),
                None,
                "component",
            );
            g.edge(mn, pn, "");
            let sn = secret_node(&mut g, p.secret_name());
            g.edge(pn, sn, "");
        }
    }
    let _ = stacks.each(|stack_id, stack| {
        let cluster = g.clusters.len();
        g.clusters.push(format!("stack {stack_id}"));
        for (rid, r) in stack.resources() {
            g.node(
                format!("r/{stack_id}/{rid}"),
                format!("{} {rid}", r.kind()),
                Some(cluster),
                "box",
            );
        }
        for inj in stack.injections() {
            let mname = manager_name(inj.manager_id());
            let pn = g.node(
                format!("p/{mname}/{}", inj.provider_id()),
                format!("provider {}", inj.provider_id()),
                None,
                "component",
            );
            let sn = secret_node(&mut g, inj.provider().secret_name());
            g.edge(pn, sn, "");
            let rn = g.node(
                format!("r/{stack_id}/{}", inj.resource_id()),
                inj.resource_id().to_owned(),
                Some(cluster),
                "box",
            );
            let kind = inj.strategy().kind().to_string();
            match inj.strategy().container() {
                Some(c) => {
                    let label = container_label(stack, inj.resource_id(), c);
                    // Keyed by the resolved label: `container_index: 1` and `container_name: "x"`
                    // for the same container are one node.
                    let cn = g.node(
                        format!("c/{stack_id}/{}/{label}", inj.resource_id()),
                        label,
                        Some(cluster),
                        "ellipse",
                    );
                    g.edge(rn, cn, "");
                    g.edge(sn, cn, format!("{} ({kind})", inj.target_name()));
                }
                None => g.edge(sn, rn, kind),
            }
        }
        ControlFlow::Continue(())
    });
    match format {
        GraphFormat::Dot => dot(&g),
        GraphFormat::Mermaid => mermaid(&g),
    }
}

/// `container api`, `init container db-migrate`: the container's own name where the resource
/// declares it, else how the injection selects it (`container 1`).
fn container_label(stack: &Stack, resource_id: &str, target: &ContainerTarget) -> String {
    let which = if target.init {
        "init container"
    } else {
        "container"
    };
    let name = match &target.selector {
        ContainerSelector::Name(n) => Some(n.clone()),
        ContainerSelector::Index(i) => stack.resources().get(resource_id).and_then(|r| {
            let mut pod = r.body();
            for seg in pod_spec_path(r.kind())? {
                pod = pod.get(*seg)?;
            }
            pod.get(target.list_field())?
                .get(*i)?
                .get("name")?
                .as_str()
                .map(str::to_owned)
        }),
    };
    match name {
        Some(n) => format!("{which} {n}"),
        None => target.to_string(),
    }
}

fn secret_node(g: &mut Graph, name: &str) -> usize {
    g.node(format!("s/{name}"), format!("Secret {name}"), None, "note")
}

/// A DOT string literal: quotes and backslashes escaped, line breaks as `\n`.
fn dot_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The node layout both formats share: the nodes outside any cluster, then each cluster (opened by
/// `open`, closed by `close`) with its nodes, in node order; `line` writes one node.
fn write_nodes(
    out: &mut String,
    g: &Graph,
    line: impl Fn(&mut String, &str, usize, &Node),
    open: impl Fn(&mut String, usize, &str),
    close: &str,
) {
    for (i, n) in g
        .nodes
        .values()
        .enumerate()
        .filter(|(_, n)| n.cluster.is_none())
    {
        line(out, "  ", i, n);
    }
    for (c, title) in g.clusters.iter().enumerate() {
        open(out, c, title);
        for (i, n) in g.nodes.values().enumerate() {
            if n.cluster == Some(c) {
                line(out, "    ", i, n);
            }
        }
        out.push_str(close);
    }
}

fn dot(g: &Graph) -> String {
    let mut out = String::from(
        "digraph kubricate {\n  rankdir=LR;\n  ranksep=1.1;\n  graph [fontname=\"Helvetica\", labeljust=l];\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    let line = |out: &mut String, indent: &str, i: usize, n: &Node| {
        out.push_str(&format!(
            "{indent}n{i} [label={}, shape={}];\n",
            dot_str(&n.label),
            n.shape
        ));
    };
    write_nodes(
        &mut out,
        g,
        line,
        |out, c, title| {
            out.push_str(&format!(
                "  subgraph cluster_{c} {{\n    label={};\n",
                dot_str(title)
            ))
        },
        "  }\n",
    );
    for (a, b, label) in &g.edges {
        if label.is_empty() {
            out.push_str(&format!("  n{a} -> n{b};\n"));
        } else {
            out.push_str(&format!("  n{a} -> n{b} [label={}];\n", dot_str(label)));
        }
    }
    out.push_str("}\n");
    out
}

/// A Mermaid label: inside `"..."`, with `"` and the characters Mermaid reads as markup as entities.
fn mermaid_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn mermaid(g: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    let line = |out: &mut String, indent: &str, i: usize, n: &Node| {
        let label = mermaid_str(&n.label);
        let shaped = match n.shape {
            "ellipse" => format!("n{i}([{label}])"),
            "note" => format!("n{i}[/{label}/]"),
            "component" => format!("n{i}[[{label}]]"),
            _ => format!("n{i}[{label}]"),
        };
        out.push_str(&format!("{indent}{shaped}\n"));
    };
    write_nodes(
        &mut out,
        g,
        line,
        |out, c, title| {
            out.push_str(&format!(
                "  subgraph cluster_{c} [{}]\n",
                mermaid_str(title)
            ))
        },
        "  end\n",
    );
    for (a, b, label) in &g.edges {
        if label.is_empty() {
            out.push_str(&format!("  n{a} --> n{b}\n"));
        } else {
            out.push_str(&format!("  n{a} -->|{}| n{b}\n", mermaid_str(label)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn one_node_per_container_however_selected_and_pull_secrets_point_at_the_resource() {
        let m = SecretManager::new()
            .connector(InMemoryConnector::new([("A", "a")]))
            .provider(OpaqueSecretProvider::new("app"))
            .provider(DockerConfigSecretProvider::new("regcred"))
            .default_provider("OpaqueSecretProvider")
            .add_secret("A")
            .add_secret("B")
            .add_secret(crate::SecretSpec::new("REG").provider("DockerConfigSecretProvider"));
        let stack = Stack::from_template(
            SimpleApp,
            SimpleAppInput {
                name: "web \"quoted\"",
                image_name: "web",
                ..Default::default()
            },
        )
        .use_secrets(&m, |c| {
            c.secrets("A").inject();
            c.secrets("B")
                .inject_as(crate::strategy::env().container_name("web \"quoted\""));
            c.secrets("REG").inject();
        });
        assert_eq!(stack.injections().len(), 3, "{:?}", stack.build().err());
        let stacks = Stacks::from(IndexMap::from([("web".to_owned(), stack)]));
        let managers: Vec<(String, AnySecretManager)> = vec![("team".to_owned(), m.into())];
        let dot = render(&stacks, &managers, GraphFormat::Dot);
        assert_eq!(
            dot.matches("label=\"container web \\\"quoted\\\"\"")
                .count(),
            1,
            "{dot}"
        );
        assert!(dot.contains("[label=\"A (env)\"]") && dot.contains("[label=\"B (env)\"]"));
        assert!(dot.contains("[label=\"imagePullSecret\"]"), "{dot}");
        assert_eq!(
            dot,
            render(&stacks, &managers, GraphFormat::Dot),
            "deterministic"
        );
        let mermaid = render(&stacks, &managers, GraphFormat::Mermaid);
        assert!(
            mermaid.contains("([\"container web #quot;quoted#quot;\"])"),
            "{mermaid}"
        );
    }

    #[test]
    fn labels_are_escaped_for_each_notation() {
        assert_eq!(dot_str("a \"b\" \\ c\nd"), r#""a \"b\" \\ c\nd""#);
        assert_eq!(
            mermaid_str("x \"y\" <z> | #"),
            "\"x #quot;y#quot; #lt;z#gt; #124; #35;\""
        );
    }
}
