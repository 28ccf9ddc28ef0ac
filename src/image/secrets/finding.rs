//! What a secret finding is: the rule that fired, where, and the value masked.
//!
//! Plain data shared by the name, content and history scanners. The mask never shows more
//! than four characters of a value. No I/O.

use std::fmt;

use crate::image::layer::EntryPath;

/// The rules, each with a stable kebab-case id (used in text and JSON output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A file named like a private key (`id_rsa`, `*.key`, `*.pem` outside CA stores, SSH host keys).
    PrivateKeyFile,
    /// A cloud provider's credential file (AWS, gcloud, Azure).
    CloudCredentialsFile,
    /// A package registry or transfer credential file (`.npmrc`, `.pypirc`, `.netrc`, …).
    RegistryCredentialsFile,
    /// A dotenv file (`.env`, `.env.production`; not `.env.example`).
    DotenvFile,
    /// A Java or PKCS#12 keystore (`.jks`, `.keystore`, `.p12`, `.pfx`).
    KeystoreFile,
    /// A kubeconfig.
    KubeconfigFile,
    /// A container registry auth file (`.docker/config.json`, `.dockercfg`).
    DockerConfigFile,
    /// A stored git, database or tool credential (`.git-credentials`, `.pgpass`, `.vault-token`, …).
    CredentialStoreFile,
    /// A PEM or OpenSSH private key block.
    PrivateKeyBlock,
    /// An AWS access key id (`AKIA…`, `ASIA…`).
    AwsAccessKeyId,
    /// A GitHub token (`ghp_…`, `github_pat_…`).
    GithubToken,
    /// A GitLab personal access token (`glpat-…`).
    GitlabToken,
    /// A Slack token or incoming-webhook URL.
    SlackToken,
    /// A Google API key (`AIza…`).
    GoogleApiKey,
    /// A Stripe live secret key.
    StripeKey,
    /// An npm access token (`npm_…`).
    NpmToken,
    /// A JSON Web Token.
    Jwt,
    /// A URL with a password (or a token as user name) in it.
    UrlCredentials,
    /// `password=…`, `api_key: …` and the like with a literal value.
    SecretAssignment,
    /// A password or token passed as a command-line argument (`curl -u u:p`, `--password x`).
    CommandLineSecret,
    /// An ENV, ARG or LABEL whose name says secret and whose value is a literal.
    SecretInConfig,
}

impl Rule {
    /// The stable id.
    pub fn id(self) -> &'static str {
        match self {
            Self::PrivateKeyFile => "private-key-file",
            Self::CloudCredentialsFile => "cloud-credentials-file",
            Self::RegistryCredentialsFile => "registry-credentials-file",
            Self::DotenvFile => "dotenv-file",
            Self::KeystoreFile => "keystore-file",
            Self::KubeconfigFile => "kubeconfig-file",
            Self::DockerConfigFile => "docker-config-file",
            Self::CredentialStoreFile => "credential-store-file",
            Self::PrivateKeyBlock => "private-key-block",
            Self::AwsAccessKeyId => "aws-access-key-id",
            Self::GithubToken => "github-token",
            Self::GitlabToken => "gitlab-token",
            Self::SlackToken => "slack-token",
            Self::GoogleApiKey => "google-api-key",
            Self::StripeKey => "stripe-key",
            Self::NpmToken => "npm-token",
            Self::Jwt => "jwt",
            Self::UrlCredentials => "url-credentials",
            Self::SecretAssignment => "secret-assignment",
            Self::CommandLineSecret => "command-line-secret",
            Self::SecretInConfig => "secret-in-config",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Masks a secret value: the first four characters and `****` when the value has at least
/// eight characters, else only `****` (a short value would be half shown).
pub fn mask(value: &str) -> String {
    if value.chars().count() >= 8 {
        let head: String = value.chars().take(4).collect();
        format!("{head}****")
    } else {
        "****".to_owned()
    }
}

/// A finding inside a layer file, before the caller attaches the layer index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileFinding {
    /// The file's path in the layer.
    pub path: EntryPath,
    /// The rule that fired.
    pub rule: Rule,
    /// The masked value, for content rules (name rules have none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<String>,
}

impl FileFinding {
    /// Places the finding in layer `index` (manifest order, zero-based).
    pub fn in_layer(self, index: usize) -> SecretFinding {
        SecretFinding {
            location: Location::File {
                layer: index,
                path: self.path,
            },
            rule: self.rule,
            masked: self.masked,
            value: None,
        }
    }
}

/// Which part of a history step a finding is in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum HistoryField {
    /// An ENV variable of that name.
    Env(String),
    /// A build argument of that name (ARG default or BuildKit's `|N k=v` prefix).
    Arg(String),
    /// A LABEL of that name.
    Label(String),
    /// The RUN command text.
    Run,
    /// The text of another instruction (`CMD`, `ENTRYPOINT`, `HEALTHCHECK`, `ONBUILD`,
    /// `ADD` sources, or an entry that could not be parsed), by keyword.
    Instruction(String),
}

impl fmt::Display for HistoryField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "ENV {name}"),
            Self::Arg(name) => write!(f, "ARG {name}"),
            Self::Label(name) => write!(f, "LABEL {name}"),
            Self::Run => f.write_str("RUN"),
            Self::Instruction(keyword) => f.write_str(keyword),
        }
    }
}

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "in", rename_all = "kebab-case")]
pub enum Location {
    /// A file of a layer.
    File {
        /// Layer index, zero-based, manifest order.
        layer: usize,
        /// The path in the layer.
        path: EntryPath,
    },
    /// A history entry.
    History {
        /// History index, zero-based, oldest first.
        step: usize,
        /// The field.
        field: HistoryField,
    },
    /// The image config's final runtime settings (`Env`, `Labels`, `Cmd`, …), for values
    /// no history entry shows (squashed or history-less images).
    Config {
        /// The field, named as the instruction that sets it.
        field: HistoryField,
    },
}

/// A secret's own text, kept only so that [`super::redact`] can mask it where the
/// recovered Dockerfile repeats it: never serialised, and `Debug` shows only its mask.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    /// Wraps a matched value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The unmasked text (for masking it elsewhere; never print it).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretValue({})", mask(&self.0))
    }
}

/// One likely secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecretFinding {
    /// Where it is.
    pub location: Location,
    /// The rule that fired.
    pub rule: Rule,
    /// The masked value, when the rule matched a value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<String>,
    /// The value itself, for history and config findings (file contents are never
    /// printed, so file findings have none).
    #[serde(skip)]
    pub value: Option<SecretValue>,
}

impl fmt::Display for SecretFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::File { layer, path } => write!(f, "layer {layer} {path}: {}", self.rule)?,
            Location::History { step, field } => {
                write!(f, "history step {step} {field}: {}", self.rule)?;
            }
            Location::Config { field } => write!(f, "config {field}: {}", self.rule)?,
        }
        if let Some(masked) = &self.masked {
            write!(f, " ({masked})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_show_at_most_four_characters() {
        assert_eq!(mask("hunter2hunter2"), "hunt****");
        assert_eq!(mask("12345678"), "1234****");
        assert_eq!(mask("short"), "****");
        assert_eq!(mask("ünïcödé!"), "ünïc****");
    }

    #[test]
    fn findings_display_where_what_and_the_masked_value() {
        let file = FileFinding {
            path: EntryPath::from_bytes(&b"app/.env"[..]),
            rule: Rule::DotenvFile,
            masked: None,
        };
        assert_eq!(
            file.in_layer(3).to_string(),
            "layer 3 app/.env: dotenv-file"
        );
        let history = SecretFinding {
            location: Location::History {
                step: 5,
                field: HistoryField::Env("DB_PASSWORD".into()),
            },
            rule: Rule::SecretInConfig,
            masked: Some(mask("hunter2hunter2")),
            value: Some(SecretValue::new("hunter2hunter2")),
        };
        assert!(!format!("{history:?}").contains("hunter2hunter2"));
        assert_eq!(
            history.to_string(),
            "history step 5 ENV DB_PASSWORD: secret-in-config (hunt****)"
        );
    }
}
