//! Positive and negative cases for every content and history rule.

use super::*;

fn rules(text: &str) -> Vec<(Rule, String)> {
    scan_text(text, ValueStyle::Bare)
        .into_iter()
        .map(|m| (m.rule, m.value))
        .collect()
}

fn code_rules(text: &str) -> Vec<(Rule, String)> {
    scan_text(text, ValueStyle::QuotedOnly)
        .into_iter()
        .map(|m| (m.rule, m.value))
        .collect()
}

#[test]
fn pem_private_key_blocks_are_found_and_certificates_are_not() {
    let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n";
    assert_eq!(
        rules(key),
        vec![(Rule::PrivateKeyBlock, "MIIEowIBAAKCAQEA".to_owned())]
    );
    let openssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n";
    assert_eq!(rules(openssh)[0].0, Rule::PrivateKeyBlock);
    let json = r#"{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\n-----END PRIVATE KEY-----\n"}"#;
    assert!(rules(json).contains(&(Rule::PrivateKeyBlock, "MIIEvQIBADAN".to_owned())));
    assert!(rules("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n").is_empty());
    assert!(rules("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0B\n").is_empty());
}

#[test]
fn provider_tokens_are_found_by_prefix_and_length() {
    let github = format!("ghp_{}", "a1B2".repeat(9));
    let fine_grained = format!("github_pat_{}", "A1b2_".repeat(12));
    let gitlab = format!("glpat-{}", "x1Y2-".repeat(4));
    let slack = "xoxb-1234567890-abcdefghij".to_owned();
    let google = format!("AIza{}", "Sy0_-".repeat(7));
    let stripe = format!("sk_live_{}", "4eC3".repeat(6));
    let npm = format!("npm_{}", "a1B2".repeat(9));
    for (token, rule) in [
        ("AKIAIOSFODNN7EXAMPLE".to_owned(), Rule::AwsAccessKeyId),
        (github, Rule::GithubToken),
        (fine_grained, Rule::GithubToken),
        (gitlab, Rule::GitlabToken),
        (slack, Rule::SlackToken),
        (google, Rule::GoogleApiKey),
        (stripe, Rule::StripeKey),
        (npm, Rule::NpmToken),
    ] {
        assert_eq!(
            rules(&format!("x {token} y")),
            vec![(rule, token.clone())],
            "{token}"
        );
    }
    // Too short, too long, or glued to other characters: not those tokens.
    assert!(rules("AKIAIOSFODNN7EXAMPL").is_empty());
    assert!(rules("AKIAIOSFODNN7EXAMPLEX").is_empty());
    assert!(rules("XAKIAIOSFODNN7EXAMPLE").is_empty());
    assert!(rules("ghp_short").is_empty());
    assert!(rules("the ghp_ prefix and xoxb- are documented").is_empty());
    assert!(
        rules("sk_test_4eC39HqLyjWDarjtT1zdp7dc").is_empty(),
        "test keys are not live keys"
    );
}

#[test]
fn jwts_need_three_segments_with_a_json_header_and_payload() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    assert_eq!(
        rules(&format!("Authorization: Bearer {jwt}")),
        vec![(Rule::Jwt, jwt.to_owned())]
    );
    assert!(rules("eyJhbGciOiJIUzI1NiJ9.notjsonpayload.sig").is_empty());
    assert!(rules("eyJhbGciOiJIUzI1NiJ9").is_empty());
}

#[test]
fn urls_with_passwords_or_token_users_are_found_and_references_are_not() {
    assert_eq!(
        rules("git clone https://deploy:s3cr3tpass@git.example.com/repo.git"),
        vec![(Rule::UrlCredentials, "s3cr3tpass".to_owned())]
    );
    assert_eq!(
        rules("postgres://app:hunter22@db:5432/app"),
        vec![(Rule::UrlCredentials, "hunter22".to_owned())]
    );
    let token_user = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        rules(&format!("https://{token_user}@github.com/o/r")),
        vec![(Rule::UrlCredentials, token_user.to_owned())]
    );
    assert!(rules("https://user:${TOKEN}@git.example.com/r").is_empty());
    assert!(rules("https://user:$PASS@git.example.com/r").is_empty());
    assert!(rules("ssh://git@github.com/o/r.git").is_empty());
    assert!(rules("https://example.com/@scope/pkg").is_empty());
}

#[test]
fn secret_assignments_need_a_secret_name_and_a_literal_value() {
    assert_eq!(
        rules("DB_PASSWORD=hunter22"),
        vec![(Rule::SecretAssignment, "hunter22".to_owned())]
    );
    assert_eq!(
        rules("password: 'c0rrect horse'"),
        vec![(Rule::SecretAssignment, "c0rrect horse".to_owned())]
    );
    assert_eq!(
        rules(r#"{"api_key": "abcd1234efgh"}"#),
        vec![(Rule::SecretAssignment, "abcd1234efgh".to_owned())]
    );
    assert_eq!(
        rules("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        vec![(
            Rule::SecretAssignment,
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned()
        )]
    );
    assert_eq!(
        rules("//registry.npmjs.org/:_authToken=abcdef123456")[0].0,
        Rule::SecretAssignment
    );
    for negative in [
        "PASSWORD_FILE=/run/secrets/db",
        "DB_PASSWORD=$DB_PASSWORD",
        "DB_PASSWORD=${DB_PASSWORD}",
        "password=",
        "password = os.environ.get('X')",
        "if password == 'x'",
        "TOKEN_URL=https://auth.example.com/token",
        "password: <your password here>",
        "password=changeit",
        "secret: ********",
        "tokenizer = bert",
        "GPG_KEY=B42F6819007F00F88E364FD4036A9C25BF357DD4",
        "--mount=type=secret,id=npmrc",
        "Enter the password: ",
    ] {
        assert!(
            rules(negative).is_empty(),
            "{negative}: {:?}",
            rules(negative)
        );
    }
}

#[test]
fn source_code_needs_quoted_literals() {
    assert!(code_rules("password = get_password()").is_empty());
    assert!(code_rules("token = request.headers.token").is_empty());
    assert!(code_rules("password = pw").is_empty());
    assert_eq!(
        code_rules("PASSWORD = \"hunter22\""),
        vec![(Rule::SecretAssignment, "hunter22".to_owned())]
    );
    assert_eq!(
        ValueStyle::for_path(b"app/settings.py"),
        ValueStyle::QuotedOnly
    );
    assert_eq!(ValueStyle::for_path(b"app/.env"), ValueStyle::Bare);
    assert_eq!(ValueStyle::for_path(b"etc/app.conf"), ValueStyle::Bare);
}

#[test]
fn binary_files_are_not_scanned_for_content() {
    assert!(scan_file_content(b"bin/app", b"\x7fELF\0\0password=hunter22").is_empty());
    assert_eq!(
        scan_file_content(b"app/.env", b"DB_PASSWORD=hunter22\n").len(),
        1
    );
}

fn history_rules(findings: Vec<SecretFinding>) -> Vec<(Rule, Option<String>)> {
    findings.into_iter().map(|f| (f.rule, f.masked)).collect()
}

#[test]
fn env_arg_and_label_values_are_secrets_when_named_so_and_literal() {
    assert_eq!(
        history_rules(scan_env(3, "DB_PASSWORD", "hunter22hunter22")),
        vec![(Rule::SecretInConfig, Some("hunt****".to_owned()))]
    );
    assert_eq!(
        scan_env(3, "DB_PASSWORD", "hunter22hunter22")[0].location,
        Location::History {
            step: 3,
            field: HistoryField::Env("DB_PASSWORD".into())
        }
    );
    assert_eq!(
        history_rules(scan_arg(1, "NPM_TOKEN", Some("abcdef123456"))),
        vec![(Rule::SecretInConfig, Some("abcd****".to_owned()))]
    );
    let github = format!("ghp_{}", "a1B2".repeat(9));
    assert_eq!(
        history_rules(scan_label(2, "ci.note", &format!("built with {github}"))),
        vec![(Rule::GithubToken, Some("ghp_****".to_owned()))]
    );
    assert!(scan_env(0, "PASSWORD_FILE", "/run/secrets/x").is_empty());
    assert!(scan_env(0, "PYTHON_VERSION", "3.12.1").is_empty());
    assert!(scan_env(0, "GPG_KEY", "B42F6819007F00F88E364FD4036A9C25BF357DD4").is_empty());
    assert!(scan_env(0, "API_TOKEN", "").is_empty());
    assert!(scan_arg(0, "GITHUB_TOKEN", None).is_empty());
    assert!(scan_arg(0, "GITHUB_TOKEN", Some("$GITHUB_TOKEN")).is_empty());
}

#[test]
fn run_commands_reveal_passwords_and_tokens_on_the_command_line() {
    let cases = [
        (
            "curl -fsSL -u admin:s3cretpass https://repo/x.tgz | tar xz",
            "s3cretpass",
        ),
        ("curl --user=admin:s3cretpass https://repo/x", "s3cretpass"),
        (
            "docker login -u ci -p Sup3rSecret registry.example.com",
            "Sup3rSecret",
        ),
        ("sshpass -p 'hunter22' ssh host", "hunter22"),
        ("mysql -uroot -prootpw123 -e 'select 1'", "rootpw123"),
        ("vault login --token=s.abcdefgh12345", "s.abcdefgh12345"),
        ("tool --api-key abcd1234efgh5678 run", "abcd1234efgh5678"),
        (
            "|2 NPM_TOKEN=abcdef123456 FOO=bar /bin/sh -c npm ci",
            "abcdef123456",
        ),
        ("export GITHUB_TOKEN=abcdef123456 && make", "abcdef123456"),
    ];
    for (command, secret) in cases {
        let found = scan_run(7, command);
        assert_eq!(found.len(), 1, "{command}: {found:?}");
        assert_eq!(
            found[0].masked.as_deref(),
            Some(mask(secret).as_str()),
            "{command}"
        );
        assert_eq!(
            found[0].location,
            Location::History {
                step: 7,
                field: HistoryField::Run
            }
        );
    }
    for negative in [
        "echo \"$PASS\" | docker login -u ci --password-stdin registry",
        "curl -u \"$USER:$PASS\" https://repo/x",
        "npm ci --mount=type=secret,id=npmrc",
        "docker build --secret id=npm,src=.npmrc .",
        "curl -u admin https://repo/x",
        "apt-get install -y --no-install-recommends passwd",
        "mysql -p -e 'select 1'",
        "useradd -m -p '' app",
        "pip install --index-url https://pypi.org/simple token-bucket",
    ] {
        assert!(
            scan_run(0, negative).is_empty(),
            "{negative}: {:?}",
            scan_run(0, negative)
        );
    }
}

/// A config with secrets in history (classic ENV, BuildKit `|N` build args, CMD) and in
/// the final config only (an ENV no step shows, a label).
const CONFIG_WITH_SECRETS: &str = r#"{
  "architecture": "amd64", "os": "linux",
  "config": {
    "Env": ["PATH=/usr/bin", "DB_PASSWORD=hunter22hunter22", "API_TOKEN=fromconfigonly1"],
    "Cmd": ["app", "--password", "Sup3rSecret!"],
    "Labels": {"maintainer.token": "abcd1234efgh"}
  },
  "rootfs": {"type": "layers", "diff_ids": ["sha256:1111111111111111111111111111111111111111111111111111111111111111", "sha256:2222222222222222222222222222222222222222222222222222222222222222"]},
  "history": [
    {"created_by": "/bin/sh -c #(nop) ADD file:0123456789abcdef in / "},
    {"created_by": "/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter22hunter22", "empty_layer": true},
    {"created_by": "RUN |1 NPM_TOKEN=abcdef123456 /bin/sh -c npm ci # buildkit", "comment": "buildkit.dockerfile.v0"},
    {"created_by": "ARG GITHUB_TOKEN", "comment": "buildkit.dockerfile.v0", "empty_layer": true},
    {"created_by": "CMD [\"app\" \"--password\" \"Sup3rSecret!\"]", "comment": "buildkit.dockerfile.v0", "empty_layer": true}
  ]
}"#;

#[test]
fn an_image_scan_covers_history_steps_build_args_and_config_only_values_once() {
    let config = crate::image::parse_config(CONFIG_WITH_SECRETS.as_bytes()).expect("config");
    let annotations = std::collections::BTreeMap::new();
    let recovery = crate::image::recover(&crate::image::RecoverInput {
        config: &config,
        layers: &[],
        annotations: &annotations,
        has_layers: false,
    });
    let found: Vec<String> = scan_image(&recovery.steps, &recovery.runtime)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        vec![
            "history step 1 ENV DB_PASSWORD: secret-in-config (hunt****)",
            "history step 2 ARG NPM_TOKEN: secret-in-config (abcd****)",
            "history step 4 CMD: command-line-secret (Sup3****)",
            "config ENV API_TOKEN: secret-in-config (from****)",
            "config LABEL maintainer.token: secret-in-config (abcd****)",
        ]
    );
}
