//! The Dockerfile diff over diff_ids computed by the walk.

use super::*;

#[test]
fn diff_compares_two_images_dockerfiles_and_their_computed_diff_ids() {
    let base = app_layer();
    let a_top = LayerTar::new().file("etc/app.conf", b"mode=a\n").finish();
    let b_top = LayerTar::new().file("etc/app.conf", b"mode=b\n").finish();
    let diff_id = |tar: &[u8]| list(&gzip(tar), GZIP, ListOptions::for_text(0, true)).diff_id;
    let a = vec![diff_id(&base), diff_id(&a_top)];
    let b = vec![diff_id(&base), diff_id(&b_top), diff_id(&a_top)];
    let table = compare_layers(&a, &b);
    assert_eq!(table.shared_prefix, 1);
    let a_text = "FROM scratch\nCOPY app /\nCOPY app.conf /etc/\n";
    let b_text = "FROM scratch\nCOPY app /\nCOPY app-b.conf /etc/app.conf\nCOPY app.conf /etc/\n";
    let out = format!(
        "{}\n{}",
        render_dockerfile_diff("a", a_text, "b", b_text),
        render_layer_table(&table).join("\n")
    );
    insta::assert_snapshot!("diff", out);
}
