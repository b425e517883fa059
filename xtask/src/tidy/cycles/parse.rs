//! Reading one module file: its tokens without comments and literals, the
//! paths its `use` declarations import and the paths its code names.
//!
//! This is a lexer, not a parser: enough to find `a::b::c` paths, `use`
//! trees and `#[cfg(test)]` items, which is all the cycle check needs.

/// A token of code, with its line (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) text: String,
    pub(crate) line: usize,
}

/// A path named by a module, as written, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathRef {
    pub(crate) segments: Vec<String>,
    pub(crate) line: usize,
}

/// An import: `use <path> [as <name>];` binds `name` to `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Import {
    pub(crate) name: String,
    pub(crate) path: PathRef,
}

/// What one module file names.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Names {
    /// Its `use` declarations, one entry per imported name (globs: the
    /// path of the module, named `*`).
    pub(crate) imports: Vec<Import>,
    /// The paths (two segments or more) named in code outside `use`.
    pub(crate) paths: Vec<PathRef>,
}

/// The tokens of `source`: identifiers, `::` and single punctuation
/// characters. Comments (doc comments too) and the contents of string and
/// character literals are left out.
pub(crate) fn tokens(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut at = 0;
    while let Some(&c) = chars.get(at) {
        let next = chars.get(at + 1).copied();
        if c == '\n' {
            line += 1;
            at += 1;
        } else if c.is_whitespace() {
            at += 1;
        } else if c == '/' && next == Some('/') {
            while chars.get(at).is_some_and(|&c| c != '\n') {
                at += 1;
            }
        } else if c == '/' && next == Some('*') {
            at = skip_block_comment(&chars, at, &mut line);
        } else if let Some(end) = raw_string_end(&chars, at, &mut line) {
            at = end;
        } else if c == '"' {
            at = skip_quoted(&chars, at, '"', &mut line);
        } else if c == '\'' {
            // A character literal ('x', '\n'); otherwise a lifetime.
            if next == Some('\\') || chars.get(at + 2) == Some(&'\'') {
                at = skip_quoted(&chars, at, '\'', &mut line);
            } else {
                at += 1;
            }
        } else if is_ident_start(c) {
            let start = at;
            while chars.get(at).is_some_and(|&c| is_ident_char(c)) {
                at += 1;
            }
            let text: String = chars[start..at].iter().collect();
            // `b"..."`, `c"..."`, `b'x'`: the literal follows the prefix.
            if matches!(text.as_str(), "b" | "c") && matches!(chars.get(at), Some('"' | '\'')) {
                continue;
            }
            tokens.push(Token { text, line });
        } else if c == ':' && next == Some(':') {
            tokens.push(Token {
                text: "::".to_owned(),
                line,
            });
            at += 2;
        } else {
            tokens.push(Token {
                text: c.to_string(),
                line,
            });
            at += 1;
        }
    }
    tokens
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Skips a (nested) block comment starting at `at`.
fn skip_block_comment(chars: &[char], mut at: usize, line: &mut usize) -> usize {
    let mut depth = 0;
    while at < chars.len() {
        match (chars[at], chars.get(at + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                at += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                at += 2;
                if depth == 0 {
                    return at;
                }
            }
            (c, _) => {
                if c == '\n' {
                    *line += 1;
                }
                at += 1;
            }
        }
    }
    at
}

/// Skips a literal quoted by `quote` (with backslash escapes) at `at`.
fn skip_quoted(chars: &[char], mut at: usize, quote: char, line: &mut usize) -> usize {
    at += 1;
    while let Some(&c) = chars.get(at) {
        at += 1;
        match c {
            '\\' => {
                if chars.get(at) == Some(&'\n') {
                    *line += 1;
                }
                at += 1;
            }
            '\n' => *line += 1,
            c if c == quote => return at,
            _ => {}
        }
    }
    at
}

/// The end of a raw string (`r"…"`, `br#"…"#`, …) starting at `at`, if one
/// does.
fn raw_string_end(chars: &[char], at: usize, line: &mut usize) -> Option<usize> {
    if at > 0 && is_ident_char(chars[at - 1]) {
        return None;
    }
    let mut i = at;
    if matches!(chars.get(i), Some('b' | 'c')) {
        i += 1;
    }
    if chars.get(i) != Some(&'r') {
        return None;
    }
    i += 1;
    let hashes = chars[i..].iter().take_while(|&&c| c == '#').count();
    i += hashes;
    if chars.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < chars.len() {
        if chars[i] == '\n' {
            *line += 1;
        }
        if chars[i] == '"'
            && chars[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(i)
}

/// The imports and paths of a module's source, leaving out `#[cfg(test)]`
/// items (`mod tests { … }`, `use …;`).
///
/// Inline modules (`mod uint { … }`) belong to the file's module: a
/// `super::` that only leaves an inline module is read as `self::`.
pub(crate) fn names(source: &str) -> Names {
    let tokens = tokens(source);
    let mut names = Names::default();
    // The brace depth inside each enclosing inline module's body.
    let mut braces = 0usize;
    let mut inline: Vec<usize> = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        if let Some(after) = cfg_test_attribute(&tokens, at) {
            at = skip_item(&tokens, after);
            continue;
        }
        let text = tokens[at].text.as_str();
        match text {
            "{" => braces += 1,
            "}" => {
                if inline.last() == Some(&braces) {
                    inline.pop();
                }
                braces = braces.saturating_sub(1);
            }
            "mod" if tokens.get(at + 2).is_some_and(|t| t.text == "{") => {
                inline.push(braces + 1);
            }
            _ => {}
        }
        if text == "use" && !follows_path_separator(&tokens, at) {
            let first = names.imports.len();
            at = use_tree(&tokens, at + 1, &[], &mut names.imports);
            for import in &mut names.imports[first..] {
                leave_inline(&mut import.path.segments, inline.len());
            }
            continue;
        }
        if is_ident(text) && !follows_path_separator(&tokens, at) && is_separator(&tokens, at + 1) {
            let (mut segments, end) = path(&tokens, at);
            if segments.len() > 1 {
                leave_inline(&mut segments, inline.len());
                names.paths.push(PathRef {
                    segments,
                    line: tokens[at].line,
                });
            }
            at = end;
            continue;
        }
        at += 1;
    }
    names
}

/// Drops the leading `super`s (at most `depth`) that stay in the file.
fn leave_inline(segments: &mut Vec<String>, depth: usize) {
    let supers = segments.iter().take_while(|s| *s == "super").count();
    let dropped = supers.min(depth);
    if dropped > 0 {
        segments.drain(..dropped);
        if dropped == supers {
            segments.insert(0, "self".to_owned());
        }
    }
}

fn is_ident(text: &str) -> bool {
    text.chars().next().is_some_and(is_ident_start)
}

fn is_separator(tokens: &[Token], at: usize) -> bool {
    tokens.get(at).is_some_and(|t| t.text == "::")
}

fn follows_path_separator(tokens: &[Token], at: usize) -> bool {
    at > 0 && is_separator(tokens, at - 1)
}

/// `a::b::c` from `at`, stopping before generics (`::<`) or braces.
fn path(tokens: &[Token], mut at: usize) -> (Vec<String>, usize) {
    let mut segments = vec![tokens[at].text.clone()];
    at += 1;
    while is_separator(tokens, at) && tokens.get(at + 1).is_some_and(|t| is_ident(&t.text)) {
        segments.push(tokens[at + 1].text.clone());
        at += 2;
    }
    (segments, at)
}

/// Reads a use tree from `at` under `prefix`; returns where it ends (after
/// the `;` at the top level, at the `,` or `}` inside braces).
fn use_tree(
    tokens: &[Token],
    mut at: usize,
    prefix: &[String],
    imports: &mut Vec<Import>,
) -> usize {
    let top = prefix.is_empty();
    let line = tokens.get(at).map_or(0, |t| t.line);
    let mut segments = prefix.to_vec();
    // A leading `::` names an extern crate: nothing of ours.
    let external = is_separator(tokens, at);
    if external {
        at += 1;
    }
    loop {
        let Some(token) = tokens.get(at) else {
            return at;
        };
        match token.text.as_str() {
            "{" => {
                at += 1;
                loop {
                    at = use_tree(tokens, at, &segments, imports);
                    match tokens.get(at).map(|t| t.text.as_str()) {
                        Some(",") => at += 1,
                        Some("}") => {
                            at += 1;
                            break;
                        }
                        _ => return at,
                    }
                    if tokens.get(at).is_some_and(|t| t.text == "}") {
                        at += 1;
                        break;
                    }
                }
                break;
            }
            "*" => {
                if !external {
                    imports.push(Import {
                        name: "*".to_owned(),
                        path: PathRef {
                            segments: segments.clone(),
                            line,
                        },
                    });
                }
                at += 1;
                break;
            }
            "::" => at += 1,
            text if is_ident(text) => {
                segments.push(text.to_owned());
                at += 1;
                if is_separator(tokens, at) {
                    continue;
                }
                let mut name = text.to_owned();
                if tokens.get(at).is_some_and(|t| t.text == "as") {
                    if let Some(alias) = tokens.get(at + 1) {
                        name = alias.text.clone();
                    }
                    at += 2;
                }
                // `use a::b::{self}` imports `b`.
                if name == "self" && segments.len() > 1 {
                    segments.pop();
                    name = segments.last().cloned().unwrap_or_default();
                }
                if !external && name != "_" {
                    imports.push(Import {
                        name,
                        path: PathRef { segments, line },
                    });
                }
                break;
            }
            _ => break,
        }
    }
    if top {
        while tokens.get(at).is_some_and(|t| t.text != ";") {
            at += 1;
        }
        at += 1;
    }
    at
}

/// Where the item after a `#[cfg(test)]` attribute at `at` starts.
fn cfg_test_attribute(tokens: &[Token], at: usize) -> Option<usize> {
    let texts = ["#", "[", "cfg", "(", "test", ")", "]"];
    let matches = texts
        .iter()
        .enumerate()
        .all(|(i, text)| tokens.get(at + i).is_some_and(|t| t.text == *text));
    matches.then_some(at + texts.len())
}

/// Skips one item from `at`: to its `;`, or past its braces.
fn skip_item(tokens: &[Token], mut at: usize) -> usize {
    let mut depth = 0usize;
    while let Some(token) = tokens.get(at) {
        at += 1;
        match token.text.as_str() {
            ";" if depth == 0 => return at,
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return at;
                }
            }
            _ => {}
        }
    }
    at
}
