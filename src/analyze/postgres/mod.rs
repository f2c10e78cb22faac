//! PostgreSQL's facts: the parse tree read into [`Change`](crate::analyze::Change)s
//! (`classify`, with `alter_table`, `expr` and `names` by subject), the locks each change takes
//! (`locks`), and which changes rewrite a table (`rewrites`). Everything here follows
//! PostgreSQL's documentation for the target major version and is checked against a real
//! server by `tests/pg_facts.rs`.

pub mod actions;
mod alter_table;
pub mod builtin_functions;
mod calls;
pub mod classify;
pub mod contrib_functions;
mod expr;
pub mod locks;
mod names;
pub mod plpgsql;
pub mod reads;
pub mod rewrites;
pub mod transactional;

pub use names::type_name;
