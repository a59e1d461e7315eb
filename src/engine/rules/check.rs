//! The static checker: walks cel-rust's parsed expression with the rule environment, types every
//! node, refuses what could never evaluate (with a hint), and returns the expression rewritten so
//! that ints meeting doubles are doubles. What it cannot type precisely it calls `Dyn` and leaves
//! to run time.

use super::calls;
use super::types::{Ty, Typed, closest, render};
use super::{RuleEnv, RuleError};
use cel::IdedExpr;
use cel::common::ast::operators::INDEX;
use cel::common::ast::{CallExpr, ComprehensionExpr, Expr, ListExpr, LiteralValue, SelectExpr};
use cel::common::types::CelString;

/// Checks a whole condition, which must be true or false.
pub(super) fn check_condition(expr: &IdedExpr, env: &RuleEnv) -> Result<IdedExpr, RuleError> {
    let typed = Checker { env }.check(expr)?;
    match typed.ty {
        Ty::Bool | Ty::Dyn => Ok(typed.expr),
        other => Err(RuleError::new(
            format!(
                "a rule condition must be true or false, but `{}` is {}",
                render(&typed.expr),
                other.describe()
            ),
            "compare it with something, e.g. request.amount > 1000 or has(vendor.preferred)",
        )),
    }
}

pub(super) struct Checker<'e> {
    pub env: &'e RuleEnv,
}

impl<'e> Checker<'e> {
    pub(super) fn check(&self, node: &IdedExpr) -> Result<Typed<'e>, RuleError> {
        let id = node.id;
        let typed = match &node.expr {
            Expr::Literal(literal) => Typed::new(literal_type(literal), node.expr.clone()),
            Expr::Ident(name) => Typed::new(self.ident(name)?, node.expr.clone()),
            Expr::Select(select) => self.select(select)?,
            Expr::List(list) => self.list(list)?,
            Expr::Call(call) => calls::check_call(self, call)?,
            Expr::Comprehension(comprehension) => self.comprehension(comprehension)?,
            Expr::Map(_) | Expr::Struct(_) | Expr::Unspecified => {
                Typed::new(Ty::Dyn, node.expr.clone())
            }
        };
        Ok(Typed {
            ty: typed.ty,
            expr: IdedExpr {
                id,
                expr: typed.expr.expr,
            },
        })
    }

    fn ident(&self, name: &str) -> Result<Ty<'e>, RuleError> {
        if let Some(cel_type) = self.env.vars.get(name) {
            return Ok(Ty::of(cel_type));
        }
        let names: Vec<&str> = self.env.vars.keys().map(String::as_str).collect();
        let hint = match closest(name, names.iter().copied()) {
            Some(close) => format!(
                "did you mean `{close}`? Rules can use: {}",
                names.join(", ")
            ),
            None => format!("rules can use: {}", names.join(", ")),
        };
        Err(RuleError::new(format!("unknown name `{name}`"), hint))
    }

    fn select(&self, select: &SelectExpr) -> Result<Typed<'e>, RuleError> {
        let operand = self.check(&select.operand)?;
        let field_ty = match &operand.ty {
            Ty::Object(fields) => match fields.get(&select.field) {
                Some(cel_type) => Ty::of(cel_type),
                None => return Err(unknown_field(&operand.expr, &select.field, fields.keys())),
            },
            Ty::Dyn => Ty::Dyn,
            other => {
                return Err(RuleError::new(
                    format!(
                        "`{}` is {} and has no field `{}`",
                        render(&operand.expr),
                        other.describe(),
                        select.field
                    ),
                    "only records (request, requester and referenced records) have fields",
                ));
            }
        };
        if select.test {
            return Ok(Typed::new(
                Ty::Bool,
                Expr::Select(SelectExpr {
                    operand: Box::new(operand.expr),
                    field: select.field.clone(),
                    test: true,
                }),
            ));
        }
        // `a.f` runs as `a["f"]`: the same lookup, without cel-rust first trying `a.f` as a
        // qualified variable name (a string join and two failed lookups per field read).
        let key = LiteralValue::String(CelString::from(select.field.clone()));
        Ok(Typed::new(
            field_ty,
            Expr::Call(CallExpr {
                func_name: INDEX.to_string(),
                target: None,
                args: vec![
                    operand.expr,
                    IdedExpr {
                        id: 0,
                        expr: Expr::Literal(key),
                    },
                ],
            }),
        ))
    }

    fn list(&self, list: &ListExpr) -> Result<Typed<'e>, RuleError> {
        let elements = list
            .elements
            .iter()
            .map(|e| self.check(e))
            .collect::<Result<Vec<_>, _>>()?;
        let (element_ty, elements) = unify_all(elements);
        Ok(Typed::new(
            Ty::List(Box::new(element_ty)),
            Expr::List(ListExpr::new_with_optionals(
                elements,
                list.optional_indices.clone(),
            )),
        ))
    }

    /// Macros such as `all` and `exists` bind their own variables; the range is checked, the
    /// body is left to run time.
    fn comprehension(&self, comprehension: &ComprehensionExpr) -> Result<Typed<'e>, RuleError> {
        let range = self.check(&comprehension.iter_range)?;
        let mut rewritten = comprehension.clone();
        rewritten.iter_range = range.expr;
        Ok(Typed::new(
            Ty::Dyn,
            Expr::Comprehension(Box::new(rewritten)),
        ))
    }
}

/// The common type of several expressions (list elements, ternary branches): their type if they
/// agree, a double if they mix ints and doubles (ints are converted), else `Dyn`.
pub(super) fn unify_all(items: Vec<Typed<'_>>) -> (Ty<'_>, Vec<IdedExpr>) {
    let mut ty: Option<Ty<'_>> = None;
    for item in &items {
        ty = Some(match (ty, &item.ty) {
            (None, t) => t.clone(),
            (Some(a), b) if a == *b => a,
            (Some(a), b) if a.is_number() && b.is_number() => Ty::Double,
            _ => Ty::Dyn,
        });
    }
    let ty = ty.unwrap_or(Ty::Dyn);
    let exprs = if ty == Ty::Double {
        items.into_iter().map(Typed::into_double).collect()
    } else {
        items.into_iter().map(|t| t.expr).collect()
    };
    (ty, exprs)
}

fn literal_type<'e>(literal: &LiteralValue) -> Ty<'e> {
    match literal {
        LiteralValue::Boolean(_) => Ty::Bool,
        LiteralValue::Int(_) | LiteralValue::UInt(_) => Ty::Int,
        LiteralValue::Double(_) => Ty::Double,
        LiteralValue::String(_) => Ty::String,
        LiteralValue::Null => Ty::Null,
        LiteralValue::Bytes(_) => Ty::Dyn,
    }
}

fn unknown_field<'a>(
    operand: &IdedExpr,
    field: &str,
    known: impl Iterator<Item = &'a String> + Clone,
) -> RuleError {
    let names: Vec<&str> = known.map(String::as_str).collect();
    let hint = match closest(field, names.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None if names.is_empty() => format!("`{}` has no fields", render(operand)),
        None => format!("its fields are: {}", names.join(", ")),
    };
    RuleError::new(
        format!("`{}` has no field `{field}`", render(operand)),
        hint,
    )
}
