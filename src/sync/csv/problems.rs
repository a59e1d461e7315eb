//! The problems found in a CSV file, listed up to a cap and counted beyond it.

use std::fmt;

/// At most this many problems are listed; the rest are counted.
pub const MAX_PROBLEMS: usize = 50;

/// One thing wrong with a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvProblem {
    /// The row as a spreadsheet numbers it (the header is row 1); `None` for the whole file.
    pub row: Option<usize>,
    pub column: Option<String>,
    /// The offending value, truncated.
    pub value: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Every problem found in a file (up to a cap), and how many more there were.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsvProblems {
    pub problems: Vec<CsvProblem>,
    pub more: usize,
}

impl CsvProblems {
    pub(super) fn push(&mut self, problem: CsvProblem) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        } else {
            self.more += 1;
        }
    }

    pub(super) fn file(message: String) -> Self {
        let mut problems = CsvProblems::default();
        problems.push(CsvProblem {
            row: None,
            column: None,
            value: None,
            message,
        });
        problems
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(row) = self.row {
            write!(f, "row {row}")?;
            if let Some(column) = &self.column {
                write!(f, ", column {column}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(value) = &self.value {
            write!(f, "`{value}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl fmt::Display for CsvProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        if self.more > 0 {
            write!(f, "\nand {} more", self.more)?;
        }
        Ok(())
    }
}

impl std::error::Error for CsvProblems {}
