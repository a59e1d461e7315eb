//! The checker's view of types, richer than [`CelType`] (durations, lists), and the small
//! helpers its messages need: plain-words type names, expression rendering, name suggestions.

use super::CelType;
use cel::IdedExpr;
use cel::common::ast::{CallExpr, Expr, LiteralValue};
use cel::common::types::CelDouble;
use std::collections::BTreeMap;

/// A static type during checking. Objects borrow their fields from the [`super::RuleEnv`].
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Ty<'e> {
    Bool,
    Int,
    Double,
    String,
    Timestamp,
    Duration,
    Null,
    Object(&'e BTreeMap<String, CelType>),
    List(Box<Ty<'e>>),
    Dyn,
}

impl<'e> Ty<'e> {
    pub(super) fn of(cel_type: &'e CelType) -> Ty<'e> {
        match cel_type {
            CelType::Bool => Ty::Bool,
            CelType::Int => Ty::Int,
            CelType::Double => Ty::Double,
            CelType::String => Ty::String,
            CelType::Timestamp => Ty::Timestamp,
            CelType::Null => Ty::Null,
            CelType::Object(fields) => Ty::Object(fields),
            CelType::Dyn => Ty::Dyn,
        }
    }

    /// The type in words a rule author understands.
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Ty::Bool => "true/false",
            Ty::Int | Ty::Double => "a number",
            Ty::String => "text",
            Ty::Timestamp => "a date/time",
            Ty::Duration => "a duration",
            Ty::Null => "null",
            Ty::Object(_) => "a record",
            Ty::List(_) => "a list",
            Ty::Dyn => "any value",
        }
    }

    pub(super) fn is_number(&self) -> bool {
        matches!(self, Ty::Int | Ty::Double)
    }

    pub(super) fn is_dyn(&self) -> bool {
        matches!(self, Ty::Dyn)
    }

    /// Whether `self` or `other` is `self`'s kind, or unknown until run time.
    pub(super) fn is_or_dyn(&self, kind: &Ty<'_>) -> bool {
        self.is_dyn() || std::mem::discriminant(self) == std::mem::discriminant(kind)
    }
}

/// An expression after checking: its type and its rewritten form.
#[derive(Debug, Clone)]
pub(super) struct Typed<'e> {
    pub ty: Ty<'e>,
    pub expr: IdedExpr,
}

impl<'e> Typed<'e> {
    pub(super) fn new(ty: Ty<'e>, expr: Expr) -> Self {
        Typed {
            ty,
            expr: IdedExpr { id: 0, expr },
        }
    }

    /// The expression as a double: an int literal becomes a double literal, any other int
    /// expression is wrapped in `double(…)`. Bound numbers are all doubles, so an int literal
    /// meeting an unknown (`Dyn`) value becomes a double too.
    pub(super) fn into_double(self) -> IdedExpr {
        match (&self.ty, &self.expr.expr) {
            (Ty::Int | Ty::Dyn, Expr::Literal(LiteralValue::Int(n))) => IdedExpr {
                id: self.expr.id,
                expr: Expr::Literal(LiteralValue::Double(CelDouble::from(*n.inner() as f64))),
            },
            (Ty::Int, _) => IdedExpr {
                id: 0,
                expr: Expr::Call(CallExpr {
                    func_name: "double".to_string(),
                    target: None,
                    args: vec![self.expr],
                }),
            },
            _ => self.expr,
        }
    }
}

/// Makes the numeric operands of one operator agree: if either side is a double (or unknown),
/// int sides become doubles. Returns the operands and whether the result is a double.
pub(super) fn unify_numbers<'e>(a: Typed<'e>, b: Typed<'e>) -> (IdedExpr, IdedExpr, Ty<'e>) {
    let result = match (&a.ty, &b.ty) {
        (Ty::Int, Ty::Int) => Ty::Int,
        (Ty::Dyn, _) | (_, Ty::Dyn) => Ty::Dyn,
        _ => Ty::Double,
    };
    if result == Ty::Int {
        (a.expr, b.expr, result)
    } else {
        (a.into_double(), b.into_double(), result)
    }
}

/// How an expression reads in a message: `request.amount`, `"x"`, `5`, else "this part".
pub(super) fn render(expr: &IdedExpr) -> String {
    match &expr.expr {
        Expr::Ident(name) => name.clone(),
        Expr::Select(select) if !select.test => {
            format!("{}.{}", render(&select.operand), select.field)
        }
        Expr::Select(select) => format!("has({}.{})", render(&select.operand), select.field),
        Expr::Literal(LiteralValue::String(s)) => format!("{:?}", s.inner()),
        Expr::Literal(LiteralValue::Int(n)) => n.inner().to_string(),
        Expr::Literal(LiteralValue::Double(d)) => d.inner().to_string(),
        Expr::Literal(LiteralValue::Boolean(b)) => b.inner().to_string(),
        Expr::Literal(LiteralValue::Null) => "null".to_string(),
        Expr::Call(call) if call.func_name == "_[_]" => match call.args.as_slice() {
            [
                operand,
                IdedExpr {
                    expr: Expr::Literal(LiteralValue::String(field)),
                    ..
                },
            ] if is_name(field.inner()) => {
                format!("{}.{}", render(operand), field.inner())
            }
            [operand, index] => format!("{}[{}]", render(operand), render(index)),
            _ => "this part".to_string(),
        },
        Expr::Call(call) if call.func_name == "double" && call.target.is_none() => call
            .args
            .first()
            .map_or_else(|| "this part".to_string(), render),
        Expr::Call(call) if !call.func_name.starts_with('_') => match &call.target {
            Some(target) => format!("{}.{}(…)", render(target), call.func_name),
            None => format!("{}(…)", call.func_name),
        },
        _ => "this part".to_string(),
    }
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
pub(super) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names_catch_typos_but_not_strangers() {
        let fields = ["preferred", "name", "vendor_id"];
        assert_eq!(closest("prefered", fields), Some("preferred"));
        assert_eq!(closest("Name", fields), Some("name"));
        assert_eq!(closest("budget", fields), None);
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
