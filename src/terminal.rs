//! What reaches a terminal: text built from input (ids, names, messages) may hold control
//! characters — ESC starting an escape sequence, BEL, NUL, or a right-to-left override that
//! reorders what a reviewer reads. They are shown as visible escapes instead.

use std::borrow::Cow;

/// Whether a character must not reach a terminal as is: C0 controls other than newline and tab,
/// DEL, C1 controls, and the bidirectional overrides and isolates.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// Text for the terminal: each unsafe character written as `\u{…}`.
pub fn text(s: &str) -> Cow<'_, str> {
    escape_unsafe(s, |c| format!("\\u{{{:x}}}", c as u32))
}

/// JSON for the terminal: serde_json escapes C0 controls but writes DEL, C1 controls and the
/// bidirectional characters raw; they become `\uXXXX` escapes, which read back the same.
pub fn json(s: &str) -> Cow<'_, str> {
    escape_unsafe(s, |c| format!("\\u{:04x}", c as u32))
}

/// `s` with each unsafe character replaced by `escape(c)`; borrowed when there is none.
fn escape_unsafe(s: &str, escape: impl Fn(char) -> String) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&escape(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_made_visible() {
        assert_eq!(text("plain\nline\tok"), "plain\nline\tok");
        assert_eq!(text("a\u{1b}[31mb\u{7}\u{0}"), "a\\u{1b}[31mb\\u{7}\\u{0}");
        assert_eq!(text("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        let v = serde_json::json!({"id": "x\u{202e}y\u{7f}\u{1b}"});
        let raw = serde_json::to_string(&v).expect("json");
        let out = json(&raw);
        assert!(!out.chars().any(unsafe_char), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(back, v);
    }
}
