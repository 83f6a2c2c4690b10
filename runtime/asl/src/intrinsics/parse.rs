//! The grammar of intrinsic calls.
//!
//! ```text
//! call   := "States." NAME "(" [arg ("," arg)*] ")"
//! arg    := string | number | "true" | "false" | "null" | path | call
//! string := "'" (char | "\'" | "\{" | "\}" | "\\")* "'"
//! number := "-"? ("0" | [1-9][0-9]*) ("." [0-9]+)? ([eE] [+-]? [0-9]+)?
//! path   := "$" ... up to "," or ")" or whitespace outside brackets and quotes
//! ```
//! Whitespace may surround every token. Calls nest at most [`MAX_NESTING`] levels deep, so the
//! recursive descent below is bounded.

use super::{Arg, Call, Function, StrLit, TemplatePart, MAX_NESTING};

/// A malformed intrinsic call: what was wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid intrinsic function call: {message} at position {position} in '{source_text}'")]
pub struct ParseError {
    /// What was wrong.
    pub message: String,
    /// Where: 0-based position in the text, in Unicode scalar values.
    pub position: usize,
    /// The whole text that was parsed.
    pub source_text: String,
}

pub(super) fn parse(src: &str) -> Result<Call, ParseError> {
    let mut p = Parser { chars: src.chars().collect(), pos: 0, src };
    p.skip_ws();
    let call = p.call(1)?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        return Err(p.error(format!("unexpected {} after the end of the call", describe(c))));
    }
    Ok(call)
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    src: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn error(&self, message: String) -> ParseError {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, position: usize, message: String) -> ParseError {
        ParseError { message, position, source_text: self.src.to_string() }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn call(&mut self, depth: usize) -> Result<Call, ParseError> {
        let start = self.pos;
        if depth > MAX_NESTING {
            return Err(self.error(format!(
                "intrinsic functions are nested more than {MAX_NESTING} levels deep"
            )));
        }
        if !self.starts_with("States.") {
            return Err(
                self.error("expected an intrinsic function name starting with 'States.'".into())
            );
        }
        self.pos += "States.".len();
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        let function = Function::from_name(&name)
            .ok_or_else(|| self.error_at(start, format!("unknown intrinsic function '{name}'")))?;
        self.skip_ws();
        if self.peek() != Some('(') {
            return Err(self.error(format!("expected '(' after '{name}'")));
        }
        self.pos += 1;
        self.skip_ws();
        let mut args = Vec::new();
        if self.peek() == Some(')') {
            self.pos += 1;
            return Ok(Call { function, args });
        }
        loop {
            self.skip_ws();
            args.push(self.arg(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(Call { function, args });
                }
                Some(c) => {
                    return Err(self.error(format!(
                        "expected ',' or ')' in the arguments of {name}, found {}",
                        describe(c)
                    )))
                }
                None => {
                    return Err(self.error(format!("missing ')' to close the arguments of {name}")))
                }
            }
        }
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, ParseError> {
        match self.peek() {
            None => Err(self.error("expected an argument, found the end of the text".into())),
            Some('\'') => self.string().map(Arg::Str),
            Some('$') => self.path().map(Arg::Path),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number().map(Arg::Number),
            Some(_) if self.starts_with("States.") => self.call(depth + 1).map(Arg::Call),
            Some(c) if c.is_alphabetic() => self.keyword(),
            Some(c) => Err(self.error(format!("expected an argument, found {}", describe(c)))),
        }
    }

    fn keyword(&mut self) -> Result<Arg, ParseError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        match word.as_str() {
            "true" => Ok(Arg::Bool(true)),
            "false" => Ok(Arg::Bool(false)),
            "null" => Ok(Arg::Null),
            _ => Err(self.error_at(
                start,
                format!("unexpected '{word}': arguments are 'strings', numbers, true, false, null, paths or calls"),
            )),
        }
    }

    fn string(&mut self) -> Result<StrLit, ParseError> {
        let start = self.pos;
        self.pos += 1; // opening quote
        let mut value = String::new();
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut stray: Option<usize> = None;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error_at(start, "unterminated string literal".into()));
            };
            match c {
                '\'' => {
                    self.pos += 1;
                    break;
                }
                '\\' => {
                    let escaped = match self.peek_at(1) {
                        Some(e @ ('\'' | '{' | '}' | '\\')) => e,
                        Some(e) => {
                            return Err(self.error(format!(
                                "invalid escape sequence '\\{e}' (only \\' \\{{ \\}} and \\\\ are allowed)"
                            )))
                        }
                        None => return Err(self.error_at(start, "unterminated string literal".into())),
                    };
                    value.push(escaped);
                    text.push(escaped);
                    self.pos += 2;
                }
                '{' if self.peek_at(1) == Some('}') => {
                    value.push_str("{}");
                    parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                    parts.push(TemplatePart::Placeholder);
                    self.pos += 2;
                }
                '{' | '}' => {
                    stray.get_or_insert(self.pos);
                    value.push(c);
                    text.push(c);
                    self.pos += 1;
                }
                _ => {
                    value.push(c);
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        parts.push(TemplatePart::Text(text));
        parts.retain(|p| !matches!(p, TemplatePart::Text(t) if t.is_empty()));
        let template = match stray {
            Some(at) => Err(at),
            None => Ok(parts),
        };
        Ok(StrLit { value, template })
    }

    fn number(&mut self) -> Result<serde_json::Number, ParseError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos - from
        };
        let int_start = self.pos;
        let int_len = digits(self);
        if int_len == 0 {
            return Err(self.error("expected a digit after '-'".into()));
        }
        if int_len > 1 && self.chars[int_start] == '0' {
            return Err(
                self.error_at(int_start, "a number must not start with a leading zero".into())
            );
        }
        let mut integral = true;
        if self.peek() == Some('.') {
            self.pos += 1;
            integral = false;
            if digits(self) == 0 {
                return Err(self.error("expected a digit after the decimal point".into()));
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.pos += 1;
            integral = false;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("expected a digit in the exponent".into()));
            }
        }
        if let Some(c) = self.peek() {
            if !(c.is_whitespace() || c == ',' || c == ')') {
                return Err(self.error(format!("unexpected {} after a number", describe(c))));
            }
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if integral {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(i.into());
            }
            if let Ok(u) = text.parse::<u64>() {
                return Ok(u.into());
            }
        }
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .ok_or_else(|| self.error_at(start, format!("number {text} is out of range")))
    }

    fn path(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut quote: Option<(char, usize)> = None;
        while let Some(c) = self.peek() {
            if let Some((q, _)) = quote {
                if c == '\\' {
                    self.pos += 1;
                } else if c == q {
                    quote = None;
                }
            } else if depth > 0 && (c == '\'' || c == '"') {
                quote = Some((c, self.pos));
            } else if c == '[' {
                depth += 1;
            } else if c == ']' {
                if depth == 0 {
                    return Err(self.error("unbalanced ']' in a path".into()));
                }
                depth -= 1;
            } else if depth == 0 && (c == ',' || c == ')' || c.is_whitespace()) {
                break;
            }
            self.pos += 1;
        }
        if let Some((_, at)) = quote {
            return Err(self.error_at(at, "unterminated quoted name in a path".into()));
        }
        if depth > 0 {
            return Err(self.error_at(start, "unclosed '[' in a path".into()));
        }
        Ok(self.chars[start..self.pos.min(self.chars.len())].iter().collect())
    }
}

fn describe(c: char) -> String {
    if c.is_control() {
        format!("character U+{:04X}", c as u32)
    } else {
        format!("'{c}'")
    }
}

/// Parse a `States.Format` template that came from a path (not a literal): `{}` is a
/// placeholder, and any other brace is an error. Backslashes are plain characters.
pub(super) fn template_from_text(s: &str) -> Result<Vec<TemplatePart>, usize> {
    let chars: Vec<char> = s.chars().collect();
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '{' if chars.get(i + 1) == Some(&'}') => {
                parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                parts.push(TemplatePart::Placeholder);
                i += 2;
            }
            '{' | '}' => return Err(i),
            _ => {
                text.push(c);
                i += 1;
            }
        }
    }
    parts.push(TemplatePart::Text(text));
    parts.retain(|p| !matches!(p, TemplatePart::Text(t) if t.is_empty()));
    Ok(parts)
}

impl StrLit {
    /// The literal read as a `States.Format` template, or the position of a stray brace.
    pub(super) fn template(&self) -> Result<&[TemplatePart], usize> {
        self.template.as_deref().map_err(|&at| at)
    }
}
