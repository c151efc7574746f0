//! Rendering: built stacks to YAML documents and output files, with kubricate's metadata.
//!
//! ```
//! use kubricate::prelude::*;
//! use kubricate::generate::{render, to_stream, BuiltStack, MetadataOptions, OutputMode, LABEL_STACK_ID};
//!
//! let stack = Stack::from_template(SimpleApp, SimpleAppInput { name: "web", image_name: "nginx", ..Default::default() });
//! let built = BuiltStack { id: "web".into(), name: "web".into(), resources: stack.build().unwrap() };
//! let files = render(&[built], OutputMode::Resource, &MetadataOptions::default(), None).unwrap();
//! let paths: Vec<_> = files.iter().map(|f| f.path.to_str().unwrap()).collect();
//! assert_eq!(paths, ["web/Deployment_deployment.yml", "web/Service_service.yml"]);
//! assert!(files[0].content.contains(&format!("{LABEL_STACK_ID}: web")));
//! assert_eq!(to_stream(&files).matches("\n---\n").count(), 1);
//! ```

use std::path::{Path, PathBuf};

use crate::generate::metadata::{
    add_metadata, check_label_value, MetadataOptions, LABEL_RESOURCE_ID, LABEL_STACK_ID,
};
use crate::generate::rollout::RolloutChecksums;
// RenderedFile lives beside the spool that holds it (the spool must not import the layout).
pub use crate::generate::spool::RenderedFile;
use crate::generate::spool::Spool;
use crate::generate::write::error::OutputError;
use crate::generate::BuiltStack;

/// The one file of [`OutputMode::Flat`].
const FLAT_FILE: &str = "stacks.yml";

/// How files are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputMode {
    /// `<out>/<stackId>.yml` (default).
    #[default]
    Stack,
    /// `<out>/stacks.yml`.
    Flat,
    /// `<out>/<stackId>/<Kind>_<resourceId>.yml`.
    Resource,
}

impl OutputMode {
    /// The name `--output-mode` takes.
    pub fn name(self) -> &'static str {
        match self {
            OutputMode::Stack => "stack",
            OutputMode::Flat => "flat",
            OutputMode::Resource => "resource",
        }
    }
}

/// Why stacks cannot be rendered with the chosen options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A stack id would become a label value Kubernetes rejects.
    #[error(
        "stack id `{stack}` cannot be the value of the label `{label}`: {reason}; {LABEL_FIX}"
    )]
    StackIdLabel {
        /// The stack id.
        stack: String,
        /// The label it would be written to.
        label: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A resource id would become a label value Kubernetes rejects.
    #[error("resource id (of stack `{stack}`) `{resource}` cannot be the value of the label `{label}`: {reason}; {LABEL_FIX}")]
    ResourceIdLabel {
        /// The stack id.
        stack: String,
        /// The resource id.
        resource: String,
        /// The label it would be written to.
        label: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

const LABEL_FIX: &str = "rename it (letters, digits, '-', '_' and '.', at most 63 characters, starting and ending with a letter or digit) or pass --no-labels";

fn check_labels(stack: &BuiltStack) -> Result<(), RenderError> {
    if let Err(reason) = check_label_value(&stack.id) {
        return Err(RenderError::StackIdLabel {
            stack: stack.id.clone(),
            label: LABEL_STACK_ID,
            reason,
        });
    }
    for rid in stack.resources.keys() {
        if let Err(reason) = check_label_value(rid) {
            return Err(RenderError::ResourceIdLabel {
                stack: stack.id.clone(),
                resource: rid.clone(),
                label: LABEL_RESOURCE_ID,
                reason,
            });
        }
    }
    Ok(())
}

/// Renders stacks into files laid out by `mode`: stacks, and resources within a stack, in declaration
/// order, documents separated by `---`.
///
/// `now` is the `managed-at` value, used only when `opts.managed_at` is set; it is a parameter so that
/// one timestamp covers the whole run.
pub fn render(
    stacks: &[BuiltStack],
    mode: OutputMode,
    opts: &MetadataOptions,
    now: Option<&str>,
) -> Result<Vec<RenderedFile>, RenderError> {
    render_owned(stacks.to_vec(), mode, opts, now)
}

/// [`render`] for stacks the caller is done with: the metadata goes into the resources themselves
/// rather than into a copy of each, which at a few thousand resources is a good part of the cost.
pub fn render_owned(
    stacks: Vec<BuiltStack>,
    mode: OutputMode,
    opts: &MetadataOptions,
    now: Option<&str>,
) -> Result<Vec<RenderedFile>, RenderError> {
    let mut renderer = Renderer::new(mode, opts, now);
    for stack in stacks {
        renderer.push(stack)?;
    }
    Ok(renderer.finish())
}

/// Renders stacks one at a time, as they are built.
///
/// Rendering each stack right after building it, rather than building all first, keeps only one
/// stack's resources in memory at a time (at a few thousand stacks, built resources are most of
/// `generate`'s peak memory), and they are still in the CPU cache when they are written.
pub struct Renderer<'a> {
    mode: OutputMode,
    opts: &'a MetadataOptions,
    now: Option<&'a str>,
    rollout: Option<&'a RolloutChecksums>,
    files: Vec<RenderedFile>,
    flat: String,
    flat_docs: usize,
    /// Documents of the flat file already moved to a spool by [`drain_into`](Self::drain_into).
    flat_drained: usize,
    last_len: usize,
}

impl<'a> Renderer<'a> {
    /// Files laid out by `mode`, with the metadata `opts` selects; `now` as in [`render`].
    pub fn new(mode: OutputMode, opts: &'a MetadataOptions, now: Option<&'a str>) -> Self {
        Renderer {
            mode,
            opts,
            now,
            rollout: None,
            files: Vec::new(),
            flat: String::new(),
            flat_docs: 0,
            flat_drained: 0,
            last_len: 0,
        }
    }

    /// Adds the rollout checksum annotation (`generate --secret-checksums`) to every workload that has
    /// one in `checksums`, after the resource hash is taken so that the hash does not change with it.
    pub fn with_rollout(mut self, checksums: &'a RolloutChecksums) -> Self {
        self.rollout = Some(checksums);
        self
    }

    /// Renders the next stack (stacks come out in the order they are pushed). An id that cannot be
    /// a label value is an error when labels are on; the renderer should then be dropped.
    pub fn push(&mut self, mut stack: BuiltStack) -> Result<(), RenderError> {
        if self.opts.labels {
            check_labels(&stack)?;
        }
        let resources = std::mem::take(&mut stack.resources);
        // Stacks of one project tend to be alike, so each stack's text starts at the size of the one
        // before: growing it from empty reallocated (and copied) it a dozen times per stack.
        let mut stack_text = String::with_capacity(self.last_len);
        let mut stack_docs = 0;
        for (rid, mut manifest) in resources {
            add_metadata(manifest.body_mut(), &stack, &rid, self.opts, self.now);
            if let Some(rollout) = self.rollout {
                rollout.annotate(manifest.body_mut(), &stack.id, &rid);
            }
            // Documents are written straight into the file they belong to: a separate buffer per
            // document cost a copy and a string grown from empty for every resource.
            match self.mode {
                OutputMode::Resource => {
                    let mut doc = String::new();
                    crate::yaml::write_document(&mut doc, manifest.body());
                    self.files.push(RenderedFile {
                        path: PathBuf::from(&stack.id)
                            .join(format!("{}_{rid}.yml", manifest.kind())),
                        content: doc,
                        documents: 1,
                    });
                }
                OutputMode::Stack => {
                    separate(&mut stack_text, &mut stack_docs);
                    crate::yaml::write_document(&mut stack_text, manifest.body());
                }
                OutputMode::Flat => {
                    separate(&mut self.flat, &mut self.flat_docs);
                    crate::yaml::write_document(&mut self.flat, manifest.body());
                }
            }
        }
        if self.mode == OutputMode::Stack {
            self.last_len = stack_text.len();
            self.files.push(RenderedFile {
                path: PathBuf::from(format!("{}.yml", stack.id)),
                content: stack_text,
                documents: stack_docs,
            });
        }
        Ok(())
    }

    /// Moves what was rendered so far into `spool`: the finished files, and in flat mode the part of
    /// the one file rendered since the last call. Called after every stack, so that the renderer
    /// only ever holds one stack's text.
    pub fn drain_into(&mut self, spool: &mut Spool) -> Result<(), OutputError> {
        for f in self.files.drain(..) {
            spool.push(&f)?;
        }
        if self.mode == OutputMode::Flat && !self.flat.is_empty() {
            let docs = self.flat_docs - self.flat_drained;
            spool.push_part(Path::new(FLAT_FILE), &self.flat, docs)?;
            self.flat.clear();
            self.flat_drained = self.flat_docs;
        }
        Ok(())
    }

    /// [`finish`](Self::finish) into a spool (the flat file is written even when no stack was).
    pub fn finish_into(mut self, spool: &mut Spool) -> Result<(), OutputError> {
        self.drain_into(spool)?;
        if self.mode == OutputMode::Flat && spool.is_empty() {
            spool.push_part(Path::new(FLAT_FILE), "", 0)?;
        }
        Ok(())
    }

    /// The files, in the order of the stacks pushed.
    pub fn finish(mut self) -> Vec<RenderedFile> {
        if self.mode == OutputMode::Flat {
            self.files.push(RenderedFile {
                path: PathBuf::from(FLAT_FILE),
                content: self.flat,
                documents: self.flat_docs,
            });
        }
        self.files
    }
}

/// Starts the next document of `buf`: a `---` line before every document but the first.
fn separate(buf: &mut String, count: &mut usize) {
    if *count > 0 {
        buf.push_str("---\n");
    }
    *count += 1;
}

/// All documents of `files` as one `---`-separated stream (what `generate --stdout` prints). Files
/// without documents contribute nothing, so the stream never holds an empty document.
pub fn to_stream(files: &[RenderedFile]) -> String {
    let with_docs = || files.iter().filter(|f| f.documents > 0);
    // Sized up front: the stream of a large project is megabytes, and growing it by doubling
    // copies it over and over.
    let mut out = String::with_capacity(with_docs().map(|f| f.content.len() + 4).sum());
    let mut docs = 0;
    for f in with_docs() {
        separate(&mut out, &mut docs);
        out.push_str(&f.content);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resource::ResourceMap;
    use serde_json::json;

    #[test]
    fn renderer_writes_what_render_writes_in_every_mode() {
        let web = crate::Stack::from_template(
            crate::template::SimpleApp,
            crate::template::SimpleAppInput {
                name: "web",
                image_name: "nginx",
                ..Default::default()
            },
        );
        let stacks: Vec<BuiltStack> = ["a", "b"]
            .into_iter()
            .map(|id| BuiltStack {
                id: id.into(),
                name: "web".into(),
                resources: web.build().unwrap(),
            })
            .collect();
        let opts = MetadataOptions::default();
        for mode in [OutputMode::Stack, OutputMode::Flat, OutputMode::Resource] {
            let borrowed = render(&stacks, mode, &opts, None).unwrap();
            assert_eq!(
                render_owned(stacks.clone(), mode, &opts, None).unwrap(),
                borrowed
            );
            let mut renderer = Renderer::new(mode, &opts, None);
            for s in stacks.clone() {
                renderer.push(s).unwrap();
            }
            assert_eq!(renderer.finish(), borrowed);
            // Drained into a spool after every stack (as generate does), in memory and on disk.
            for limit in [usize::MAX, 0] {
                let mut spool = Spool::with_limit(limit);
                let mut renderer = Renderer::new(mode, &opts, None);
                for s in stacks.clone() {
                    renderer.push(s).unwrap();
                    renderer.drain_into(&mut spool).unwrap();
                }
                renderer.finish_into(&mut spool).unwrap();
                let mut buf = Vec::new();
                let spooled: Vec<RenderedFile> = (0..spool.len())
                    .map(|i| {
                        spool.read(i, &mut buf).unwrap();
                        RenderedFile {
                            path: spool.path(i).to_path_buf(),
                            content: String::from_utf8(buf.clone()).unwrap(),
                            documents: spool.files().nth(i).unwrap().documents,
                        }
                    })
                    .collect();
                assert_eq!(spooled, borrowed, "{mode:?}, limit {limit}");
            }
        }
        // A flat run of no stacks still writes its (empty) file.
        let mut spool = Spool::new();
        Renderer::new(OutputMode::Flat, &opts, None)
            .finish_into(&mut spool)
            .unwrap();
        assert_eq!(
            spool
                .files()
                .map(|f| (f.path, f.documents))
                .collect::<Vec<_>>(),
            [(Path::new(FLAT_FILE), 0)]
        );
        let stream = to_stream(&render(&stacks, OutputMode::Stack, &opts, None).unwrap());
        assert_eq!(stream.matches("\n---\n").count(), 3);
        assert_eq!(crate::yaml::from_str_multi(&stream).unwrap().len(), 4);
    }

    #[test]
    fn label_values_follow_kubernetes_rules() {
        for ok in ["apiService", "api.v2", "a", "a-b_c.d", "", &"x".repeat(63)] {
            assert_eq!(check_label_value(ok), Ok(()), "{ok}");
        }
        for bad in ["-a", "a-", "a b", "a/b", "ü", ".a", &"x".repeat(64)] {
            assert!(check_label_value(bad).is_err(), "{bad}");
        }
        let built = |id: &str, rid: &str| BuiltStack {
            id: id.into(),
            name: String::new(),
            resources: ResourceMap::from([(
                rid.to_owned(),
                crate::Manifest::new(json!({ "apiVersion": "v1", "kind": "ConfigMap" })).unwrap(),
            )]),
        };
        let err = render(
            &[built("my stack", "cm")],
            OutputMode::Stack,
            &MetadataOptions::default(),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("stack id `my stack` cannot be the value of the label `kubricate.thaitype.dev/stack-id`"), "{err}");
        assert!(err.contains("--no-labels"), "{err}");
        let err = render(
            &[built("ok", "-cm")],
            OutputMode::Stack,
            &MetadataOptions::default(),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(&err, RenderError::ResourceIdLabel { stack, resource, label, .. }
                if stack == "ok" && resource == "-cm" && *label == LABEL_RESOURCE_ID),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("resource id (of stack `ok`) `-cm`"),
            "{err}"
        );
        let no_labels = MetadataOptions {
            labels: false,
            ..MetadataOptions::default()
        };
        assert!(render(
            &[built("my stack", "cm")],
            OutputMode::Stack,
            &no_labels,
            None
        )
        .is_ok());
    }

    #[test]
    fn stream_joins_documents_and_skips_empty_files() {
        let file = |content: &str, documents| RenderedFile {
            path: PathBuf::from("f.yml"),
            content: content.into(),
            documents,
        };
        let files = [file("a: 1\n", 1), file("", 0), file("b: 2\n---\nc: 3\n", 2)];
        assert_eq!(to_stream(&files), "a: 1\n---\nb: 2\n---\nc: 3\n");
        assert_eq!(to_stream(&[file("", 0)]), "");
    }
}
