//! Secret rules on file paths alone: key files, credential files, keystores, kubeconfigs.
//!
//! Our own list. Matching is on lowercased path components; CA stores and keyrings are left
//! out so every Debian image's `/etc/ssl/certs/*.pem` is not a finding. Pure.

use super::finding::Rule;

/// Exact file names (lowercase) and their rule.
const NAMES: &[(&str, Rule)] = &[
    ("id_rsa", Rule::PrivateKeyFile),
    ("id_dsa", Rule::PrivateKeyFile),
    ("id_ecdsa", Rule::PrivateKeyFile),
    ("id_ecdsa_sk", Rule::PrivateKeyFile),
    ("id_ed25519", Rule::PrivateKeyFile),
    ("id_ed25519_sk", Rule::PrivateKeyFile),
    ("identity", Rule::PrivateKeyFile),
    ("secring.gpg", Rule::PrivateKeyFile),
    (
        "application_default_credentials.json",
        Rule::CloudCredentialsFile,
    ),
    ("credentials.db", Rule::CloudCredentialsFile),
    ("accesstokens.json", Rule::CloudCredentialsFile),
    ("msal_token_cache.json", Rule::CloudCredentialsFile),
    ("azureprofile.json", Rule::CloudCredentialsFile),
    (".s3cfg", Rule::CloudCredentialsFile),
    (".boto", Rule::CloudCredentialsFile),
    (".npmrc", Rule::RegistryCredentialsFile),
    (".pypirc", Rule::RegistryCredentialsFile),
    (".netrc", Rule::RegistryCredentialsFile),
    ("_netrc", Rule::RegistryCredentialsFile),
    (".yarnrc.yml", Rule::RegistryCredentialsFile),
    ("credentials.toml", Rule::RegistryCredentialsFile),
    ("auth.json", Rule::RegistryCredentialsFile),
    (".env", Rule::DotenvFile),
    ("kubeconfig", Rule::KubeconfigFile),
    (".dockercfg", Rule::DockerConfigFile),
    (".git-credentials", Rule::CredentialStoreFile),
    (".pgpass", Rule::CredentialStoreFile),
    (".my.cnf", Rule::CredentialStoreFile),
    (".htpasswd", Rule::CredentialStoreFile),
    (".vault-token", Rule::CredentialStoreFile),
    ("credentials.tfrc.json", Rule::CredentialStoreFile),
    (".terraformrc", Rule::CredentialStoreFile),
    ("terraform.tfstate", Rule::CredentialStoreFile),
];

/// Path endings (lowercase, `/`-separated, whole components) and their rule.
const TAILS: &[(&str, Rule)] = &[
    (".aws/credentials", Rule::CloudCredentialsFile),
    (".config/gcloud/credentials.db", Rule::CloudCredentialsFile),
    (
        ".config/gcloud/access_tokens.db",
        Rule::CloudCredentialsFile,
    ),
    (".azure/accesstokens.json", Rule::CloudCredentialsFile),
    (".kube/config", Rule::KubeconfigFile),
    ("etc/kubernetes/admin.conf", Rule::KubeconfigFile),
    ("etc/rancher/k3s/k3s.yaml", Rule::KubeconfigFile),
    (".docker/config.json", Rule::DockerConfigFile),
    (".config/git/credentials", Rule::CredentialStoreFile),
    (".cargo/credentials", Rule::RegistryCredentialsFile),
    (".gem/credentials", Rule::RegistryCredentialsFile),
    (".composer/auth.json", Rule::RegistryCredentialsFile),
];

/// Extensions (lowercase, with the dot) and their rule.
const EXTENSIONS: &[(&str, Rule)] = &[
    (".key", Rule::PrivateKeyFile),
    (".pem", Rule::PrivateKeyFile),
    (".ppk", Rule::PrivateKeyFile),
    (".jks", Rule::KeystoreFile),
    (".keystore", Rule::KeystoreFile),
    (".p12", Rule::KeystoreFile),
    (".pfx", Rule::KeystoreFile),
    (".bks", Rule::KeystoreFile),
    (".kubeconfig", Rule::KubeconfigFile),
];

/// Dotenv variants that are templates, not secrets.
const DOTENV_TEMPLATES: &[&str] = &[
    "example", "sample", "template", "dist", "defaults", "schema",
];

/// Directory components under which `.pem`/`.key` files are public certificates or keys.
const PUBLIC_KEY_DIRS: &[&str] = &[
    "certs",
    "ca-certificates",
    "ca-trust",
    "keyrings",
    "trusted.gpg.d",
    "certifi",
    "pip",
    "test",
    "tests",
    "testdata",
    "fixtures",
];

/// The rule a path alone triggers, if any.
pub fn scan_name(path: &[u8]) -> Option<Rule> {
    let lower = String::from_utf8_lossy(path).to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if let Some((_, rule)) = NAMES.iter().find(|(n, _)| *n == name) {
        // `identity` and `auth.json` are too common as plain names; keep them where keys live.
        let generic = matches!(name, "identity" | "auth.json" | "credentials.toml");
        if !generic
            || lower.contains("/.ssh/")
            || lower.contains("/.cargo/")
            || lower.contains("containers/")
        {
            return Some(*rule);
        }
    }
    for (tail, rule) in TAILS {
        if lower == *tail || lower.ends_with(&format!("/{tail}")) {
            return Some(*rule);
        }
    }
    if let Some(variant) = name.strip_prefix(".env.") {
        return (!DOTENV_TEMPLATES.contains(&variant)).then_some(Rule::DotenvFile);
    }
    if name.starts_with("ssh_host_") && name.ends_with("_key") {
        return Some(Rule::PrivateKeyFile);
    }
    for (extension, rule) in EXTENSIONS {
        if name.len() > extension.len() && name.ends_with(extension) {
            if *rule == Rule::PrivateKeyFile && in_public_key_dir(&lower) {
                return None;
            }
            return Some(*rule);
        }
    }
    None
}

fn in_public_key_dir(lower_path: &str) -> bool {
    let mut dirs = lower_path.split('/').rev().skip(1);
    dirs.any(|d| PUBLIC_KEY_DIRS.contains(&d))
        || lower_path.contains("ca-bundle")
        || lower_path.contains("cacert")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: &str) -> Option<Rule> {
        scan_name(path.as_bytes())
    }

    #[test]
    fn key_files_are_found_but_ca_stores_and_public_keys_are_not() {
        assert_eq!(rule("root/.ssh/id_rsa"), Some(Rule::PrivateKeyFile));
        assert_eq!(rule("home/app/.ssh/id_ed25519"), Some(Rule::PrivateKeyFile));
        assert_eq!(rule("root/.ssh/id_rsa.pub"), None);
        assert_eq!(rule("app/tls/server.key"), Some(Rule::PrivateKeyFile));
        assert_eq!(rule("app/tls/server.pem"), Some(Rule::PrivateKeyFile));
        assert_eq!(
            rule("etc/ssh/ssh_host_ed25519_key"),
            Some(Rule::PrivateKeyFile)
        );
        assert_eq!(rule("etc/ssh/ssh_host_ed25519_key.pub"), None);
        assert_eq!(rule("etc/ssl/certs/ISRG_Root_X1.pem"), None);
        assert_eq!(rule("usr/share/keyrings/docker.key"), None);
        assert_eq!(
            rule("usr/lib/python3/dist-packages/certifi/cacert.pem"),
            None
        );
        assert_eq!(
            rule("app/identity"),
            None,
            "a bare `identity` outside .ssh is not a key"
        );
        assert_eq!(rule("root/.ssh/identity"), Some(Rule::PrivateKeyFile));
    }

    #[test]
    fn credential_files_are_found_by_name_and_location() {
        assert_eq!(
            rule("root/.aws/credentials"),
            Some(Rule::CloudCredentialsFile)
        );
        assert_eq!(
            rule("root/.config/gcloud/application_default_credentials.json"),
            Some(Rule::CloudCredentialsFile)
        );
        assert_eq!(
            rule("root/.azure/accessTokens.json"),
            Some(Rule::CloudCredentialsFile)
        );
        assert_eq!(rule("app/.npmrc"), Some(Rule::RegistryCredentialsFile));
        assert_eq!(rule("root/.pypirc"), Some(Rule::RegistryCredentialsFile));
        assert_eq!(rule("root/.netrc"), Some(Rule::RegistryCredentialsFile));
        assert_eq!(rule("root/.kube/config"), Some(Rule::KubeconfigFile));
        assert_eq!(rule("app/prod.kubeconfig"), Some(Rule::KubeconfigFile));
        assert_eq!(
            rule("root/.docker/config.json"),
            Some(Rule::DockerConfigFile)
        );
        assert_eq!(
            rule("root/.git-credentials"),
            Some(Rule::CredentialStoreFile)
        );
        assert_eq!(rule("app/keystore.jks"), Some(Rule::KeystoreFile));
        assert_eq!(rule("app/client.P12"), Some(Rule::KeystoreFile));
        assert_eq!(rule("app/config.json"), None);
        assert_eq!(rule("etc/aws/credentials-helper.sh"), None);
        assert_eq!(rule("usr/share/doc/credentials"), None);
    }

    #[test]
    fn dotenv_files_are_found_but_templates_are_not() {
        assert_eq!(rule("app/.env"), Some(Rule::DotenvFile));
        assert_eq!(rule("app/.env.production"), Some(Rule::DotenvFile));
        assert_eq!(rule("app/.env.example"), None);
        assert_eq!(rule("app/.env.sample"), None);
        assert_eq!(rule("app/.envrc"), None);
        assert_eq!(rule("app/env"), None);
    }
}
