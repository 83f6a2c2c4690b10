//! Reading Choice rules from a definition, with every problem reported as a diagnostic.

use serde_json::{Map, Value};

use super::{
    ChoiceRule, DataTest, Family, Node, Operand, Operator, Pattern, Relation, Rule, TimestampLiteral, TypeTest,
    MAX_RULE_DEPTH, ORDERED_OPERATORS,
};
use crate::diagnostic::Diagnostic;
use crate::timestamp;

/// Parse one element of a Choice state's `Choices` array. `pointer` is its JSON pointer,
/// such as `/States/Check/Choices/0`; diagnostics point below it.
pub fn parse_choice_rule(v: &Value, pointer: &str) -> Result<ChoiceRule, Vec<Diagnostic>> {
    let mut parser = Parser { diagnostics: Vec::new() };
    let rule = parser.rule(v, pointer, 0, true);
    let mut next = None;
    let mut assign = None;
    let mut comment = None;
    if let Some(fields) = v.as_object() {
        match fields.get("Next") {
            None => parser.error(pointer, "These fields are required: [Next]"),
            Some(Value::String(s)) => next = Some(s.clone()),
            Some(_) => parser.error(format!("{pointer}/Next"), "The value of 'Next' must be a string"),
        }
        match fields.get("Assign") {
            None => {}
            Some(value @ Value::Object(_)) => assign = Some(value.clone()),
            Some(_) => parser.error(format!("{pointer}/Assign"), "The value of 'Assign' must be a JSON object"),
        }
        comment = fields.get("Comment").and_then(Value::as_str).map(str::to_owned);
    }
    match (rule, next) {
        (Some(rule), Some(next)) if parser.diagnostics.is_empty() => Ok(ChoiceRule { rule, next, assign, comment }),
        _ => Err(parser.diagnostics),
    }
}

/// A field of a rule object, by name.
enum Field {
    Variable,
    Next,
    Assign,
    Comment,
    And,
    Or,
    Not,
    Compare(Comparison),
    Unknown,
}

/// A comparison operator, before its operand is read.
#[derive(Clone, Copy)]
enum Comparison {
    Ordered { family: Family, relation: Relation, path: bool },
    Boolean { path: bool },
    Matches,
    Is(TypeTest),
}

fn classify(name: &str) -> Field {
    match name {
        "Variable" => return Field::Variable,
        "Next" => return Field::Next,
        "Assign" => return Field::Assign,
        "Comment" => return Field::Comment,
        "And" => return Field::And,
        "Or" => return Field::Or,
        "Not" => return Field::Not,
        "BooleanEquals" => return Field::Compare(Comparison::Boolean { path: false }),
        "BooleanEqualsPath" => return Field::Compare(Comparison::Boolean { path: true }),
        "StringMatches" => return Field::Compare(Comparison::Matches),
        _ => {}
    }
    if let Some(test) = TypeTest::ALL.into_iter().find(|t| t.name() == name) {
        return Field::Compare(Comparison::Is(test));
    }
    for (family, path, names) in ORDERED_OPERATORS {
        if let Some(relation) = Relation::ALL.into_iter().zip(names).find_map(|(r, n)| (n == name).then_some(r)) {
            return Field::Compare(Comparison::Ordered { family, relation, path });
        }
    }
    Field::Unknown
}

struct Parser {
    diagnostics: Vec<Diagnostic>,
}

impl Parser {
    fn error(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::schema(location, message));
    }

    /// Parse a rule object. Returns `None` after recording at least one diagnostic.
    fn rule(&mut self, v: &Value, pointer: &str, depth: usize, top: bool) -> Option<Rule> {
        let Some(fields) = v.as_object() else {
            self.error(pointer, "A Choice Rule must be a JSON object");
            return None;
        };
        if depth > MAX_RULE_DEPTH {
            self.error(pointer, format!("Choice Rules may be nested at most {MAX_RULE_DEPTH} levels deep"));
            return None;
        }
        let errors_before = self.diagnostics.len();
        let mut operators: Vec<(&str, Field)> = Vec::new();
        for name in fields.keys() {
            match classify(name) {
                Field::Variable => {}
                Field::Comment => {
                    if !fields.get(name).is_some_and(Value::is_string) {
                        self.error(format!("{pointer}/Comment"), "The value of 'Comment' must be a string");
                    }
                }
                Field::Next | Field::Assign if top => {}
                Field::Next | Field::Assign => self.error(
                    pointer,
                    format!(
                        "Field '{name}' is not supported in a nested Choice Rule (only a top-level rule may have it)"
                    ),
                ),
                Field::Unknown => self.error(pointer, format!("Field '{name}' is not supported")),
                field => operators.push((name, field)),
            }
        }
        let (name, operator) = match operators.len() {
            1 => operators.swap_remove(0),
            0 => {
                self.error(pointer, "A Choice Rule must have a comparison operator, or one of 'And', 'Or', 'Not'");
                return None;
            }
            _ => {
                let names: Vec<&str> = operators.iter().map(|(n, _)| *n).collect();
                self.error(
                    pointer,
                    format!(
                        "Each Choice Rule can only have one comparison operator, but this one has {}",
                        names.join(", ")
                    ),
                );
                return None;
            }
        };
        let value = fields.get(name)?;
        let node = match operator {
            Field::And | Field::Or | Field::Not => {
                if fields.contains_key("Variable") {
                    self.error(pointer, format!("Field 'Variable' is not supported together with '{name}'"));
                }
                self.combination(name, operator, value, pointer, depth)
            }
            Field::Compare(comparison) => self.data_test(fields, name, comparison, value, pointer),
            _ => None,
        };
        node.filter(|_| self.diagnostics.len() == errors_before).map(|node| Rule { node })
    }

    fn combination(&mut self, name: &str, field: Field, value: &Value, pointer: &str, depth: usize) -> Option<Node> {
        let at = format!("{pointer}/{name}");
        if let Field::Not = field {
            return self.rule(value, &at, depth + 1, false).map(|rule| Node::Not(Box::new(rule)));
        }
        let children = match value.as_array() {
            Some(children) if !children.is_empty() => children,
            _ => {
                self.error(at, format!("The value of '{name}' must be a non-empty array of Choice Rules"));
                return None;
            }
        };
        let mut rules = Vec::with_capacity(children.len());
        let mut complete = true;
        for (i, child) in children.iter().enumerate() {
            match self.rule(child, &format!("{at}/{i}"), depth + 1, false) {
                Some(rule) => rules.push(rule),
                None => complete = false,
            }
        }
        if !complete {
            return None;
        }
        Some(match field {
            Field::And => Node::And(rules),
            _ => Node::Or(rules),
        })
    }

    fn data_test(
        &mut self,
        fields: &Map<String, Value>,
        name: &str,
        comparison: Comparison,
        value: &Value,
        pointer: &str,
    ) -> Option<Node> {
        let variable = match fields.get("Variable") {
            None => {
                self.error(pointer, "These fields are required: [Variable]");
                None
            }
            Some(v) => self.path(v, "Variable", pointer),
        };
        let operator = self.operator(name, comparison, value, pointer);
        Some(Node::Test(DataTest { variable: variable?, operator: operator?, pointer: pointer.to_owned() }))
    }

    fn operator(&mut self, name: &str, comparison: Comparison, value: &Value, pointer: &str) -> Option<Operator> {
        let at = format!("{pointer}/{name}");
        match comparison {
            Comparison::Ordered { family, relation, path: true } => {
                let path = self.path(value, name, pointer)?;
                Some(match family {
                    Family::String => Operator::String(relation, Operand::Path(path)),
                    Family::Numeric => Operator::Numeric(relation, Operand::Path(path)),
                    Family::Timestamp => Operator::Timestamp(relation, Operand::Path(path)),
                })
            }
            Comparison::Boolean { path: true } => {
                Some(Operator::Boolean(Operand::Path(self.path(value, name, pointer)?)))
            }
            Comparison::Ordered { family: Family::String, relation, path: false } => match value {
                Value::String(s) => Some(Operator::String(relation, Operand::Literal(s.clone()))),
                _ => self.expected(at, name, "a string"),
            },
            Comparison::Ordered { family: Family::Numeric, relation, path: false } => match value {
                Value::Number(n) => Some(Operator::Numeric(relation, Operand::Literal(n.clone()))),
                _ => self.expected(at, name, "a number"),
            },
            Comparison::Ordered { family: Family::Timestamp, relation, path: false } => match value {
                Value::String(s) => match timestamp::parse_instant(s) {
                    Some(instant) => {
                        let literal = TimestampLiteral { text: s.clone(), instant };
                        Some(Operator::Timestamp(relation, Operand::Literal(literal)))
                    }
                    None => {
                        self.error(at, "String does not match RFC3339 timestamp");
                        None
                    }
                },
                _ => self.expected(at, name, "a string"),
            },
            Comparison::Boolean { path: false } => match value {
                Value::Bool(b) => Some(Operator::Boolean(Operand::Literal(*b))),
                _ => self.expected(at, name, "a boolean"),
            },
            Comparison::Matches => match value {
                Value::String(s) => Some(Operator::StringMatches(Pattern::new(s))),
                _ => self.expected(at, name, "a string"),
            },
            Comparison::Is(test) => match value {
                Value::Bool(b) => Some(Operator::Is(test, *b)),
                _ => self.expected(at, name, "a boolean"),
            },
        }
    }

    fn expected<T>(&mut self, at: String, name: &str, what: &str) -> Option<T> {
        self.error(at, format!("The value of '{name}' must be {what}"));
        None
    }

    /// A reference path or variable: a string that starts with `$`.
    fn path(&mut self, value: &Value, name: &str, pointer: &str) -> Option<String> {
        match value.as_str() {
            Some(s) if s.starts_with('$') => Some(s.to_owned()),
            _ => {
                self.error(
                    format!("{pointer}/{name}"),
                    format!("The value for the field '{name}' must be a valid JSONPath"),
                );
                None
            }
        }
    }
}
