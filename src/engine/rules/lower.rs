//! Lowering: the checked cel expression turned into [`Node`]s the evaluator runs directly, with
//! variables and fields resolved to positions and constant parts (literals, `duration("72h")`,
//! `["meals", "travel"]`) computed once. A construct it does not know yields `None`, and the
//! condition keeps running on cel-rust's interpreter, so lowering never changes what compiles.

use super::value::Value;
use super::{Bindings, CelType, RuleEnv, context_for};
use cel::IdedExpr;
use cel::common::ast::{CallExpr, Expr, LiteralValue};

/// A variable or field: its position as the checker laid it out, and its name, which the
/// evaluator checks so that differently laid-out bindings still read the right value.
#[derive(Debug)]
pub(super) struct Slot {
    pub index: usize,
    pub name: Box<str>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// Functions and methods the evaluator runs itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Func {
    Size,
    Double,
    Contains,
    StartsWith,
    EndsWith,
    LowerAscii,
    UpperAscii,
    FullYear,
    Month,
    Date,
    DayOfMonth,
    DayOfWeek,
    Hours,
    Minutes,
}

/// A lowered expression.
#[derive(Debug)]
pub(super) enum Node {
    Const(Value),
    /// A variable that is not a record (`now`).
    Var(Slot),
    Field(Slot, Slot),
    Has(Slot, Slot),
    Not(Box<Node>),
    And(Box<(Node, Node)>),
    Or(Box<(Node, Node)>),
    Cond(Box<(Node, Node, Node)>),
    Eq(Box<(Node, Node)>),
    Ne(Box<(Node, Node)>),
    Cmp(Cmp, Box<(Node, Node)>),
    Arith(Arith, Box<(Node, Node)>),
    Neg(Box<Node>),
    In(Box<(Node, Node)>),
    Call(Func, Box<Node>, Option<Box<Node>>),
}

/// Lowers a checked condition, or `None` when some part is left to the interpreter.
pub(super) fn lower(expr: &IdedExpr, env: &RuleEnv) -> Option<Node> {
    if is_constant(expr) {
        let value = context_for(&Bindings::default()).resolve(expr).ok()?;
        return Value::from_cel(&value).map(Node::Const);
    }
    match &expr.expr {
        Expr::Ident(name) => match env.vars.get(name)? {
            CelType::Object(_) | CelType::Dyn => None,
            _ => Some(Node::Var(var_slot(name, env)?)),
        },
        Expr::Select(select) if select.test => {
            let (var, field) = field_slots(&select.operand, &select.field, env)?;
            Some(Node::Has(var, field))
        }
        Expr::Call(call) => lower_call(call, env),
        _ => None,
    }
}

fn lower_call(call: &CallExpr, env: &RuleEnv) -> Option<Node> {
    let pair = |a: &IdedExpr, b: &IdedExpr| Some(Box::new((lower(a, env)?, lower(b, env)?)));
    let node = match (call.func_name.as_str(), &call.target, call.args.as_slice()) {
        ("_[_]", None, [operand, key]) => match &key.expr {
            Expr::Literal(LiteralValue::String(field)) => {
                let (var, field) = field_slots(operand, field.inner(), env)?;
                Node::Field(var, field)
            }
            _ => return None,
        },
        ("!_", None, [a]) => Node::Not(Box::new(lower(a, env)?)),
        ("-_", None, [a]) => Node::Neg(Box::new(lower(a, env)?)),
        ("_&&_", None, [a, b]) => Node::And(pair(a, b)?),
        ("_||_", None, [a, b]) => Node::Or(pair(a, b)?),
        ("_?_:_", None, [c, a, b]) => {
            Node::Cond(Box::new((lower(c, env)?, lower(a, env)?, lower(b, env)?)))
        }
        ("_==_", None, [a, b]) => Node::Eq(pair(a, b)?),
        ("_!=_", None, [a, b]) => Node::Ne(pair(a, b)?),
        ("@in", None, [a, b]) => Node::In(pair(a, b)?),
        (name, None, [a, b]) => match (comparison(name), arithmetic(name)) {
            (Some(op), _) => Node::Cmp(op, pair(a, b)?),
            (_, Some(op)) => Node::Arith(op, pair(a, b)?),
            _ => return None,
        },
        ("size", None, [a]) => Node::Call(Func::Size, Box::new(lower(a, env)?), None),
        ("double", None, [a]) => Node::Call(Func::Double, Box::new(lower(a, env)?), None),
        (name, Some(target), args) => {
            let func = method(name, args.len())?;
            let arg = match args {
                [arg] => Some(Box::new(lower(arg, env)?)),
                _ => None,
            };
            Node::Call(func, Box::new(lower(target, env)?), arg)
        }
        _ => return None,
    };
    Some(node)
}

fn comparison(name: &str) -> Option<Cmp> {
    Some(match name {
        "_<_" => Cmp::Lt,
        "_<=_" => Cmp::Le,
        "_>_" => Cmp::Gt,
        "_>=_" => Cmp::Ge,
        _ => return None,
    })
}

fn arithmetic(name: &str) -> Option<Arith> {
    Some(match name {
        "_+_" => Arith::Add,
        "_-_" => Arith::Sub,
        "_*_" => Arith::Mul,
        "_/_" => Arith::Div,
        "_%_" => Arith::Mod,
        _ => return None,
    })
}

/// A method the evaluator runs, by name and number of arguments (the receiver aside).
fn method(name: &str, arity: usize) -> Option<Func> {
    let func = match name {
        "size" => Func::Size,
        "contains" => Func::Contains,
        "startsWith" => Func::StartsWith,
        "endsWith" => Func::EndsWith,
        "lowerAscii" => Func::LowerAscii,
        "upperAscii" => Func::UpperAscii,
        "getFullYear" => Func::FullYear,
        "getMonth" => Func::Month,
        "getDate" => Func::Date,
        "getDayOfMonth" => Func::DayOfMonth,
        "getDayOfWeek" => Func::DayOfWeek,
        "getHours" => Func::Hours,
        "getMinutes" => Func::Minutes,
        _ => return None,
    };
    let takes_one = matches!(func, Func::Contains | Func::StartsWith | Func::EndsWith);
    (arity == usize::from(takes_one)).then_some(func)
}

/// The slots of `var.field` (or `var["field"]`) where `var` is a record variable.
fn field_slots(operand: &IdedExpr, field: &str, env: &RuleEnv) -> Option<(Slot, Slot)> {
    let Expr::Ident(name) = &operand.expr else {
        return None;
    };
    let index = match env.vars.get(name)? {
        CelType::Object(fields) => fields.keys().position(|k| k == field).unwrap_or(0),
        CelType::Dyn => 0,
        _ => return None,
    };
    let field = Slot {
        index,
        name: field.into(),
    };
    Some((var_slot(name, env)?, field))
}

fn var_slot(name: &str, env: &RuleEnv) -> Option<Slot> {
    Some(Slot {
        index: env.vars.keys().position(|k| k == name)?,
        name: name.into(),
    })
}

/// Whether the expression reads no variable, so its value can be computed once.
fn is_constant(expr: &IdedExpr) -> bool {
    match &expr.expr {
        Expr::Literal(_) => true,
        Expr::List(list) => list.elements.iter().all(is_constant),
        Expr::Call(call) => {
            call.target.as_deref().is_none_or(is_constant) && call.args.iter().all(is_constant)
        }
        _ => false,
    }
}
