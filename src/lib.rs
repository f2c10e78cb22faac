//! rollsafe: a static linter for SQL schema migrations.
//!
//! The pipeline flows one way: `discover` → `parse` → `analyze` → `rules` → `report`; `cli`
//! wires it to the command line.

pub mod analyze;
pub mod check;
pub mod cli;
pub mod codeowners;
pub mod config;
pub mod discover;
pub mod lex;
pub mod parse;
pub mod plan;
pub mod report;
pub mod rules;
pub mod source;
pub mod target;
pub mod threads;
pub mod verify;
