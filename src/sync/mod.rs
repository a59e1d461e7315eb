//! Data from the company's other systems: CSV files parsed into typed records (the importer in
//! the service layer stores them); the inbound sources' pure parts ([`sources`]); and data going
//! out to them ([`targets`]).

pub mod csv;
pub mod scale;
pub mod shift;
pub mod sources;
pub mod targets;

pub use self::csv::{CsvProblem, CsvProblems, RecordReader, parse_records};
