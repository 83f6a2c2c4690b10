//! What a compiled expression needs from its scope, and the arity rule AWS applies to calls.
//!
//! Both walks are iterative, so an expression nested as deeply as the parser allows (it stops
//! at 1000 levels) cannot exhaust the native stack here.

use std::collections::BTreeSet;

use jsonata_core::ast::{AstNode, BinaryOp, PathStep, Stage};

/// The functions this module provides or replaces, with the most arguments each accepts.
/// A direct call with more arguments fails with `T0410`, naming the first surplus argument,
/// as on AWS. (A function handed to `$map` and the like by reference receives the callback
/// arguments instead and ignores the ones it does not take.)
pub(crate) const ARITIES: &[(&str, usize)] = &[
    ("hash", 2),
    ("now", 2),
    ("pad", 3),
    ("parse", 1),
    ("partition", 2),
    ("random", 1),
    ("range", 3),
    ("shuffle", 1),
    ("uuid", 0),
];

/// The engine-side name a call with too many arguments is renamed to. It holds a space, so no
/// expression can spell it.
pub(crate) fn surplus_name(name: &str) -> String {
    format!("{name} surplus")
}

/// Rewrites calls that pass too many arguments to a function of [`ARITIES`], and returns the
/// names the expression reads (`$name`) or calls (`$name(...)`), sorted.
pub(crate) fn prepare(ast: &mut AstNode) -> Vec<String> {
    let mut referenced = BTreeSet::new();
    let mut bound = BTreeSet::new();
    collect(ast, &mut referenced, &mut bound);
    rewrite_surplus_calls(ast, &bound);
    referenced.into_iter().collect()
}

fn collect(root: &AstNode, referenced: &mut BTreeSet<String>, bound: &mut BTreeSet<String>) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node {
            AstNode::Variable(name) if !name.is_empty() => {
                referenced.insert(name.clone());
            }
            AstNode::Function { name, .. } => {
                referenced.insert(name.clone());
            }
            AstNode::Binary {
                op: BinaryOp::ColonEqual,
                lhs,
                ..
            } => {
                if let AstNode::Variable(name) = lhs.as_ref() {
                    bound.insert(name.clone());
                }
            }
            AstNode::Lambda { params, .. } => bound.extend(params.iter().cloned()),
            AstNode::Path { steps } => {
                for step in steps {
                    bound.extend(step.focus.iter().cloned());
                    bound.extend(step.index_var.iter().cloned());
                    for stage in &step.stages {
                        if let Stage::Index(name) = stage {
                            bound.insert(name.clone());
                        }
                    }
                }
            }
            _ => {}
        }
        push_children(node, &mut stack);
    }
}

fn push_steps<'a>(steps: &'a [PathStep], stack: &mut Vec<&'a AstNode>) {
    for step in steps {
        stack.push(&step.node);
        for stage in &step.stages {
            if let Stage::Filter(filter) = stage {
                stack.push(filter);
            }
        }
    }
}

fn push_children<'a>(node: &'a AstNode, stack: &mut Vec<&'a AstNode>) {
    match node {
        AstNode::String(_)
        | AstNode::Name(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Placeholder
        | AstNode::Regex { .. }
        | AstNode::Variable(_)
        | AstNode::ParentVariable(_)
        | AstNode::Wildcard
        | AstNode::Descendant
        | AstNode::Parent(_) => {}
        AstNode::Path { steps } => push_steps(steps, stack),
        AstNode::Binary { lhs, rhs, .. } => {
            stack.push(lhs);
            stack.push(rhs);
        }
        AstNode::Unary { operand, .. } => stack.push(operand),
        AstNode::Function { args, .. } => stack.extend(args.iter()),
        AstNode::Call { procedure, args } => {
            stack.push(procedure);
            stack.extend(args.iter());
        }
        AstNode::Lambda { body, .. } => stack.push(body),
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
            stack.extend(items.iter())
        }
        AstNode::Object(pairs) => {
            for (key, value) in pairs {
                stack.push(key);
                stack.push(value);
            }
        }
        AstNode::ObjectTransform { input, pattern } => {
            stack.push(input);
            for (key, value) in pattern {
                stack.push(key);
                stack.push(value);
            }
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            stack.push(condition);
            stack.push(then_branch);
            if let Some(else_branch) = else_branch {
                stack.push(else_branch);
            }
        }
        AstNode::FunctionApplication(inner) => stack.push(inner),
        AstNode::Sort { input, terms } => {
            stack.push(input);
            stack.extend(terms.iter().map(|(term, _)| term));
        }
        AstNode::Transform {
            location,
            update,
            delete,
        } => {
            stack.push(location);
            stack.push(update);
            if let Some(delete) = delete {
                stack.push(delete);
            }
        }
    }
}

/// Renames each direct call `$f(a, b, …)` of a function in [`ARITIES`] that passes more
/// arguments than `f` takes, unless the expression binds `$f` itself. The argument on the left
/// of `~>` counts as the call's first argument.
fn rewrite_surplus_calls(root: &mut AstNode, bound: &BTreeSet<String>) {
    // (node, arguments the node receives besides its own)
    let mut stack: Vec<(&mut AstNode, usize)> = vec![(root, 0)];
    while let Some((node, extra)) = stack.pop() {
        match node {
            AstNode::Function {
                name,
                args,
                is_builtin: true,
            } => {
                let allowed = ARITIES.iter().find(|(n, _)| n == name).map(|(_, a)| *a);
                if let Some(allowed) = allowed {
                    if args.len() + extra > allowed && !bound.contains(name.as_str()) {
                        *name = surplus_name(name);
                    }
                }
                stack.extend(args.iter_mut().map(|a| (a, 0)));
            }
            AstNode::Binary {
                op: BinaryOp::ChainPipe,
                lhs,
                rhs,
            } => {
                stack.push((lhs, 0));
                stack.push((rhs, 1));
            }
            other => push_children_mut(other, &mut stack),
        }
    }
}

fn push_children_mut<'a>(node: &'a mut AstNode, stack: &mut Vec<(&'a mut AstNode, usize)>) {
    match node {
        AstNode::String(_)
        | AstNode::Name(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Placeholder
        | AstNode::Regex { .. }
        | AstNode::Variable(_)
        | AstNode::ParentVariable(_)
        | AstNode::Wildcard
        | AstNode::Descendant
        | AstNode::Parent(_) => {}
        AstNode::Path { steps } => {
            for step in steps.iter_mut() {
                stack.push((&mut step.node, 0));
                for stage in step.stages.iter_mut() {
                    if let Stage::Filter(filter) = stage {
                        stack.push((filter, 0));
                    }
                }
            }
        }
        AstNode::Binary { lhs, rhs, .. } => {
            stack.push((lhs, 0));
            stack.push((rhs, 0));
        }
        AstNode::Unary { operand, .. } => stack.push((operand, 0)),
        AstNode::Function { args, .. } => stack.extend(args.iter_mut().map(|a| (a, 0))),
        AstNode::Call { procedure, args } => {
            stack.push((procedure, 0));
            stack.extend(args.iter_mut().map(|a| (a, 0)));
        }
        AstNode::Lambda { body, .. } => stack.push((body, 0)),
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
            stack.extend(items.iter_mut().map(|a| (a, 0)))
        }
        AstNode::Object(pairs) => {
            for (key, value) in pairs.iter_mut() {
                stack.push((key, 0));
                stack.push((value, 0));
            }
        }
        AstNode::ObjectTransform { input, pattern } => {
            stack.push((input, 0));
            for (key, value) in pattern.iter_mut() {
                stack.push((key, 0));
                stack.push((value, 0));
            }
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            stack.push((condition, 0));
            stack.push((then_branch, 0));
            if let Some(else_branch) = else_branch {
                stack.push((else_branch, 0));
            }
        }
        AstNode::FunctionApplication(inner) => stack.push((inner, 0)),
        AstNode::Sort { input, terms } => {
            stack.push((input, 0));
            stack.extend(terms.iter_mut().map(|(term, _)| (term, 0)));
        }
        AstNode::Transform {
            location,
            update,
            delete,
        } => {
            stack.push((location, 0));
            stack.push((update, 0));
            if let Some(delete) = delete {
                stack.push((delete, 0));
            }
        }
    }
}
