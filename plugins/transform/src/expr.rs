//! Finding placeholders in text and parsing the expressions inside them.

use serde_json::Value;

/// A piece of a template string.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece<'a> {
    /// Text copied as is.
    Text(&'a str),
    /// The source of one `{{ … }}` placeholder, without the braces.
    Placeholder(&'a str),
}

/// A parsed placeholder: an operand and the filters applied to it in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    /// Where the value comes from.
    pub operand: Operand,
    /// What is done to it.
    pub filters: Vec<Filter>,
}

/// The start of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A path into the data; empty means the whole data.
    Path(Vec<Segment>),
    /// A JSON literal.
    Literal(Value),
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// An object key (`.name` or `["name"]`); on an array, a key made of
    /// digits selects that index.
    Key(String),
    /// An array index (`[3]`).
    Index(usize),
}

/// A filter applied to a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Use the literal when the value is missing or null.
    Default(Value),
    /// Upper-case a string.
    Upper,
    /// Lower-case a string.
    Lower,
    /// Trim whitespace around a string.
    Trim,
    /// The value as compact JSON text.
    Json,
    /// Length of a string (characters), array or object.
    Length,
    /// Join an array of scalars with the separator.
    Join(String),
}

/// Splits `text` into literal text and placeholders. A `}}` inside a string
/// literal does not close a placeholder. An unclosed `{{` is an error.
pub fn split(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            pieces.push(Piece::Text(&rest[..start]));
        }
        let inner = &rest[start + 2..];
        let end = closing_braces(inner).ok_or_else(|| {
            let shown: String = rest[start..].chars().take(40).collect();
            format!("the placeholder starting {shown:?} is not closed with }}}}")
        })?;
        pieces.push(Piece::Placeholder(&inner[..end]));
        rest = &inner[end + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// Byte offset of the `}}` that closes a placeholder, skipping string literals.
fn closing_braces(inner: &str) -> Option<usize> {
    let bytes = inner.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'}' if !in_string && bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Parses the source of one placeholder.
pub fn parse_expression(source: &str) -> Result<Expression, String> {
    let mut p = Parser {
        src: source,
        pos: 0,
    };
    p.skip_ws();
    let operand = p.operand()?;
    let mut filters = Vec::new();
    loop {
        p.skip_ws();
        match p.peek() {
            None => break,
            Some('|') => {
                p.pos += 1;
                p.skip_ws();
                filters.push(p.filter()?);
            }
            Some(c) => return Err(format!("unexpected {c:?} at offset {}", p.pos)),
        }
    }
    Ok(Expression { operand, filters })
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

/// Characters that end a bare key.
fn ends_key(c: char) -> bool {
    c.is_whitespace() || matches!(c, '.' | '[' | ']' | '|' | '(' | ')' | '"')
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.src.len() - trimmed.len();
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &str {
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| !keep(c))
            .unwrap_or(self.rest().len());
        self.pos += len;
        &self.src[start..self.pos]
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.peek() {
            None => Err("the placeholder is empty".to_string()),
            Some('"' | '-' | '0'..='9') => Ok(Operand::Literal(self.literal()?)),
            Some(_) => {
                for word in ["true", "false", "null"] {
                    if self.rest().starts_with(word)
                        && self.rest()[word.len()..]
                            .chars()
                            .next()
                            .is_none_or(ends_key)
                    {
                        self.pos += word.len();
                        return Ok(Operand::Literal(
                            serde_json::from_str(word).map_err(|e| e.to_string())?,
                        ));
                    }
                }
                self.path().map(Operand::Path)
            }
        }
    }

    fn literal(&mut self) -> Result<Value, String> {
        let start = self.pos;
        if self.peek() == Some('"') {
            let body = &self.src[start + 1..];
            let mut escaped = false;
            let mut end = None;
            for (i, c) in body.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end =
                end.ok_or_else(|| format!("the string starting at offset {start} is not closed"))?;
            self.pos = start + 1 + end + 1;
        } else {
            self.take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'));
        }
        let text = &self.src[start..self.pos];
        serde_json::from_str(text).map_err(|e| format!("{text:?} is not a JSON literal: {e}"))
    }

    fn path(&mut self) -> Result<Vec<Segment>, String> {
        let mut segments = Vec::new();
        if self.peek() == Some('$') {
            self.pos += 1;
            match self.peek() {
                Some('.') => self.pos += 1,
                Some('[') => {}
                _ => return Ok(segments),
            }
        }
        loop {
            match self.peek() {
                Some('[') => {
                    self.pos += 1;
                    self.skip_ws();
                    let segment = match self.peek() {
                        Some('"') => match self.literal()? {
                            Value::String(key) => Segment::Key(key),
                            other => return Err(format!("expected a quoted key, got {other}")),
                        },
                        _ => {
                            let digits = self.take_while(|c| c.is_ascii_digit());
                            let index = digits.parse::<usize>().map_err(|_| {
                                format!(
                                    "expected an index or a quoted key after '[' at offset {}",
                                    self.pos
                                )
                            })?;
                            Segment::Index(index)
                        }
                    };
                    self.skip_ws();
                    if self.peek() != Some(']') {
                        return Err(format!("expected ']' at offset {}", self.pos));
                    }
                    self.pos += 1;
                    segments.push(segment);
                }
                _ => {
                    let key = self.take_while(|c| !ends_key(c));
                    if key.is_empty() {
                        return Err(format!("expected a key at offset {}", self.pos));
                    }
                    segments.push(Segment::Key(key.to_string()));
                }
            }
            match self.peek() {
                Some('.') => self.pos += 1,
                Some('[') => {}
                _ => return Ok(segments),
            }
        }
    }

    fn filter(&mut self) -> Result<Filter, String> {
        let name = self
            .take_while(|c| c.is_ascii_alphanumeric() || c == '_')
            .to_string();
        self.skip_ws();
        let arg = if self.peek() == Some('(') {
            self.pos += 1;
            self.skip_ws();
            let value = self.literal()?;
            self.skip_ws();
            if self.peek() != Some(')') {
                return Err(format!("expected ')' after the argument of {name:?}"));
            }
            self.pos += 1;
            Some(value)
        } else {
            None
        };
        let no_arg = |f: Filter| match arg {
            None => Ok(f),
            Some(_) => Err(format!("filter {name:?} takes no argument")),
        };
        match (name.as_str(), arg.clone()) {
            ("default", Some(v)) => Ok(Filter::Default(v)),
            ("join", Some(Value::String(sep))) => Ok(Filter::Join(sep)),
            ("default", None) => {
                Err("filter \"default\" needs an argument, e.g. default(\"n/a\")".to_string())
            }
            ("join", _) => {
                Err("filter \"join\" needs a string argument, e.g. join(\", \")".to_string())
            }
            ("upper", _) => no_arg(Filter::Upper),
            ("lower", _) => no_arg(Filter::Lower),
            ("trim", _) => no_arg(Filter::Trim),
            ("json", _) => no_arg(Filter::Json),
            ("length", _) => no_arg(Filter::Length),
            ("", _) => Err("expected a filter name after '|'".to_string()),
            _ => Err(format!(
                "unknown filter {name:?} (known: default, upper, lower, trim, json, length, join)"
            )),
        }
    }
}
