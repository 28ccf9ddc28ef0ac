//! The `# dfimage: <code>: <text>` notes put on lines whose meaning history cannot fully
//! tell (created-by-formats.md §5). One stable code per case, so users can grep for them;
//! the same codes appear in JSON output.

use std::fmt;

/// What kind of lossy spot a note marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagCode {
    /// L3: a COPY whose files may come from another stage or image.
    CopySourceUnknown,
    /// L4: COPY/ADD sources recorded only as a content hash.
    CopySourcesFromLayer,
    /// L6: BuildKit drops `--from`, `--link`, `--exclude`, and before 1.7 `--chown`/`--chmod`.
    CopyFlagsNotRecorded,
    /// L7: BuildKit drops RUN `--mount`, `--network`, `--security`, `--device`.
    RunFlagsNotRecorded,
    /// L8: a heredoc with a shebang: the body is not in the history.
    HeredocBodyNotRecorded,
    /// The recorded command spans lines and is rendered as a heredoc.
    Heredoc,
    /// L9: an ARG value read from the history entry (declared default or build-arg).
    ArgValueFromHistory,
    /// L9: ARG values seen in later RUN `|N` prefixes.
    ArgValueFromRunPrefix,
    /// A RUN `|N k=v` prefix whose pairs could not be split with certainty.
    ArgPrefixAmbiguous,
    /// L11: argument boundaries were lost (`%v`, exec-form RUN) and are guessed.
    ArgvBoundariesGuessed,
    /// L12: the value in the config differs from the history text; the config wins.
    QuotingFromConfig,
    /// The instruction has no history entry; it is rebuilt from the config.
    FromConfig,
    /// L15: an EXPOSE entry that could not be decoded; ports from the config.
    ExposeFromConfig,
    /// L17: ONBUILD is not in BuildKit history; from the config, position unknown.
    OnbuildFromConfig,
    /// L19: kaniko records no metadata steps; values from the config, order unknown.
    KanikoMetadata,
    /// L25: a non-Dockerfile builder; the output is an equivalent, not the source.
    BuiltBy,
    /// L24: `docker commit`: interactive changes in a container.
    DockerCommit,
    /// L24: `docker import`: a root filesystem tarball.
    DockerImport,
    /// P7: a squash merge entry owning the layer of the steps above.
    Squash,
    /// An LLB file operation of BuildKit's exporter (not a Dockerfile instruction).
    LlbFileOp,
    /// L20: one layer holds the files of several steps.
    OneLayerForSteps,
    /// Build options recorded by buildah (`|inheritLabels=false`, …).
    BuildOptions,
    /// An entry no dialect recognised; shown raw.
    UnknownEntry,
    /// Free text a tool wrote for the image's first layer (`buildah config --created-by`,
    /// umoci, import scripts): not an instruction.
    FreeText,
    /// A Windows base OS layer.
    WindowsBase,
    /// Another tool rewrote or added this entry (regctl, crane).
    Rewritten,
}

impl FlagCode {
    /// The stable code printed after `dfimage:`.
    pub fn code(self) -> &'static str {
        match self {
            Self::CopySourceUnknown => "copy-source-unknown",
            Self::CopySourcesFromLayer => "copy-sources-from-layer",
            Self::CopyFlagsNotRecorded => "copy-flags-not-recorded",
            Self::RunFlagsNotRecorded => "run-flags-not-recorded",
            Self::HeredocBodyNotRecorded => "heredoc-body-not-recorded",
            Self::Heredoc => "heredoc",
            Self::ArgValueFromHistory => "arg-value-from-history",
            Self::ArgValueFromRunPrefix => "arg-value-from-run-prefix",
            Self::ArgPrefixAmbiguous => "arg-prefix-ambiguous",
            Self::ArgvBoundariesGuessed => "argv-boundaries-guessed",
            Self::QuotingFromConfig => "quoting-from-config",
            Self::FromConfig => "from-config",
            Self::ExposeFromConfig => "expose-from-config",
            Self::OnbuildFromConfig => "onbuild-from-config",
            Self::KanikoMetadata => "kaniko-metadata",
            Self::BuiltBy => "built-by",
            Self::DockerCommit => "docker-commit",
            Self::DockerImport => "docker-import",
            Self::Squash => "squash",
            Self::LlbFileOp => "llb-file-op",
            Self::OneLayerForSteps => "one-layer-for-steps",
            Self::BuildOptions => "build-options",
            Self::UnknownEntry => "unknown-entry",
            Self::FreeText => "free-text",
            Self::WindowsBase => "windows-base",
            Self::Rewritten => "rewritten",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Self::CopySourceUnknown => "files may come from another build stage or image",
            Self::CopySourcesFromLayer => {
                "sources recorded only as a content hash; the layer listing shows the files, which may come from another build stage or image"
            }
            Self::CopyFlagsNotRecorded => {
                "BuildKit does not record --from, --link, --exclude (nor --chown/--chmod before dockerfile 1.7); any COPY/ADD may come from another stage"
            }
            Self::RunFlagsNotRecorded => {
                "BuildKit does not record RUN --mount, --network, --security or --device"
            }
            Self::HeredocBodyNotRecorded => {
                "heredoc script with a shebang: its body is not recorded"
            }
            Self::Heredoc => {
                "the recorded command spans lines; rendered as a heredoc (dockerfile 1.4+)"
            }
            Self::ArgValueFromHistory => {
                "value as recorded: the declared default or the --build-arg value, depending on the frontend version"
            }
            Self::ArgValueFromRunPrefix => "value seen in the build-arg prefix of a later RUN",
            Self::ArgPrefixAmbiguous => {
                "the build-arg prefix of this RUN could not be split with certainty"
            }
            Self::ArgvBoundariesGuessed => "argument boundaries were not recorded and are guessed",
            Self::QuotingFromConfig => {
                "value taken from the image config, which differs from the history text"
            }
            Self::FromConfig => "no history entry; rebuilt from the image config",
            Self::ExposeFromConfig => {
                "the history entry could not be decoded; ports from the image config"
            }
            Self::OnbuildFromConfig => {
                "ONBUILD is not recorded in BuildKit history; from the image config, position unknown"
            }
            Self::KanikoMetadata => {
                "kaniko records no history for metadata; from the image config, order unknown"
            }
            Self::BuiltBy => "not built from a Dockerfile; this is an equivalent, not the source",
            Self::DockerCommit => "changes made interactively in a container",
            Self::DockerImport => "a root filesystem imported from a tarball",
            Self::Squash => "squashed: this layer holds the files of the steps above",
            Self::LlbFileOp => "BuildKit LLB file operations, not a Dockerfile instruction",
            Self::OneLayerForSteps => {
                "one layer for several steps: this layer holds the files of the steps above"
            }
            Self::BuildOptions => "build options recorded by buildah",
            Self::UnknownEntry => "history entry not recognised",
            Self::FreeText => {
                "free text a tool recorded for the first layer, not a Dockerfile instruction"
            }
            Self::WindowsBase => "Windows base OS layer",
            Self::Rewritten => "entry added or rewritten by a tool after the build",
        }
    }
}

/// One note: a code, its standard text and an optional detail for this line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Flag {
    /// The case.
    pub code: FlagCode,
    /// Detail for this line (values seen, the raw text), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Flag {
    /// A note with only the standard text.
    pub fn new(code: FlagCode) -> Self {
        Self { code, detail: None }
    }
    /// A note with a detail.
    pub fn with(code: FlagCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: Some(detail.into()),
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dfimage: {}: {}", self.code.code(), self.code.text())?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}
