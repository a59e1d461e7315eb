//! The `min` and `max` of a money or number field: read as written (`0.01`, `1`, `"0.01"`),
//! checked against the field's type, and a money field left without a lower bound reported as a
//! warning, since a negative or zero amount would otherwise pass rules such as "up to 2,500 is
//! approved automatically".

use super::Problem;
use super::source::Source;
use super::workflow_file::{BoundFile, FieldFile};
use crate::domain::FieldType;
use rust_decimal::Decimal;
use std::str::FromStr;
use toml::Spanned;

/// The field's bounds, each problem with them reported.
pub(super) fn bounds(
    source: &Source,
    raw: &FieldFile,
    field_type: &FieldType,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> (Option<Decimal>, Option<Decimal>) {
    let name = raw.name.get_ref();
    let numeric = matches!(field_type, FieldType::Money | FieldType::Number);
    let mut read = |bound: &Option<Spanned<BoundFile>>, which: &str| {
        let bound = bound.as_ref()?;
        if !numeric {
            problems.push(source.at(
                bound,
                format!("field `{name}` is {field_type}; `{which}` applies to money and number fields only"),
                format!("remove `{which}`, or use max_len to bound a text"),
            ));
            return None;
        }
        match decimal(bound.get_ref()) {
            Some(value) if *field_type == FieldType::Money && value.scale() > 2 => {
                problems.push(source.at(
                    bound,
                    format!("`{which}` of money field `{name}` has more than two decimals"),
                    "money is counted in cents, e.g. min = 0.01",
                ));
                None
            }
            Some(value) => Some(value),
            None => {
                problems.push(source.at(
                    bound,
                    format!("`{which}` of field `{name}` is not a number"),
                    "e.g. min = 0.01 or max = 100000",
                ));
                None
            }
        }
    };
    let min = read(&raw.min, "min");
    let max = read(&raw.max, "max");
    if let (Some(low), Some(high), Some(at)) = (min, max, &raw.max)
        && low > high
    {
        problems.push(source.at(
            at,
            format!("field `{name}` has max {high} below its min {low}"),
            "min and max are both inclusive: min <= max",
        ));
    }
    if *field_type == FieldType::Money && raw.min.is_none() {
        warnings.push(source.at(
            &raw.name,
            format!("money field `{name}` has no `min`: amounts of zero or less are accepted, and a rule such as `request.{name} <= 2500.0` approves any credit"),
            "add min = 0.01 to refuse amounts of zero or less (or min = 0, or a negative min, to accept them on purpose)",
        ));
    }
    (min, max)
}

/// A bound as an exact decimal: `0.01` is read from its shortest text, not its binary value.
fn decimal(bound: &BoundFile) -> Option<Decimal> {
    match bound {
        BoundFile::Whole(n) => Some(Decimal::from(*n)),
        BoundFile::Fraction(x) if x.is_finite() => Decimal::from_str(&x.to_string()).ok(),
        BoundFile::Fraction(_) => None,
        BoundFile::Text(text) => Decimal::from_str(text.trim()).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_is_the_decimal_it_reads_as() {
        assert_eq!(
            decimal(&BoundFile::Fraction(0.01)),
            Some(Decimal::new(1, 2))
        );
        assert_eq!(decimal(&BoundFile::Whole(-5)), Some(Decimal::from(-5)));
        assert_eq!(
            decimal(&BoundFile::Text("2500.50".into())),
            Some(Decimal::new(250050, 2))
        );
        assert_eq!(decimal(&BoundFile::Fraction(f64::NAN)), None);
        assert_eq!(decimal(&BoundFile::Text("lots".into())), None);
    }
}
