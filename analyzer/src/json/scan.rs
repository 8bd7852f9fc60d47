//! A reader for the plainest JSON objects, which nearly every node and edge of a call graph is:
//! keys and string values without escapes, small non-negative integers, booleans. It reads them
//! several times faster than serde_json's derived code, and gives up (`None`) on anything else,
//! which serde_json then reads from the same place: escapes, floats, `null`, nested values,
//! unknown or repeated keys, anything invalid.
//!
//! What it accepts, serde_json accepts too and reads to the same values: a string without a
//! backslash or a control character is its bytes; an integer of at most [`MAX_DIGITS`] digits
//! without a leading zero, fraction or exponent is read by serde_json as a `u64`, which becomes
//! the same `f64`.

use std::borrow::Cow;

use super::{RawEdge, RawNode};

/// Most digits of an integer read here: it is exact as an `f64`.
const MAX_DIGITS: usize = 15;

/// A value as read here.
#[derive(Clone, Copy)]
enum Value<'a> {
    Str(&'a str),
    Int(u64),
    Bool(bool),
}

/// The edge at `at` and the position after it, if it is plain enough.
///
/// # Complexity
/// O(length of the edge).
pub(super) fn edge(text: &str, at: usize) -> Option<(RawEdge<'_>, usize)> {
    let (mut from, mut to, mut weight, mut is_async, mut confidence) =
        (None, None, None, None, None);
    let end = object(text, at, |key, value| {
        let slot = match (key, value) {
            ("from", Value::Str(s)) => from.replace(s).is_none(),
            ("to", Value::Str(s)) => to.replace(s).is_none(),
            ("weight", Value::Int(n)) => weight.replace(n as f64).is_none(),
            ("async", Value::Bool(b)) => is_async.replace(b).is_none(),
            ("confidence", Value::Int(n)) => confidence.replace(n as f64).is_none(),
            _ => false,
        };
        slot.then_some(())
    })?;
    let edge = RawEdge {
        from: Cow::Borrowed(from?),
        to: Cow::Borrowed(to?),
        weight,
        is_async,
        confidence,
    };
    Some((edge, end))
}

/// The node at `at` and the position after it, if it is plain enough (an id, and maybe a
/// module).
///
/// # Complexity
/// O(length of the node).
pub(super) fn node(text: &str, at: usize) -> Option<(RawNode<'_>, usize)> {
    let (mut id, mut module) = (None, None);
    let end = object(text, at, |key, value| {
        let slot = match (key, value) {
            ("id", Value::Str(s)) => id.replace(s).is_none(),
            ("module", Value::Str(s)) => module.replace(s).is_none(),
            _ => false,
        };
        slot.then_some(())
    })?;
    let node = RawNode {
        id: Cow::Borrowed(id?),
        module: module.map(Cow::Borrowed),
        entry: None,
        stateful: None,
        resources: None,
        invocations_per_day: None,
        duration_ms: None,
        memory_mb: None,
        hints: None,
        location: None,
    };
    Some((node, end))
}

/// Reads the object at `at`, handing each field to `field` (which gives up with `None`);
/// returns the position after the object.
fn object<'a>(
    text: &'a str,
    at: usize,
    mut field: impl FnMut(&'a str, Value<'a>) -> Option<()>,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = skip_ws(bytes, expect(bytes, at, b'{')?);
    if bytes.get(at) == Some(&b'}') {
        return Some(at + 1);
    }
    loop {
        let (key, end) = string(text, at)?;
        at = skip_ws(bytes, expect(bytes, skip_ws(bytes, end), b':')?);
        let (value, end) = value(text, at)?;
        field(key, value)?;
        at = skip_ws(bytes, end);
        match bytes.get(at)? {
            b',' => at = skip_ws(bytes, at + 1),
            b'}' => return Some(at + 1),
            _ => return None,
        }
    }
}

/// The value at `at`, if plain enough, and the position after it.
fn value(text: &str, at: usize) -> Option<(Value<'_>, usize)> {
    let bytes = text.as_bytes();
    match bytes.get(at)? {
        b'"' => string(text, at).map(|(s, end)| (Value::Str(s), end)),
        b't' => literal(bytes, at, b"true").map(|end| (Value::Bool(true), end)),
        b'f' => literal(bytes, at, b"false").map(|end| (Value::Bool(false), end)),
        b'0'..=b'9' => {
            let digits = bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let end = at + digits;
            let plain = digits <= MAX_DIGITS
                && (digits == 1 || bytes[at] != b'0')
                && !matches!(bytes.get(end), Some(b'.' | b'e' | b'E'));
            if !plain {
                return None;
            }
            let n = bytes[at..end]
                .iter()
                .fold(0, |n: u64, &d| n * 10 + u64::from(d - b'0'));
            Some((Value::Int(n), end))
        }
        _ => None,
    }
}

/// The string at `at` (its opening quote), if it holds no escape and no control character,
/// and the position after it.
fn string(text: &str, at: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    let start = expect(bytes, at, b'"')?;
    let len = memchr::memchr2(b'"', b'\\', bytes.get(start..)?)?;
    let end = start + len;
    if bytes[end] != b'"' || bytes[start..end].iter().any(|&b| b < 0x20) {
        return None;
    }
    // Both ends are ASCII quotes, so on character boundaries.
    Some((text.get(start..end)?, end + 1))
}

/// The position after `word` at `at`, if it is there.
fn literal(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    let end = at + word.len();
    (bytes.get(at..end)? == word).then_some(end)
}

/// The position after the byte `b` at `at`, if it is there.
fn expect(bytes: &[u8], at: usize, b: u8) -> Option<usize> {
    (*bytes.get(at)? == b).then_some(at + 1)
}

/// The first position from `at` on that is not JSON whitespace.
fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\t' | b'\r')) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests;
