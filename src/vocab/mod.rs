//! The shared vocabulary, at the bottom of the crate: what every stage means
//! by a grain, an aggregate, an operator, a unit, a direction, a status, a
//! literal, a file format and a warehouse connection, the language's words, how numbers and money are
//! written for people. It imports no other stage; the syntax tree, the typed
//! model, the IR, the backends, the evaluator and the reports all speak it.

pub mod keywords;
mod literal;
pub mod money;
pub mod number;
pub mod period;
mod units;
mod warehouse;
mod words;

pub use literal::{Constant, FileFormat};
pub use units::{
    aggregate_unit, Additivity, AggregateError, ColType, DurationUnit, TableScale, TypeError, Unit, UnitError, UnitLit,
    UnitMisfit,
};
pub use warehouse::{Connection, Connections, Engine, TablePath, TablePathError, DEFAULT_TIME_ZONE};
pub use words::{AggFn, BinOp, CmpOp, Direction, Field, Grain, MissingRule, PayoutRange, PayoutValue, RelOp, Status};
