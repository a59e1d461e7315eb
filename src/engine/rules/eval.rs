//! The evaluator of lowered conditions. It follows cel-rust's interpreter exactly where it answers
//! (including how `&&` and `||` absorb errors); for any combination of values whose outcome it
//! does not reproduce with certainty it stops with [`Stop::Defer`] and the condition is run by
//! the interpreter instead.

use super::Bindings;
use super::lower::{Arith, Cmp, Func, Node, Slot};
use super::value::{Object, Value};
use chrono::{Datelike, Timelike};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;

/// Why evaluation stopped without a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Stop {
    /// The interpreter would fail too: the condition does not match.
    Fail,
    /// Only the interpreter knows the answer.
    Defer,
}

type Eval<'a> = Result<Cow<'a, Value>, Stop>;

pub(super) fn eval<'a>(node: &'a Node, bindings: &'a Bindings) -> Eval<'a> {
    let owned = |value| Ok(Cow::Owned(value));
    match node {
        Node::Const(value) => Ok(Cow::Borrowed(value)),
        Node::Var(var) => match bindings.var(var).ok_or(Stop::Fail)? {
            Value::Object(_) => Err(Stop::Defer),
            value => Ok(Cow::Borrowed(value)),
        },
        Node::Field(var, field) => record(bindings, var)?
            .get(field.index, &field.name)
            .map(Cow::Borrowed)
            .ok_or(Stop::Fail),
        Node::Has(var, field) => owned(Value::Bool(
            record(bindings, var)?
                .get(field.index, &field.name)
                .is_some(),
        )),
        Node::Not(a) => owned(Value::Bool(!truth(eval(a, bindings))?)),
        Node::And(pair) => logical(&pair.0, &pair.1, false, bindings),
        Node::Or(pair) => logical(&pair.0, &pair.1, true, bindings),
        Node::Cond(three) => match truth(eval(&three.0, bindings))? {
            true => eval(&three.1, bindings),
            false => eval(&three.2, bindings),
        },
        Node::Eq(pair) => owned(Value::Bool(equal_pair(pair, bindings)?)),
        Node::Ne(pair) => owned(Value::Bool(!equal_pair(pair, bindings)?)),
        Node::Cmp(op, pair) => {
            let order = compare(&*eval(&pair.0, bindings)?, &*eval(&pair.1, bindings)?)?;
            owned(Value::Bool(match op {
                Cmp::Lt => order == Ordering::Less,
                Cmp::Le => order != Ordering::Greater,
                Cmp::Gt => order == Ordering::Greater,
                Cmp::Ge => order != Ordering::Less,
            }))
        }
        Node::Arith(op, pair) => {
            arithmetic(*op, &*eval(&pair.0, bindings)?, &*eval(&pair.1, bindings)?).map(Cow::Owned)
        }
        Node::Neg(a) => match &*eval(a, bindings)? {
            Value::Double(d) => owned(Value::Double(-d)),
            Value::Int(i) => i
                .checked_neg()
                .map(Value::Int)
                .map(Cow::Owned)
                .ok_or(Stop::Defer),
            _ => Err(Stop::Defer),
        },
        Node::In(pair) => {
            let item = eval(&pair.0, bindings)?;
            let Value::List(items) = &*eval(&pair.1, bindings)? else {
                return Err(Stop::Defer);
            };
            for candidate in items.iter() {
                if equal(&item, candidate)? {
                    return owned(Value::Bool(true));
                }
            }
            owned(Value::Bool(false))
        }
        Node::Call(func, subject, arg) => {
            let subject = eval(subject, bindings)?;
            let arg = match arg {
                Some(arg) => Some(eval(arg, bindings)?),
                None => None,
            };
            call(*func, &subject, arg.as_deref()).map(Cow::Owned)
        }
    }
}

fn record<'a>(bindings: &'a Bindings, var: &Slot) -> Result<&'a Object, Stop> {
    match bindings.var(var).ok_or(Stop::Fail)? {
        Value::Object(object) => Ok(object),
        _ => Err(Stop::Defer),
    }
}

/// A value used as a condition: true or false, else the interpreter's error.
fn truth(value: Eval<'_>) -> Result<bool, Stop> {
    match &*value? {
        Value::Bool(b) => Ok(*b),
        _ => Err(Stop::Fail),
    }
}

/// `&&` (`absorbing` false) and `||` (true): the left side's value decides alone; else the right
/// side is evaluated, and a left error is forgiven when the right side alone decides.
fn logical<'a>(
    left: &'a Node,
    right: &'a Node,
    absorbing: bool,
    bindings: &'a Bindings,
) -> Eval<'a> {
    let left = match truth(eval(left, bindings)) {
        Err(Stop::Defer) => return Err(Stop::Defer),
        Ok(b) if b == absorbing => return Ok(Cow::Owned(Value::Bool(absorbing))),
        other => other,
    };
    let right = match &*eval(right, bindings)? {
        Value::Bool(b) => *b,
        _ => return Err(Stop::Fail),
    };
    match left {
        Ok(_) => Ok(Cow::Owned(Value::Bool(right))),
        Err(_) if right == absorbing => Ok(Cow::Owned(Value::Bool(absorbing))),
        Err(stop) => Err(stop),
    }
}

fn equal_pair(pair: &(Node, Node), bindings: &Bindings) -> Result<bool, Stop> {
    equal(&*eval(&pair.0, bindings)?, &*eval(&pair.1, bindings)?)
}

/// CEL equality of scalars: numbers across int and double, other kinds only with their own kind
/// (a mismatch is false, not an error). Lists and records are left to the interpreter.
fn equal(a: &Value, b: &Value) -> Result<bool, Stop> {
    Ok(match (a, b) {
        (Value::List(_) | Value::Object(_), _) | (_, Value::List(_) | Value::Object(_)) => {
            return Err(Stop::Defer);
        }
        (Value::Double(_) | Value::Int(_), Value::Double(_) | Value::Int(_)) => {
            compare(a, b) == Ok(Ordering::Equal)
        }
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Timestamp(x), Value::Timestamp(y)) => x == y,
        (Value::Duration(x), Value::Duration(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => false,
    })
}

fn compare(a: &Value, b: &Value) -> Result<Ordering, Stop> {
    let numbers = |x: f64, y: f64| x.partial_cmp(&y).ok_or(Stop::Fail);
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => numbers(*x, *y),
        (Value::Double(x), Value::Int(y)) => numbers(*x, *y as f64),
        (Value::Int(x), Value::Double(y)) => numbers(*x as f64, *y),
        (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
        (Value::Timestamp(x), Value::Timestamp(y)) => Ok(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Ok(x.cmp(y)),
        (Value::Bool(_) | Value::Null | Value::List(_) | Value::Object(_), _)
        | (_, Value::Bool(_) | Value::Null | Value::List(_) | Value::Object(_)) => Err(Stop::Defer),
        _ => Err(Stop::Fail),
    }
}

fn arithmetic(op: Arith, a: &Value, b: &Value) -> Result<Value, Stop> {
    let value = match (op, a, b) {
        (Arith::Add, Value::Double(x), Value::Double(y)) => Value::Double(x + y),
        (Arith::Sub, Value::Double(x), Value::Double(y)) => Value::Double(x - y),
        (Arith::Mul, Value::Double(x), Value::Double(y)) => Value::Double(x * y),
        (Arith::Div, Value::Double(x), Value::Double(y)) => Value::Double(x / y),
        (Arith::Add, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_add(*y).ok_or(Stop::Defer)?)
        }
        (Arith::Sub, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_sub(*y).ok_or(Stop::Defer)?)
        }
        (Arith::Mul, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_mul(*y).ok_or(Stop::Defer)?)
        }
        (Arith::Add, Value::Str(x), Value::Str(y)) => Value::Str(Arc::from(format!("{x}{y}"))),
        (Arith::Sub, Value::Timestamp(x), Value::Timestamp(y)) => {
            let difference = x.signed_duration_since(y);
            difference.num_nanoseconds().ok_or(Stop::Defer)?;
            Value::Duration(difference)
        }
        _ => return Err(Stop::Defer),
    };
    Ok(value)
}

fn call(func: Func, subject: &Value, arg: Option<&Value>) -> Result<Value, Stop> {
    let int = |n: u32| Value::Int(i64::from(n));
    let value = match (func, subject, arg) {
        (Func::Size, Value::Str(s), None) => Value::Int(s.chars().count() as i64),
        (Func::Double, Value::Double(d), None) => Value::Double(*d),
        (Func::Double, Value::Int(i), None) => Value::Double(*i as f64),
        (Func::Contains, Value::Str(s), Some(Value::Str(t))) => Value::Bool(s.contains(&**t)),
        (Func::StartsWith, Value::Str(s), Some(Value::Str(t))) => Value::Bool(s.starts_with(&**t)),
        (Func::EndsWith, Value::Str(s), Some(Value::Str(t))) => Value::Bool(s.ends_with(&**t)),
        (Func::LowerAscii, Value::Str(s), None) => Value::Str(Arc::from(s.to_ascii_lowercase())),
        (Func::UpperAscii, Value::Str(s), None) => Value::Str(Arc::from(s.to_ascii_uppercase())),
        (Func::FullYear, Value::Timestamp(t), None) => Value::Int(i64::from(t.year())),
        (Func::Month, Value::Timestamp(t), None) => int(t.month0()),
        (Func::Date, Value::Timestamp(t), None) => int(t.day()),
        (Func::DayOfMonth, Value::Timestamp(t), None) => int(t.day0()),
        (Func::DayOfWeek, Value::Timestamp(t), None) => int(t.weekday().num_days_from_sunday()),
        (Func::Hours, Value::Timestamp(t), None) => int(t.hour()),
        (Func::Minutes, Value::Timestamp(t), None) => int(t.minute()),
        _ => return Err(Stop::Defer),
    };
    Ok(value)
}
