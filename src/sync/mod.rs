//! Data in from other systems: CSV files.
pub mod csv;
