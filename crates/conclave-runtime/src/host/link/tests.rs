//! Reading a link's close, and the reasons that fit in one.

use super::*;

#[test]
fn a_links_close_code_says_how_the_child_exited() {
    let child = "TEAM/crew/w0#0";
    assert_eq!(exit_of(child, 1000, "stopped"), LinkExit::Normal);
    // A deploy or a move of the child's object is not a failure.
    assert_eq!(exit_of(child, 1001, ""), LinkExit::Normal);
    assert_eq!(exit_of(child, 1012, ""), LinkExit::Normal);
    // A child that stopped on its own is an exit its supervisor decides on.
    assert_eq!(
        exit_of(child, usize::from(STOPPED_CODE), "done"),
        LinkExit::Stopped("done".into())
    );
    assert!(!is_failure_code(usize::from(STOPPED_CODE)));
    assert_eq!(
        exit_of(child, 4000, "asked to fail"),
        LinkExit::Failed("asked to fail".into())
    );
    assert_eq!(
        exit_of(child, 1006, ""),
        LinkExit::Failed("the link to TEAM/crew/w0#0 closed abnormally (code 1006)".into())
    );
    assert_eq!(
        exit_of(child, 1011, "boom"),
        LinkExit::Failed("the link to TEAM/crew/w0#0 closed abnormally (code 1011: boom)".into())
    );
}

#[test]
fn reasons_are_cut_to_fit_a_close_frame_on_a_character_boundary() {
    assert_eq!(close_reason("short"), "short");
    let long = "é".repeat(100);
    let cut = close_reason(&long);
    assert!(cut.len() <= 123 && long.starts_with(cut), "{}", cut.len());
    assert_eq!(cut.len(), 122);
}

#[test]
fn tags_name_the_child() {
    let tag = child_tag("TEAM/crew/w0#0");
    assert_eq!(child_of_tag(&tag), Some("TEAM/crew/w0#0"));
    assert_eq!(child_of_tag(LINK_TAG), None);
    assert_eq!(child_of_tag("client/a#0"), None);
}
