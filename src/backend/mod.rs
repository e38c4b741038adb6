//! Backends turn plan queries into something that runs. Today: polars.

pub mod errors;
pub mod polars;

pub use errors::DataError;
