//! JSON templates: field values (`Output`, `Arguments`, `Assign`, `Items`, …) in which every
//! string that is exactly `"{% expr %}"`, at any depth, is replaced by the value of `expr`.

use serde_json::{Map, Value};

use super::session::Session;
use super::{compile, expression_of, Expr, JsonataError, QueryError, Scope};

/// Deepest template nesting compiled (parsed JSON stops at 128 levels; this keeps the
/// recursive walks well inside any thread's stack).
pub(crate) const MAX_TEMPLATE_NESTING: usize = 256;

/// A compiled template. Compile it once per definition; evaluate it per state visit.
#[derive(Clone, Debug)]
pub struct Template {
    node: Node,
    expressions: Vec<Expr>,
}

#[derive(Clone, Debug)]
enum Node {
    /// A subtree without expressions.
    Literal(Value),
    Expression(Expr),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

/// An expression in a template that does not compile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSONata expression '{expression}' at '{location}': {}", .error.detail())]
pub struct TemplateSyntaxError {
    /// Where in the template, relative to the field: empty for the field itself, otherwise
    /// `/key` per object member and `[i]` per array item (`/result`, `/items[0]`).
    pub location: String,
    /// The expression text.
    pub expression: String,
    /// What is wrong with it.
    pub error: JsonataError,
}

impl Template {
    /// Compiles every `"{% … %}"` string in `template`.
    pub fn compile(template: &Value) -> Result<Template, TemplateSyntaxError> {
        let mut expressions = Vec::new();
        let mut location = String::new();
        let node = compile_node(template, &mut location, 0, &mut expressions)?;
        Ok(Template { node, expressions })
    }

    /// Whether the template holds no expression (it evaluates to itself).
    pub fn is_constant(&self) -> bool {
        self.expressions.is_empty()
    }

    /// The template's expressions, in document order.
    pub fn expressions(&self) -> &[Expr] {
        &self.expressions
    }

    /// Evaluates the template. `field` names it in error causes (`Output`, `Arguments`,
    /// `Assign`, `Items`, `Choices[0]/Condition`, …); nested expressions are reported at
    /// `Output/result`, `Output/items[0]` and so on. An expression that returns nothing or a
    /// function, or fails, is a `States.QueryEvaluationError`.
    pub fn evaluate(&self, field: &str, scope: &Scope) -> Result<Value, QueryError> {
        if let Node::Literal(value) = &self.node {
            return Ok(value.clone());
        }
        let mut session = match Session::new(scope, &self.expressions) {
            Ok(session) => session,
            Err(error) => {
                let first = self.expressions.first().map_or("", |e| e.source());
                return Err(QueryError::from_evaluation(first, field, &error));
            }
        };
        let mut location = field.to_string();
        evaluate_node(&self.node, &mut location, &mut session)
    }
}

/// Compiles and evaluates `template` in one go (see [`Template::evaluate`]). An expression that
/// does not compile is reported as a `States.QueryEvaluationError` naming it; a definition
/// should have been refused for it already ([`Template::compile`]).
pub fn evaluate_template(
    template: &Value,
    field: &str,
    scope: &Scope,
) -> Result<Value, QueryError> {
    match Template::compile(template) {
        Ok(compiled) => compiled.evaluate(field, scope),
        Err(e) => Err(QueryError::from_evaluation(
            &e.expression,
            &format!("{field}{}", e.location),
            &e.error,
        )),
    }
}

fn compile_node(
    value: &Value,
    location: &mut String,
    depth: usize,
    expressions: &mut Vec<Expr>,
) -> Result<Node, TemplateSyntaxError> {
    if depth > MAX_TEMPLATE_NESTING {
        return Err(TemplateSyntaxError {
            location: location.clone(),
            expression: String::new(),
            error: JsonataError::Syntax {
                code: None,
                message: format!("template nested deeper than {MAX_TEMPLATE_NESTING} levels"),
            },
        });
    }
    let before = expressions.len();
    let node = match value {
        Value::String(s) => match expression_of(s) {
            Some(source) => {
                let expr = compile(source).map_err(|error| TemplateSyntaxError {
                    location: location.clone(),
                    expression: source.to_string(),
                    error,
                })?;
                expressions.push(expr.clone());
                Node::Expression(expr)
            }
            None => Node::Literal(value.clone()),
        },
        Value::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = location.len();
                location.push_str(&format!("[{i}]"));
                let node = compile_node(item, location, depth + 1, expressions);
                location.truncate(len);
                nodes.push(node?);
            }
            Node::Array(nodes)
        }
        Value::Object(map) => {
            let mut members = Vec::with_capacity(map.len());
            for (key, member) in map {
                let len = location.len();
                location.push('/');
                location.push_str(key);
                let node = compile_node(member, location, depth + 1, expressions);
                location.truncate(len);
                members.push((key.clone(), node?));
            }
            Node::Object(members)
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Node::Literal(value.clone()),
    };
    // A subtree without expressions is kept as one literal.
    if expressions.len() == before {
        Ok(Node::Literal(value.clone()))
    } else {
        Ok(node)
    }
}

fn evaluate_node(
    node: &Node,
    location: &mut String,
    session: &mut Session,
) -> Result<Value, QueryError> {
    match node {
        Node::Literal(value) => Ok(value.clone()),
        Node::Expression(expr) => match session.evaluate(expr) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(QueryError::undefined(expr.source(), location)),
            Err(error) => Err(QueryError::from_evaluation(expr.source(), location, &error)),
        },
        Node::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = location.len();
                location.push_str(&format!("[{i}]"));
                let value = evaluate_node(item, location, session);
                location.truncate(len);
                out.push(value?);
            }
            Ok(Value::Array(out))
        }
        Node::Object(members) => {
            let mut out = Map::with_capacity(members.len());
            for (key, member) in members {
                let len = location.len();
                location.push('/');
                location.push_str(key);
                let value = evaluate_node(member, location, session);
                location.truncate(len);
                out.insert(key.clone(), value?);
            }
            Ok(Value::Object(out))
        }
    }
}
