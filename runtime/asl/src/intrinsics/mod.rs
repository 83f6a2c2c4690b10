//! Intrinsic functions (`States.Format(...)` and friends), exactly as AWS Step Functions
//! evaluates them in JSONPath states.
//!
//! A `.$` value that starts with `States.` is an intrinsic call. [`parse`] turns its text into a
//! [`Call`] tree once (at definition load), and [`evaluate`] runs that tree against an
//! [`IntrinsicEnv`], which resolves path arguments and supplies entropy. The module is pure: it
//! never reads a clock or a random source of its own.
//!
//! AWS runs a Java service, and several results only make sense in Java terms. This module
//! reproduces them on purpose:
//! - `States.Format` (and `States.Hash` on non-string data, and `States.ArrayContains`) render
//!   values the way Java's `toString` does: `{a=1, b=[x, 2]}`, doubles as `1.0E20`.
//! - `States.ArrayUnique` returns the iteration order of a `java.util.HashSet`.
//! - `States.MathRandom` with a seed draws from `java.util.Random`'s published generator.
//! - `States.MathAdd` rounds half up (`Math.round`); `MathRandom`, `ArrayRange`,
//!   `ArrayPartition` and `ArrayGetItem` truncate fractional numbers toward zero.
//! - `States.StringSplit` drops empty tokens, like `java.util.StringTokenizer`.
//! - `States.Base64Decode` skips characters outside the Base64 alphabet and stops at `=`.
//!
//! Argument errors all produce the cause `Invalid arguments in States.<Name>`. AWS reports them
//! with the error name [`FAILURE_ERROR`] (`States.Runtime`): `States.IntrinsicFailure` is
//! reserved and never raised.

mod functions;
mod java;
mod parse;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_corpus;
#[cfg(test)]
mod tests_more;

use serde_json::Value;

pub use parse::ParseError;

/// The error name AWS reports when an intrinsic function fails at run time.
///
/// The documented name `States.IntrinsicFailure` is reserved for future use; AWS reports
/// intrinsic processing errors as `States.Runtime`, which `States.ALL` cannot catch.
pub const FAILURE_ERROR: &str = "States.Runtime";

/// The deepest nesting of calls AWS accepts in one field (the outermost call is level 1).
pub const MAX_NESTING: usize = 10;

/// Whether a `.$` value is an intrinsic function call rather than a path.
///
/// This is a cheap syntactic test (`States.` followed by a letter); [`parse`] decides whether the
/// call is well formed.
pub fn looks_like_intrinsic(s: &str) -> bool {
    s.trim_start()
        .strip_prefix("States.")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic())
}

/// Parse the text of an intrinsic function call into a [`Call`] tree.
///
/// Errors name what was wrong and the character position (0-based, counted in Unicode scalar
/// values) where it was found.
pub fn parse(src: &str) -> Result<Call, ParseError> {
    parse::parse(src)
}

/// The caller's side of an evaluation: path resolution and entropy.
pub trait IntrinsicEnv {
    /// The error a failed path resolution produces; [`evaluate`] hands it back unchanged.
    type Error;

    /// Resolve a path argument: `"$.a"`, `"$"`, `"$$.Execution.Id"`, `"$var"`, `"$var.x"`.
    /// The text is passed exactly as written in the call. Errors propagate unchanged.
    fn resolve_path(&mut self, path: &str) -> Result<Value, Self::Error>;

    /// 64 bits of entropy from the caller (this module has no random source of its own).
    /// Used by `States.UUID` (called twice per UUID) and by unseeded `States.MathRandom`.
    fn entropy(&mut self) -> u64;
}

/// Why an evaluation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntrinsicError<E> {
    /// A path argument could not be resolved; the caller's own error, unchanged.
    #[error("{0}")]
    Path(E),
    /// The function rejected its arguments. The text is AWS's cause detail, for example
    /// `Invalid arguments in States.MathAdd`; AWS reports it under [`FAILURE_ERROR`].
    #[error("{0}")]
    Failure(String),
}

/// Evaluate a parsed call. Arguments are evaluated left to right, nested calls first.
pub fn evaluate<E: IntrinsicEnv>(
    call: &Call,
    env: &mut E,
) -> Result<Value, IntrinsicError<E::Error>> {
    functions::evaluate(call, env)
}

/// One of the 18 intrinsic functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

impl Function {
    /// Every function, in the order AWS documents them.
    pub const ALL: [Function; 18] = [
        Function::Format,
        Function::StringToJson,
        Function::JsonToString,
        Function::Array,
        Function::ArrayPartition,
        Function::ArrayContains,
        Function::ArrayRange,
        Function::ArrayGetItem,
        Function::ArrayLength,
        Function::ArrayUnique,
        Function::Base64Encode,
        Function::Base64Decode,
        Function::Hash,
        Function::JsonMerge,
        Function::MathRandom,
        Function::MathAdd,
        Function::StringSplit,
        Function::Uuid,
    ];

    /// The full name, e.g. `States.ArrayGetItem`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Format => "States.Format",
            Function::StringToJson => "States.StringToJson",
            Function::JsonToString => "States.JsonToString",
            Function::Array => "States.Array",
            Function::ArrayPartition => "States.ArrayPartition",
            Function::ArrayContains => "States.ArrayContains",
            Function::ArrayRange => "States.ArrayRange",
            Function::ArrayGetItem => "States.ArrayGetItem",
            Function::ArrayLength => "States.ArrayLength",
            Function::ArrayUnique => "States.ArrayUnique",
            Function::Base64Encode => "States.Base64Encode",
            Function::Base64Decode => "States.Base64Decode",
            Function::Hash => "States.Hash",
            Function::JsonMerge => "States.JsonMerge",
            Function::MathRandom => "States.MathRandom",
            Function::MathAdd => "States.MathAdd",
            Function::StringSplit => "States.StringSplit",
            Function::Uuid => "States.UUID",
        }
    }

    /// Look a function up by its full name (case-sensitive, as AWS is).
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A parsed intrinsic call: the function and its argument expressions.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    function: Function,
    args: Vec<Arg>,
}

impl Call {
    /// The function called.
    pub fn function(&self) -> Function {
        self.function
    }

    /// The argument expressions, in order.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    /// Every path argument in the tree, nested calls included, in source order.
    pub fn paths(&self) -> Vec<&str> {
        let mut out = Vec::new();
        collect_paths(self, &mut out);
        out
    }
}

fn collect_paths<'a>(call: &'a Call, out: &mut Vec<&'a str>) {
    for arg in &call.args {
        match arg {
            Arg::Path(p) => out.push(p),
            Arg::Call(c) => collect_paths(c, out),
            _ => {}
        }
    }
}

/// One argument expression of a [`Call`].
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A `'quoted'` string literal.
    Str(StrLit),
    /// A number literal: an integer when written without fraction or exponent.
    Number(serde_json::Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A path (`$.a`, `$`, `$$.Execution.Id`, `$var.x`), text as written.
    Path(String),
    /// A nested call.
    Call(Call),
}

/// A string literal: its value, and its reading as a `States.Format` template.
///
/// Escaped braces (`\{`, `\}`) are plain text in a template; unescaped `{}` is a placeholder.
/// Outside `States.Format` braces need no escaping.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    value: String,
    template: Result<Vec<TemplatePart>, usize>,
}

impl StrLit {
    /// The decoded string.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// A piece of a `States.Format` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TemplatePart {
    Text(String),
    Placeholder,
}
