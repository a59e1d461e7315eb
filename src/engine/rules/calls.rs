//! Typing of operators and functions: which operand types each accepts, what it gives, and the
//! message when a rule combines values that cannot go together (text compared with a number).

use super::RuleError;
use super::check::{Checker, unify_all};
use super::types::{Ty, Typed, render, unify_numbers};
use cel::IdedExpr;
use cel::common::ast::{CallExpr, Expr};

const FUNCTIONS: &str = "size, contains, startsWith, endsWith, matches, lowerAscii, upperAscii, \
     trim, timestamp, duration, int, double, string, has, getFullYear, getMonth, getDayOfWeek, \
     getHours";

const SAME_KIND_HINT: &str = "compare values of the same kind: numbers with numbers (no quotes), \
     text in quotes with text, dates with timestamp(\"2026-01-31T00:00:00Z\")";

/// Checks a call (operator, function or method) and returns its type and rewritten form.
pub(super) fn check_call<'e>(
    checker: &Checker<'e>,
    call: &CallExpr,
) -> Result<Typed<'e>, RuleError> {
    let target = match &call.target {
        Some(t) => Some(checker.check(t)?),
        None => None,
    };
    let args = call
        .args
        .iter()
        .map(|a| checker.check(a))
        .collect::<Result<Vec<_>, _>>()?;
    let name = call.func_name.as_str();
    let (ty, target, args) = match (name, target, args.as_slice()) {
        ("_&&_" | "_||_", None, [_, _]) | ("!_", None, [_]) => {
            for arg in &args {
                expect_bool(name, arg)?;
            }
            (Ty::Bool, None, exprs(args))
        }
        ("_==_" | "_!=_", None, [a, b]) => {
            let (a, b) = comparable(name, a.clone(), b.clone(), false)?;
            (Ty::Bool, None, vec![a, b])
        }
        ("_<_" | "_<=_" | "_>_" | "_>=_", None, [a, b]) => {
            let (a, b) = comparable(name, a.clone(), b.clone(), true)?;
            (Ty::Bool, None, vec![a, b])
        }
        ("_+_" | "_-_" | "_*_" | "_/_" | "_%_", None, [a, b]) => {
            let (ty, a, b) = arithmetic(name, a.clone(), b.clone())?;
            (ty, None, vec![a, b])
        }
        ("-_", None, [a]) if a.ty.is_number() || a.ty.is_or_dyn(&Ty::Duration) => {
            (a.ty.clone(), None, exprs(args))
        }
        ("_?_:_", None, [condition, _, _]) => {
            expect_bool("? :", condition)?;
            let mut args = args.into_iter();
            let condition = args.next().map(|c| c.expr);
            let (ty, branches) = unify_all(args.collect());
            (ty, None, condition.into_iter().chain(branches).collect())
        }
        ("@in", None, [item, collection]) => {
            check_in(item, collection)?;
            (Ty::Bool, None, exprs(args))
        }
        ("_[_]", None, [collection, index]) => (index_type(collection, index)?, None, exprs(args)),
        (_, target, _) => {
            let ty = function_type(name, target.as_ref(), &args)?;
            (ty, target.map(|t| Box::new(t.expr)), exprs(args))
        }
    };
    Ok(Typed::new(
        ty,
        Expr::Call(CallExpr {
            func_name: call.func_name.clone(),
            target,
            args,
        }),
    ))
}

fn exprs(args: Vec<Typed<'_>>) -> Vec<IdedExpr> {
    args.into_iter().map(|a| a.expr).collect()
}

fn operator(name: &str) -> &str {
    name.trim_matches('_')
}

fn expect_bool(name: &str, arg: &Typed<'_>) -> Result<(), RuleError> {
    if arg.ty.is_or_dyn(&Ty::Bool) {
        return Ok(());
    }
    Err(RuleError::new(
        format!(
            "`{}` needs true or false, but `{}` is {}",
            operator(name),
            render(&arg.expr),
            arg.ty.describe()
        ),
        "turn it into a condition, e.g. request.amount > 1000 or project.active == true",
    ))
}

/// Checks that two operands may be compared (`ordered`: with `<` and friends, else `==`) and
/// makes numbers agree.
fn comparable(
    name: &str,
    a: Typed<'_>,
    b: Typed<'_>,
    ordered: bool,
) -> Result<(IdedExpr, IdedExpr), RuleError> {
    if a.ty.is_number() && b.ty.is_number()
        || a.ty.is_dyn() && b.ty.is_number()
        || a.ty.is_number() && b.ty.is_dyn()
    {
        let (a, b, _) = unify_numbers(a, b);
        return Ok((a, b));
    }
    let same_kind = std::mem::discriminant(&a.ty) == std::mem::discriminant(&b.ty);
    let allowed = if ordered {
        a.ty.is_dyn()
            || b.ty.is_dyn()
            || same_kind && matches!(a.ty, Ty::String | Ty::Timestamp | Ty::Duration | Ty::Bool)
    } else {
        a.ty.is_dyn() || b.ty.is_dyn() || same_kind || a.ty == Ty::Null || b.ty == Ty::Null
    };
    if allowed {
        return Ok((a.expr, b.expr));
    }
    Err(RuleError::new(
        format!(
            "cannot compare `{}` ({}) {} `{}` ({})",
            render(&a.expr),
            a.ty.describe(),
            operator(name),
            render(&b.expr),
            b.ty.describe()
        ),
        SAME_KIND_HINT,
    ))
}

fn arithmetic<'e>(
    name: &str,
    a: Typed<'e>,
    b: Typed<'e>,
) -> Result<(Ty<'e>, IdedExpr, IdedExpr), RuleError> {
    let numeric = |t: &Ty<'_>| t.is_number() || t.is_dyn();
    let ty = match (name, &a.ty, &b.ty) {
        ("_%_", Ty::Int | Ty::Dyn, Ty::Int | Ty::Dyn) => return Ok((Ty::Int, a.expr, b.expr)),
        ("_%_", _, _) => None,
        (_, x, y) if numeric(x) && numeric(y) && (x.is_number() || y.is_number()) => {
            let (a, b, ty) = unify_numbers(a, b);
            return Ok((ty, a, b));
        }
        (_, Ty::Dyn, _) | (_, _, Ty::Dyn) => Some(Ty::Dyn),
        ("_+_", Ty::String, Ty::String) => Some(Ty::String),
        ("_+_", Ty::List(x), Ty::List(_)) => Some(Ty::List(x.clone())),
        ("_+_" | "_-_", Ty::Timestamp, Ty::Duration) => Some(Ty::Timestamp),
        ("_+_", Ty::Duration, Ty::Timestamp) => Some(Ty::Timestamp),
        ("_+_" | "_-_", Ty::Duration, Ty::Duration) => Some(Ty::Duration),
        ("_-_", Ty::Timestamp, Ty::Timestamp) => Some(Ty::Duration),
        _ => None,
    };
    match ty {
        Some(ty) => Ok((ty, a.expr, b.expr)),
        None => Err(RuleError::new(
            format!(
                "cannot use `{}` on `{}` ({}) and `{}` ({})",
                operator(name),
                render(&a.expr),
                a.ty.describe(),
                render(&b.expr),
                b.ty.describe()
            ),
            "arithmetic needs numbers on both sides (or dates and durations); convert text \
             with double(...) or numbers with string(...)",
        )),
    }
}

fn check_in(item: &Typed<'_>, collection: &Typed<'_>) -> Result<(), RuleError> {
    let fits = match &collection.ty {
        Ty::List(element) => {
            item.ty.is_dyn()
                || element.is_dyn()
                || item.ty.is_number() && element.is_number()
                || item.ty == **element
        }
        Ty::Object(_) => item.ty.is_or_dyn(&Ty::String),
        Ty::Dyn => true,
        _ => {
            return Err(RuleError::new(
                format!(
                    "`in` needs a list on the right, but `{}` is {}",
                    render(&collection.expr),
                    collection.ty.describe()
                ),
                "write the values in brackets, e.g. request.category in [\"travel\", \"meals\"]; \
                 for text inside text use .contains(\"…\")",
            ));
        }
    };
    if fits {
        return Ok(());
    }
    Err(RuleError::new(
        format!(
            "`{}` is {} but the list holds other kinds of values",
            render(&item.expr),
            item.ty.describe()
        ),
        SAME_KIND_HINT,
    ))
}

fn index_type<'e>(collection: &Typed<'e>, index: &Typed<'e>) -> Result<Ty<'e>, RuleError> {
    match &collection.ty {
        Ty::List(element) if index.ty.is_or_dyn(&Ty::Int) => Ok((**element).clone()),
        Ty::Object(_) if index.ty.is_or_dyn(&Ty::String) => Ok(Ty::Dyn),
        Ty::Dyn => Ok(Ty::Dyn),
        other => Err(RuleError::new(
            format!(
                "cannot look up `{}` in `{}` ({})",
                render(&index.expr),
                render(&collection.expr),
                other.describe()
            ),
            "index lists with a number (list[0]) and records with a field name in quotes",
        )),
    }
}

/// The result type of a named function or method, after checking its receiver and arguments.
fn function_type<'e>(
    name: &str,
    target: Option<&Typed<'e>>,
    args: &[Typed<'e>],
) -> Result<Ty<'e>, RuleError> {
    let text = |t: &Typed<'_>| t.ty.is_or_dyn(&Ty::String);
    let subject = target.or(args.first());
    let rest = if target.is_some() {
        args
    } else {
        args.get(1..).unwrap_or(&[])
    };
    let (ok, ty) = match name {
        "size" => (
            subject.is_some_and(|s| {
                matches!(s.ty, Ty::String | Ty::List(_) | Ty::Object(_) | Ty::Dyn)
            }),
            Ty::Int,
        ),
        "contains" | "startsWith" | "endsWith" | "matches" => (
            subject.is_some_and(text) && rest.len() == 1 && rest.iter().all(text),
            Ty::Bool,
        ),
        "lowerAscii" | "upperAscii" | "trim" => (subject.is_some_and(text), Ty::String),
        "timestamp" => (
            subject.is_some_and(|s| s.ty.is_or_dyn(&Ty::String) || s.ty == Ty::Timestamp),
            Ty::Timestamp,
        ),
        "duration" => (subject.is_some_and(text), Ty::Duration),
        "int" | "uint" => (subject.is_some(), Ty::Int),
        "double" => (subject.is_some(), Ty::Double),
        "string" => (subject.is_some(), Ty::String),
        "bool" => (subject.is_some(), Ty::Bool),
        "dyn" | "type" => (subject.is_some(), Ty::Dyn),
        "getFullYear" | "getMonth" | "getDate" | "getDayOfMonth" | "getDayOfWeek"
        | "getDayOfYear" | "getHours" | "getMinutes" | "getSeconds" | "getMilliseconds" => (
            target.is_some_and(|t| matches!(t.ty, Ty::Timestamp | Ty::Duration | Ty::Dyn)),
            Ty::Int,
        ),
        _ => {
            return Err(RuleError::new(
                format!("unknown function `{name}`"),
                format!("rules can use: {FUNCTIONS}"),
            ));
        }
    };
    if ok {
        return Ok(ty);
    }
    let got: Vec<String> = target
        .into_iter()
        .chain(args)
        .map(|a| format!("`{}` ({})", render(&a.expr), a.ty.describe()))
        .collect();
    Err(RuleError::new(
        format!("`{name}` cannot be used on {}", got.join(" and ")),
        format!(
            "{name} works on {}",
            match name {
                "size" => "text, lists and records: size(request.reason) > 20",
                "duration" => "text such as duration(\"72h\")",
                "timestamp" => "text such as timestamp(\"2026-01-31T00:00:00Z\")",
                n if n.starts_with("get") => "dates: now.getDayOfWeek() == 5",
                _ => "text: request.reason.contains(\"urgent\")",
            }
        ),
    ))
}
