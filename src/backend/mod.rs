//! Backends turn plan queries into something that runs. Today: polars.

pub mod polars;
