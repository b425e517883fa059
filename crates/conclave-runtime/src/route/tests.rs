//! Route parsing, including the paths it must refuse.

use super::*;

#[test]
fn health_and_actors_parse() {
    assert_eq!(parse("/health"), Route::Health);
    assert_eq!(
        parse("/actors/COUNTER/a-1.b_c"),
        Route::Actor {
            class: "COUNTER",
            name: "a-1.b_c",
            socket: false
        }
    );
    assert_eq!(
        parse("/actors/SUPERVISOR_2/x/ws"),
        Route::Actor {
            class: "SUPERVISOR_2",
            name: "x",
            socket: true
        }
    );
}

#[test]
fn everything_else_is_not_found() {
    let long = format!("/actors/COUNTER/{}", "a".repeat(MAX_NAME_LEN + 1));
    for path in [
        "/",
        "/healthz",
        "/actors",
        "/actors/",
        "/actors/COUNTER",
        "/actors/COUNTER/",
        "/actors/counter/a",
        "/actors/COUNTER/a/ws/more",
        "/actors/COUNTER/a/other",
        "/actors/COUNTER/../ws",
        "/actors/COUNTER/a%20b",
        long.as_str(),
    ] {
        assert_eq!(parse(path), Route::NotFound, "{path}");
    }
}
