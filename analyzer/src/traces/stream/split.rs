//! Cutting one big OTLP/JSON document — `{"resourceSpans": [...]}`, an export request of any
//! size — into its resources without a document tree, so that each resource is parsed from memory
//! (fast) instead of from serde_json's byte-by-byte reader.
//!
//! The splitter reads the input in chunks into a window and scans the bytes with a small JSON
//! structure scanner: string and escape state and bracket depth, nothing more. It recognises a
//! document only when its first member is a `resourceSpans` list; each element of that list is
//! one piece ([`Kind::Resource`]), each later member's value one piece too (or, when it is a
//! `resourceSpans` list again, its elements). Anything else — another first key, a Zipkin list,
//! Jaeger, a scalar, nothing at all — is [`Piece::Other`]: the caller reads the rest as before, as
//! a stream. A piece longer than the window's limit is [`Piece::TooLarge`]: the caller reads that
//! one value as a stream ([`Splitter::stream`]) and the splitter carries on after it.
//!
//! The scanner checks only what it must to find the pieces' ends; the caller parses every piece
//! with serde_json, which checks the rest (a truncated piece, a bracket that does not match). The
//! punctuation between pieces is checked here, with serde_json's messages and positions. So the
//! spans, and the errors, are those of the stream (tested against it on random exports, whole and
//! broken), but for three things only broken or absurd input shows: serde_json's nesting limit
//! (128) counts from the resource, not from the document; an error at a byte of a piece may be
//! placed one byte apart (serde_json's reader from memory places some before the byte, its reader
//! from a stream after it, as for JSON Lines); a number or literal longer than the limit is an
//! error of its own.
//!
//! # Complexity
//! O(bytes): each byte is scanned once (strings skipped with `memchr2`) and parsed once; memory
//! O(the limit), the window of at most `max_piece` bytes and one chunk.

use std::io::{self, Read};

use super::Meter;

/// Where a byte is, counted as serde_json counts: its line (from 1) and the bytes before it on
/// its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Position {
    pub(super) line: usize,
    pub(super) column: usize,
}

impl Position {
    pub(super) const START: Position = Position { line: 1, column: 0 };

    /// Where `relative` (a position in a text that starts here) is.
    pub(super) fn offset(self, relative: Position) -> Position {
        if relative.line <= 1 {
            Position {
                line: self.line,
                column: self.column + relative.column,
            }
        } else {
            Position {
                line: self.line + relative.line - 1,
                column: relative.column,
            }
        }
    }

    /// After `bytes`.
    fn advance(&mut self, bytes: &[u8]) {
        if let [b] = bytes {
            // A stream is read a byte at a time.
            if *b == b'\n' {
                self.line += 1;
                self.column = 0;
            } else {
                self.column += 1;
            }
            return;
        }
        match memchr::memrchr(b'\n', bytes) {
            None => self.column += bytes.len(),
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', bytes).count();
                self.column = bytes.len() - last - 1;
            }
        }
    }
}

/// What a value cut out of a document is to the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// An element of a top-level `resourceSpans` list: a resource with its spans (or whatever an
    /// exporter wrote there).
    Resource,
    /// The value of a later top-level `resourceSpans` member that is not a list (read, as the
    /// stream reads it, for nothing).
    Resources,
    /// The value of any other top-level member after the first: checked as JSON only.
    Ignored,
}

/// What comes next in the input.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Piece<'b> {
    /// A value, its bytes, and where it starts.
    Value(Kind, &'b [u8], Position),
    /// A number or literal (or something invalid), where it starts, and the byte after it, if
    /// any: only that byte shows where a number ends, and what is wrong with `nul}`.
    Scalar(Kind, &'b [u8], Position, Option<u8>),
    /// The next value is longer than the limit: read it as a stream with [`Splitter::stream`].
    TooLarge(Kind),
    /// The end of one OTLP document.
    End,
    /// What follows is not a document the splitter reads: read the rest
    /// ([`Splitter::into_rest`]) as a stream.
    Other,
    /// The end of the input, after at least one document.
    Eof,
}

/// Why the splitter stopped.
#[derive(Debug)]
pub(super) enum SplitError {
    /// Reading failed (or a limit of the meter was passed).
    Io(io::Error),
    /// A top-level key is no valid JSON string: serde_json's error, and where the key starts.
    Json {
        error: serde_json::Error,
        at: Position,
    },
    /// The punctuation between pieces is wrong: serde_json's message, and where.
    Syntax { message: &'static str, at: Position },
}

impl From<io::Error> for SplitError {
    fn from(e: io::Error) -> Self {
        SplitError::Io(e)
    }
}

/// Where in a document the splitter is.
#[derive(Clone, Copy, Debug)]
enum State {
    /// Before a top-level value.
    Top,
    /// After the `[` of a `resourceSpans` list.
    FirstElement,
    /// After a `,` in a `resourceSpans` list.
    Element,
    /// After an element of a `resourceSpans` list.
    AfterElement,
    /// After a member of the top-level object.
    AfterMember,
    /// After a `,` in the top-level object.
    Key,
    /// After [`Piece::Other`]: the caller reads the rest.
    Done,
}

/// Bytes read from the input at a time.
const CHUNK: usize = 256 << 10;

/// Longest start of a document read as one (`{ "resourceSpans" : [` with whitespace): it is read
/// again from its start as more comes in.
const MAX_HEAD: usize = 64 << 10;

/// The input, a window of it in memory, and where the scan is.
pub(super) struct Splitter<R> {
    input: R,
    /// Bytes read; those before `pos` are done with.
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Where `buf[pos]` is in the input.
    at: Position,
    state: State,
    /// Documents read whole.
    documents: usize,
    /// Longest piece handed out from memory.
    max_piece: usize,
    chunk: usize,
}

/// JSON whitespace.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

impl<R: Read> Splitter<R> {
    /// A splitter that hands out pieces of at most `max_piece` bytes; longer ones are
    /// [`Piece::TooLarge`].
    pub(super) fn new(input: R, max_piece: usize) -> Self {
        Self::with_chunk(input, max_piece, CHUNK)
    }

    fn with_chunk(input: R, max_piece: usize, chunk: usize) -> Self {
        Splitter {
            input,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            at: Position::START,
            state: State::Top,
            documents: 0,
            max_piece,
            chunk,
        }
    }

    /// The next piece.
    ///
    /// # Complexity
    /// O(bytes of the piece and the punctuation before it); memory O(`max_piece`).
    pub(super) fn next(&mut self) -> Result<Piece<'_>, SplitError> {
        loop {
            match self.state {
                State::Done => return Ok(Piece::Other),
                State::Top => {
                    if self.skip_ws()?.is_none() && self.documents > 0 {
                        return Ok(Piece::Eof);
                    }
                    match self.head()? {
                        Some(len) => {
                            self.consume(len);
                            self.state = State::FirstElement;
                        }
                        None => {
                            self.state = State::Done;
                            return Ok(Piece::Other);
                        }
                    }
                }
                State::FirstElement | State::Element => {
                    let first = matches!(self.state, State::FirstElement);
                    match self.skip_ws()? {
                        Some(b']') if first => {
                            self.consume(1);
                            self.state = State::AfterMember;
                        }
                        Some(b']') => return Err(self.error_here("trailing comma")),
                        Some(_) => {
                            self.state = State::AfterElement;
                            return self.cut(Kind::Resource);
                        }
                        None if first => return Err(self.error_here("EOF while parsing a list")),
                        None => return Err(self.error_here("EOF while parsing a value")),
                    }
                }
                State::AfterElement => match self.skip_ws()? {
                    Some(b',') => {
                        self.consume(1);
                        self.state = State::Element;
                    }
                    Some(b']') => {
                        self.consume(1);
                        self.state = State::AfterMember;
                    }
                    Some(_) => return Err(self.error_here("expected `,` or `]`")),
                    None => return Err(self.error_here("EOF while parsing a list")),
                },
                State::AfterMember => match self.skip_ws()? {
                    Some(b',') => {
                        self.consume(1);
                        self.state = State::Key;
                    }
                    Some(b'}') => {
                        self.consume(1);
                        self.documents += 1;
                        self.state = State::Top;
                        return Ok(Piece::End);
                    }
                    Some(_) => return Err(self.error_here("expected `,` or `}`")),
                    None => return Err(self.error_here("EOF while parsing an object")),
                },
                State::Key => {
                    match self.skip_ws()? {
                        Some(b'"') => {}
                        Some(b'}') => return Err(self.error_here("trailing comma")),
                        Some(_) => return Err(self.error_here("key must be a string")),
                        None => return Err(self.error_here("EOF while parsing a value")),
                    }
                    let Some(len) = self.string_end()? else {
                        return Err(self.error_here(
                            "a key longer than the limit: this is not a trace export",
                        ));
                    };
                    let spans = is_resource_spans(&self.buf[self.pos..self.pos + len])
                        .map_err(|error| SplitError::Json { error, at: self.at })?;
                    self.consume(len);
                    match self.skip_ws()? {
                        Some(b':') => self.consume(1),
                        Some(_) => return Err(self.error_here("expected `:`")),
                        None => return Err(self.error_here("EOF while parsing an object")),
                    }
                    match self.skip_ws()? {
                        Some(b'[') if spans => {
                            self.consume(1);
                            self.state = State::FirstElement;
                        }
                        Some(_) => {
                            self.state = State::AfterMember;
                            return self.cut(if spans {
                                Kind::Resources
                            } else {
                                Kind::Ignored
                            });
                        }
                        None => return Err(self.error_here("EOF while parsing a value")),
                    }
                }
            }
        }
    }

    /// Hands the rest of the input — the window's unscanned bytes, then the reader — to `read`,
    /// which reads one value from it, with where it starts; then takes back what `read` left
    /// unread. The window's bytes are counted again by `meter` as `read` takes them, so its
    /// limits hold where the stream is.
    pub(super) fn stream<T>(
        &mut self,
        meter: &Meter,
        read: impl FnOnce(&mut Tracked<'_, R>, Position) -> T,
    ) -> T {
        let rest = &self.buf[self.pos..];
        meter
            .read
            .fetch_sub(rest.len() as u64, std::sync::atomic::Ordering::Relaxed);
        meter.mark();
        let start = self.at;
        let mut tracked = Tracked {
            rest,
            used: 0,
            input: &mut self.input,
            meter,
            at: &mut self.at,
        };
        let out = read(&mut tracked, start);
        let (used, left) = (tracked.used, rest.len() - tracked.used);
        meter
            .read
            .fetch_add(left as u64, std::sync::atomic::Ordering::Relaxed);
        self.pos += used;
        out
    }

    /// Whether the input so far is one document on the first line, of at most `max` bytes, and
    /// that line ends here, after blanks (the newline is then consumed): what a JSON Lines file
    /// shows.
    pub(super) fn ends_first_line(&mut self, max: usize) -> io::Result<bool> {
        if self.documents != 1 || self.at.line != 1 {
            return Ok(false);
        }
        loop {
            let window = &self.buf[self.pos..];
            match window
                .iter()
                .position(|&b| !matches!(b, b' ' | b'\t' | b'\r'))
            {
                Some(n) => {
                    let whole = window[n] == b'\n' && self.at.column + n <= max;
                    if whole {
                        self.consume(n + 1);
                    }
                    return Ok(whole);
                }
                None if self.at.column + window.len() > max => return Ok(false),
                None => {
                    if !self.fill()? {
                        return Ok(false);
                    }
                }
            }
        }
    }

    /// Where the splitter is in the input.
    pub(super) fn position(&self) -> Position {
        self.at
    }

    /// What is left of the input: the bytes read ahead, then the reader.
    pub(super) fn into_rest(mut self) -> (Vec<u8>, R) {
        self.buf.drain(..self.pos);
        (self.buf, self.input)
    }

    /// The first byte from here on that is not whitespace (consuming the whitespace), or `None`
    /// at the end of the input.
    fn skip_ws(&mut self) -> io::Result<Option<u8>> {
        loop {
            let window = &self.buf[self.pos..];
            match window.iter().position(|&b| !is_ws(b)) {
                Some(n) => {
                    self.consume(n);
                    return Ok(Some(self.buf[self.pos]));
                }
                None => {
                    self.consume(window.len());
                    if !self.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// The length of `{ "resourceSpans" : [` here, if that is what is here (without consuming
    /// it); `None` for anything else, or a head longer than [`MAX_HEAD`] or a piece.
    fn head(&mut self) -> io::Result<Option<usize>> {
        let limit = self.max_piece.min(MAX_HEAD);
        loop {
            let window = &self.buf[self.pos..];
            let limited = &window[..window.len().min(limit)];
            match parse_head(limited) {
                Head::Yes(len) => return Ok(Some(len)),
                Head::No => return Ok(None),
                Head::More if limited.len() == limit => return Ok(None),
                Head::More => {
                    if !self.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// The length of the string starting here (its quotes included; all the rest when the
    /// input ends inside it), or `None` when it is longer than a piece.
    fn string_end(&mut self) -> io::Result<Option<usize>> {
        let mut scan = Scan::new(b'"');
        let mut len = 1;
        loop {
            let end = self.window_end();
            if let Some(k) = scan.run(&self.buf[self.pos + len..self.pos + end]) {
                return Ok(Some(len + k));
            }
            len = end;
            if len == self.max_piece {
                return Ok(None);
            }
            if !self.fill()? {
                return Ok(Some(len));
            }
        }
    }

    /// How far a piece starting here may be scanned now: to the end of the window, at most
    /// `max_piece` bytes.
    fn window_end(&self) -> usize {
        (self.buf.len() - self.pos).min(self.max_piece)
    }

    /// Cuts the value starting here into a piece.
    fn cut(&mut self, kind: Kind) -> Result<Piece<'_>, SplitError> {
        let first = self.buf[self.pos];
        let mut len = 1;
        if matches!(first, b'{' | b'[' | b'"') {
            let mut scan = Scan::new(first);
            loop {
                let end = self.window_end();
                if let Some(k) = scan.run(&self.buf[self.pos + len..self.pos + end]) {
                    len += k;
                    break;
                }
                len = end;
                if len == self.max_piece {
                    return Ok(Piece::TooLarge(kind));
                }
                if !self.fill()? {
                    // Cut short: serde_json says what is missing.
                    break;
                }
            }
        } else {
            // A number, a literal or something invalid: up to the next punctuation.
            loop {
                let end = self.window_end();
                let window = &self.buf[self.pos + len..self.pos + end];
                if let Some(k) = window.iter().position(|&b| ends_scalar(b)) {
                    len += k;
                    break;
                }
                len = end;
                if len == self.max_piece {
                    return Err(self.error_here(
                        "a value longer than the limit that is no object, list or string: this is not a trace export",
                    ));
                }
                if !self.fill()? {
                    break;
                }
            }
        }
        let (start, at) = (self.pos, self.at);
        self.consume(len);
        let piece = &self.buf[start..start + len];
        Ok(if matches!(first, b'{' | b'[' | b'"') {
            Piece::Value(kind, piece, at)
        } else {
            Piece::Scalar(kind, piece, at, self.buf.get(self.pos).copied())
        })
    }

    /// An error at the byte here (or at the end of the input), placed as serde_json places it.
    fn error_here(&self, message: &'static str) -> SplitError {
        let mut at = self.at;
        if let Some(&b) = self.buf.get(self.pos) {
            at.advance(&[b]);
        }
        SplitError::Syntax { message, at }
    }

    fn consume(&mut self, n: usize) {
        self.at.advance(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
    }

    /// Reads more of the input into the window, dropping what is done with; `false` at the end.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.reserve(self.chunk);
        let n = (&mut self.input)
            .take(self.chunk as u64)
            .read_to_end(&mut self.buf)?;
        self.eof = n == 0;
        Ok(n > 0)
    }
}

/// Whether `bytes`, the start of an input, show an OTLP/JSON document the splitter reads
/// (`{ "resourceSpans" : [`, after any whitespace).
pub(super) fn starts_document(bytes: &[u8]) -> bool {
    let start = bytes.iter().position(|&b| !is_ws(b)).unwrap_or(bytes.len());
    matches!(parse_head(&bytes[start..]), Head::Yes(_))
}

/// Whether a key (with its quotes) is `resourceSpans`; serde_json's error when it is no valid
/// JSON string.
fn is_resource_spans(key: &[u8]) -> Result<bool, serde_json::Error> {
    if key == b"\"resourceSpans\"" {
        return Ok(true);
    }
    serde_json::from_slice::<String>(key).map(|k| k == "resourceSpans")
}

/// Whether a byte ends a number or a literal.
fn ends_scalar(b: u8) -> bool {
    is_ws(b) || matches!(b, b',' | b']' | b'}' | b'[' | b'{' | b'"' | b':')
}

/// What the start of a document says.
enum Head {
    /// `{ "resourceSpans" : [`, this long.
    Yes(usize),
    /// Something else.
    No,
    /// Not enough bytes to tell.
    More,
}

/// Reads `{ "resourceSpans" : [` at the start of `bytes`.
fn parse_head(bytes: &[u8]) -> Head {
    let ws = |at: usize| at + bytes[at..].iter().take_while(|&&b| is_ws(b)).count();
    if bytes.first() != Some(&b'{') {
        return if bytes.is_empty() {
            Head::More
        } else {
            Head::No
        };
    }
    let at = ws(1);
    match bytes.get(at) {
        None => return Head::More,
        Some(b'"') => {}
        Some(_) => return Head::No,
    }
    let mut scan = Scan::new(b'"');
    let Some(len) = scan.run(&bytes[at + 1..]) else {
        return Head::More;
    };
    let end = at + 1 + len;
    if !is_resource_spans(&bytes[at..end]).unwrap_or(false) {
        return Head::No;
    }
    let at = ws(end);
    match bytes.get(at) {
        None => return Head::More,
        Some(b':') => {}
        Some(_) => return Head::No,
    }
    let at = ws(at + 1);
    match bytes.get(at) {
        None => Head::More,
        Some(b'[') => Head::Yes(at + 1),
        Some(_) => Head::No,
    }
}

/// The scan of one object, list or string, resumable across chunks.
struct Scan {
    depth: usize,
    in_string: bool,
    /// Where in an escape the last chunk ended.
    escape: Escape,
}

/// Where the scan is in a string's escape. A `\u` escape's four digits are skipped whatever they
/// are, as serde_json reads four bytes before it checks them: a quote among them does not end the
/// string (`"\u"05d"` is one broken string, not `"\u"` and more).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    /// After a backslash: the next byte is escaped.
    Char,
    /// After `\u`: this many digits to come.
    Hex(u8),
}

impl Scan {
    /// The scan after the first byte of a value (`{`, `[` or `"`).
    fn new(first: u8) -> Scan {
        Scan {
            depth: usize::from(first != b'"'),
            in_string: first == b'"',
            escape: Escape::None,
        }
    }

    /// Scans `bytes`, the value's next bytes; where in them the value ends (after its last
    /// byte), or `None` when it goes on.
    ///
    /// # Complexity
    /// O(bytes); strings are skipped with `memchr2`.
    fn run(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = 0;
        loop {
            if self.in_string {
                if self.escape != Escape::None {
                    i = self.skip_escape(bytes, i)?;
                }
                i += memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
                i += 1;
                if bytes[i - 1] == b'\\' {
                    self.escape = Escape::Char;
                    continue;
                }
                self.in_string = false;
                if self.depth == 0 {
                    return Some(i);
                }
            } else {
                let b = *bytes.get(i)?;
                i += 1;
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            return Some(i);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Skips the rest of an escape from `bytes[i..]`: where the string goes on, or `None` when
    /// the bytes end inside the escape (remembered for the next chunk).
    fn skip_escape(&mut self, bytes: &[u8], mut i: usize) -> Option<usize> {
        if self.escape == Escape::Char {
            let b = *bytes.get(i)?;
            i += 1;
            self.escape = if b == b'u' {
                Escape::Hex(4)
            } else {
                Escape::None
            };
        }
        if let Escape::Hex(n) = self.escape {
            let skipped = usize::from(n).min(bytes.len() - i);
            i += skipped;
            if skipped < usize::from(n) {
                self.escape = Escape::Hex(n - skipped as u8);
                return None;
            }
            self.escape = Escape::None;
        }
        Some(i)
    }
}

/// The rest of the input as a reader, for [`Splitter::stream`]: first the window's unscanned
/// bytes (counted again by the meter), then the reader; where it is, kept up to date.
pub(super) struct Tracked<'a, R> {
    rest: &'a [u8],
    used: usize,
    input: &'a mut R,
    meter: &'a Meter,
    at: &'a mut Position,
}

impl<R: Read> Read for Tracked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = &self.rest[self.used..];
        let n = if left.is_empty() {
            self.input.read(buf)?
        } else {
            let n = left.len().min(buf.len());
            buf[..n].copy_from_slice(&left[..n]);
            self.used += n;
            self.meter.count(n as u64, u64::MAX)?;
            n
        };
        self.at.advance(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
