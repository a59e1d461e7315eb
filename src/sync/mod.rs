//! Data from the company's other systems: CSV files parsed into typed records (the importer in
//! the service layer stores them), and the inbound sources' pure parts ([`sources`]).

pub mod csv;
pub mod scale;
pub mod shift;
pub mod sources;

pub use self::csv::{CsvProblem, CsvProblems, RecordReader, parse_records};
