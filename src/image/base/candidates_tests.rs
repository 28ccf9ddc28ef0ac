//! Candidate comparison over regclient's testrepo (b1's single layer is v3's first; b2 differs
//! from b1 only by `LABEL base=b`, base-image-detection.md §2.5) and over derived configs.

use super::*;
use crate::image::config::parse_config;

fn fixture(name: &str) -> ImageConfig {
    let path = format!(
        "{}/tests/fixtures/configs/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    parse_config(&std::fs::read(&path).unwrap()).unwrap()
}

fn v3() -> ImageConfig {
    fixture("regclient_regclient_testrepo-v3-amd64.json")
}

fn b1() -> ImageConfig {
    fixture("regclient_regclient_testrepo-b1-amd64.json")
}

/// regclient's b2: b1's layer, `LABEL base=b`.
fn b2() -> ImageConfig {
    let mut c = b1();
    c.history[1].created_by = Some("LABEL base=b".into());
    c
}

fn cand<'a>(reference: &'a str, digest: &'a str, config: &'a ImageConfig) -> Candidate<'a> {
    Candidate {
        reference,
        digest: Some(digest),
        config,
    }
}

#[test]
fn layers_and_history_prefix_is_the_strongest_match() {
    let (image, base) = (v3(), b1());
    let m = compare(&image, &cand("testrepo:b1", "sha256:b1", &base));
    assert_eq!(m.strength, Strength::LayersAndHistory);
    assert_eq!((m.shared_layers, m.layers), (1, 1));
    assert_eq!((m.shared_history, m.history), (2, 2));
    assert_eq!(m.pinned(), "testrepo:b1@sha256:b1");
}

#[test]
fn the_same_layer_with_other_history_matches_on_layers_only_and_loses_the_tie() {
    let (image, a, b) = (v3(), b1(), b2());
    let m2 = compare(&image, &cand("testrepo:b2", "sha256:b2", &b));
    assert_eq!(m2.strength, Strength::Layers);
    assert!(
        m2.detail.contains("history: differs at entry 2"),
        "{}",
        m2.detail
    );
    let m1 = compare(&image, &cand("testrepo:b1", "sha256:b1", &a));
    let all = [m2.clone(), m1.clone()];
    assert_eq!(choose(&all), Choice::Best(&all[1]));
}

#[test]
fn equal_matches_of_different_images_tie_but_two_tags_of_one_image_do_not() {
    let (image, a) = (v3(), b1());
    let x = compare(&image, &cand("testrepo:b1", "sha256:b1", &a));
    let y = compare(&image, &cand("testrepo:also-b1", "sha256:b1", &a));
    let z = compare(&image, &cand("mirror/b1", "sha256:other", &a));
    let same = [x.clone(), y];
    assert_eq!(choose(&same), Choice::Best(&same[0]));
    let two = [x, z];
    assert_eq!(choose(&two), Choice::Tie(vec![&two[0], &two[1]]));
}

#[test]
fn an_unrelated_image_the_image_itself_and_an_empty_one_are_not_bases() {
    let image = v3();
    let other = fixture("google_go-containerregistry_hello-world-v25.json");
    let m = compare(&image, &cand("hello-world", "sha256:h", &other));
    assert_eq!(m.strength, Strength::None);
    assert_eq!(m.shared_layers, 0);
    let me = compare(&image, &cand("testrepo:v3", "sha256:v3", &image));
    assert_eq!(me.strength, Strength::None);
    assert!(me.detail.contains("copy of it"), "{}", me.detail);
    let mut empty = b1();
    empty.diff_ids.clear();
    empty.history.clear();
    assert_eq!(
        compare(&image, &cand("empty", "sha256:e", &empty)).strength,
        Strength::None
    );
    assert_eq!(choose(&[m, me]), Choice::None);
}

#[test]
fn a_rebuilt_base_matches_on_history_only_and_a_longer_candidate_never_matches() {
    let image = v3();
    let mut rebuilt = b1();
    rebuilt.diff_ids = vec!["sha256:0000".into()];
    let m = compare(&image, &cand("testrepo:b1-rebuilt", "sha256:r", &rebuilt));
    assert_eq!(m.strength, Strength::History);
    // A candidate with more layers than the image shares a prefix but is not its base.
    let mut longer = v3();
    longer.diff_ids.push("sha256:ffff".into());
    let m = compare(&b1(), &cand("testrepo:v3+", "sha256:l", &longer));
    assert_eq!(m.strength, Strength::None);
    assert_eq!(m.shared_layers, 1);
}
