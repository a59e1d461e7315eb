//! Prometheus's text exposition format, written by hand: a family's `# HELP` and `# TYPE`
//! lines, then its samples. Label values are escaped as the format asks, so a name taken from
//! config can never break a line.

use std::fmt::{Display, Write as _};

/// What a family is to Prometheus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A scrape's text, family by family.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// Starts the family `name`: its help and its type.
    pub fn family(&mut self, name: &str, help: &str, kind: Kind) {
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {}", kind.as_str());
    }

    /// One sample of the family just started (`name` may carry a histogram's suffix).
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (n, (label, value)) in labels.iter().enumerate() {
                if n > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape(value));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    /// A gauge family with one sample per row, labelled `label="row name"`.
    pub fn labelled_gauge<T>(
        &mut self,
        (name, help): (&str, &str),
        label: &str,
        rows: &[(&str, &T)],
        value: impl Fn(&T) -> i64,
    ) {
        self.family(name, help, Kind::Gauge);
        for (row, status) in rows {
            self.sample(name, &[(label, row)], value(status));
        }
    }

    pub fn into_text(self) -> String {
        self.text
    }
}

/// A label value as the format writes it: backslash, double quote and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::{Exposition, Kind};

    #[test]
    fn a_family_has_its_help_type_and_labelled_samples() {
        let mut text = Exposition::default();
        text.family("keel_things_total", "Things.", Kind::Counter);
        text.sample(
            "keel_things_total",
            &[("workflow", "po"), ("outcome", "ok")],
            3,
        );
        text.sample("keel_things_total", &[], 4);
        assert_eq!(
            text.into_text(),
            "# HELP keel_things_total Things.\n# TYPE keel_things_total counter\n\
             keel_things_total{workflow=\"po\",outcome=\"ok\"} 3\nkeel_things_total 4\n"
        );
    }

    #[test]
    fn label_values_cannot_break_the_line() {
        let mut text = Exposition::default();
        text.sample("m", &[("name", "a\"b\\c\nd")], 1);
        assert_eq!(text.into_text(), "m{name=\"a\\\"b\\\\c\\nd\"} 1\n");
    }
}
