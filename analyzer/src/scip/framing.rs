//! The top level of a SCIP index: the `Index` message's fields located without decoding them,
//! so documents can be decoded one at a time, and a truncated or foreign file is told apart
//! from an index before anything is allocated for it.

use protobuf::Message;

use crate::Error;

/// One top-level field of a length-delimited kind: its number and where its body lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    /// The field number (1 metadata, 2 document, 3 external symbol in `scip.Index`).
    pub(crate) number: u32,
    /// Offset of the body's first byte.
    pub(crate) start: usize,
    /// Offset one past the body's last byte.
    pub(crate) end: usize,
}

/// A base-128 varint at `at`, and the offset after it; `None` when cut short or over 10 bytes.
fn varint(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.get(at..)?.iter().take(10).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, at + i + 1));
        }
    }
    None
}

/// The top-level fields of `bytes` read as a protobuf message. Fields other than
/// length-delimited ones are skipped, as protobuf readers skip unknown fields.
///
/// # Errors
/// [`Error::Scip`] naming the byte offset: a field cut short (a truncated file), a wire type
/// that does not exist, or a field number 0 — what a file that is not protobuf shows at once.
///
/// # Complexity
/// O(number of fields); no allocation beyond the list.
pub(crate) fn fields(bytes: &[u8]) -> Result<Vec<Field>, Error> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (tag, after_tag) = varint(bytes, at).ok_or_else(|| cut(at, "a field tag"))?;
        let number = u32::try_from(tag >> 3).unwrap_or(0);
        if number == 0 {
            return Err(not_scip(at, "field number 0"));
        }
        at = match tag & 7 {
            0 => {
                varint(bytes, after_tag)
                    .ok_or_else(|| cut(at, "a number"))?
                    .1
            }
            1 => fixed(bytes, after_tag, 8).ok_or_else(|| cut(at, "a 64-bit number"))?,
            5 => fixed(bytes, after_tag, 4).ok_or_else(|| cut(at, "a 32-bit number"))?,
            2 => {
                let (len, start) =
                    varint(bytes, after_tag).ok_or_else(|| cut(at, "a field length"))?;
                let end = usize::try_from(len)
                    .ok()
                    .and_then(|len| start.checked_add(len))
                    .filter(|&end| end <= bytes.len())
                    .ok_or_else(|| {
                        Error::Scip {
                            offset: at as u64,
                            message: format!(
                                "truncated SCIP index: field {number} at byte {at} claims {len} bytes but {} remain: the file was cut short; index the project again or copy the whole file",
                                bytes.len() - start.min(bytes.len())
                            ),
                        }
                    })?;
                out.push(Field { number, start, end });
                end
            }
            other => return Err(not_scip(at, &format!("wire type {other}"))),
        };
    }
    Ok(out)
}

fn fixed(bytes: &[u8], at: usize, len: usize) -> Option<usize> {
    let end = at.checked_add(len)?;
    (end <= bytes.len()).then_some(end)
}

fn cut(at: usize, what: &str) -> Error {
    Error::Scip {
        offset: at as u64,
        message: format!(
            "truncated SCIP index: {what} at byte {at} is cut short: index the project again or copy the whole file"
        ),
    }
}

fn not_scip(at: usize, what: &str) -> Error {
    Error::Scip {
        offset: at as u64,
        message: format!(
            "not a SCIP index ({what} at byte {at}): give an index written by a SCIP indexer (docs/scip.md), or a JSON call graph"
        ),
    }
}

/// Decodes one message of the index with the `scip` crate's protobuf types.
pub(crate) fn decode<M: Message>(body: &[u8], offset: usize, what: &str) -> Result<M, Error> {
    M::parse_from_bytes(body).map_err(|e| Error::Scip {
        offset: offset as u64,
        message: format!(
            "the {what} at byte {offset} cannot be decoded ({e}): the index is damaged or not a SCIP index; index the project again"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_tile_a_message_and_truncation_is_named() {
        // field 1 (3 bytes), field 2 (1 byte)
        let bytes = [0x0a, 3, b'a', b'b', b'c', 0x12, 1, 0];
        let f = fields(&bytes).expect("frames");
        assert_eq!(
            f,
            vec![
                Field {
                    number: 1,
                    start: 2,
                    end: 5
                },
                Field {
                    number: 2,
                    start: 7,
                    end: 8
                }
            ]
        );
        let e = fields(&bytes[..6]).expect_err("cut");
        assert!(e.to_string().contains("truncated"), "{e}");
        let e = fields(b"{\"nodes\": []}").expect_err("json");
        assert!(
            e.to_string().contains("not a SCIP index") || e.to_string().contains("truncated"),
            "{e}"
        );
        assert!(fields(&[]).expect("empty").is_empty());
    }
}
