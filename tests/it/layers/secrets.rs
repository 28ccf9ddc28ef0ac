//! The secret scan inside the layer walk.

use super::*;

#[test]
fn secrets_are_found_by_name_and_content_in_the_same_pass_as_the_listing() {
    let key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    let big_env = [b"DB_PASSWORD=hunter22\n".as_slice(), &vec![b'#'; 70 * 1024]].concat();
    let tar = LayerTar::new()
        .file_as(b"root/.ssh/id_ed25519", key, 0o600, (0, 0))
        .file(
            "app/.env",
            b"DB_PASSWORD=hunter22hunter22\nPASSWORD_FILE=/run/secrets/db\n",
        )
        .file(
            "app/config.yaml",
            b"upstream: https://deploy:t0ps3cretpw@git.example.com/r.git\n",
        )
        .file("app/README.md", b"Set password: in the config.\n")
        .file_as(b"big/.env", &big_env, 0o644, (0, 0))
        .finish();
    let listing = list(
        &gzip(&tar),
        GZIP,
        ListOptions::for_text(50, true).with_secrets(),
    );
    assert_eq!(
        listing.entries.len(),
        5,
        "scanning does not change the listing"
    );
    assert_eq!(
        listing.diff_id,
        sha256(&tar),
        "reading file data for scanning keeps the digest whole"
    );
    let found: Vec<String> = listing
        .secrets
        .iter()
        .cloned()
        .map(|f| f.in_layer(2).to_string())
        .collect();
    assert_eq!(
        found,
        vec![
            "layer 2 root/.ssh/id_ed25519: private-key-file",
            "layer 2 root/.ssh/id_ed25519: private-key-block (b3Bl****)",
            "layer 2 app/.env: dotenv-file",
            "layer 2 app/.env: secret-assignment (hunt****)",
            "layer 2 app/config.yaml: url-credentials (t0ps****)",
            "layer 2 big/.env: dotenv-file",
        ],
        "files over the content limit are checked by name only"
    );
    let first: SecretFinding = listing.secrets[0].clone().in_layer(2);
    assert_eq!(first.rule, Rule::PrivateKeyFile);
    assert!(matches!(first.location, Location::File { layer: 2, .. }));
    let unscanned = list(&tar, TAR, ListOptions::for_text(50, true));
    assert!(unscanned.secrets.is_empty());
}
