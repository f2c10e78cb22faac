//! goose: `-- +goose Up` / `-- +goose Down` sections in one file; each migration in a
//! transaction unless the file has `-- +goose NO TRANSACTION` (both sections), statements sent
//! one at a time.

use super::{Env, Tool, ToolFile, tx};
use crate::discover::InputProblem;
use crate::discover::lines::{lines, trimmed};
use crate::discover::names::VersionKey;
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};
use crate::source::Span;

pub(crate) struct Goose;

impl Tool for Goose {
    fn units(&self, file: &ToolFile, env: &mut Env) -> Option<Vec<Draft>> {
        let source = &file.source;
        let g = match goose(&source.text)? {
            Ok(g) => g,
            Err(refusal) => {
                // goose stops with an error on this file: nothing of it runs.
                env.problems.push(InputProblem {
                    path: source.path.clone(),
                    message: format!("goose refuses this file: {}", refusal.message),
                    offset: Some(refusal.offset),
                    at: Some(source.line_col(refusal.offset)),
                });
                return None;
            }
        };
        let version = super::parse_numbered(&file.file_name).map(|(v, _)| v);
        let key = version
            .as_deref()
            .and_then(|v| VersionKey::numeric([v]))
            .unwrap_or_else(|| VersionKey::Lex(file.file_name.clone()));
        let pair_key = Some(format!("file:{}", source.display_path()));
        let stem = file.stem();
        let draft = |range: Span, direction: Direction| Draft {
            source: source.clone(),
            range,
            layout: Layout::Goose,
            direction,
            version: version.clone(),
            name: stem.clone(),
            transaction: transaction(g.no_transaction),
            rank: 0,
            key: key.clone(),
            pair_key: pair_key.clone(),
        };
        let mut out = vec![draft(g.up, Direction::Up)];
        if let Some(down) = g.down {
            out.push(draft(down, Direction::Down));
        }
        Some(out)
    }

    fn transaction_opt_out(&self) -> &'static str {
        " (`-- +goose NO TRANSACTION` at the top of the file)"
    }
}

/// Whether a file has a goose Up section (what makes a folder goose's).
pub(crate) fn has_goose_up(text: &str) -> bool {
    lines(text)
        .iter()
        .any(|l| goose_annotation(&text[l.start..l.end]) == Some(Ok(Annotation::Up)))
}

fn transaction(no_transaction: bool) -> Transaction {
    if no_transaction {
        tx(
            TransactionMode::PerStatement,
            "the file has `-- +goose NO TRANSACTION`, so goose runs both its sections outside a transaction, one statement at a time",
        )
    } else {
        tx(
            TransactionMode::Wrapped,
            "goose runs each migration in a transaction unless the file has `-- +goose NO TRANSACTION`",
        )
    }
}

/// The annotations goose knows (it compares them case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Annotation {
    Up,
    Down,
    StatementBegin,
    StatementEnd,
    NoTransaction,
    EnvsubOn,
    EnvsubOff,
}

const ANNOTATIONS: [(&str, Annotation); 7] = [
    ("Up", Annotation::Up),
    ("Down", Annotation::Down),
    ("StatementBegin", Annotation::StatementBegin),
    ("StatementEnd", Annotation::StatementEnd),
    ("NO TRANSACTION", Annotation::NoTransaction),
    ("ENVSUB ON", Annotation::EnvsubOn),
    ("ENVSUB OFF", Annotation::EnvsubOff),
];

/// goose's reading of one line (without its line break): `None` when it is no annotation line
/// (goose takes any line that is a `--` comment after trimming and contains `+goose` for one),
/// else the annotation or goose's reason to stop. goose removes every `--` and the first
/// `+goose`, trims Unicode whitespace (NBSP included) and compares case-insensitively; leading
/// spaces or tabs, a second `+goose` or any other word make it stop with an error.
pub(crate) fn goose_annotation(line: &str) -> Option<Result<Annotation, String>> {
    if !line.trim().starts_with("--") || !line.contains("+goose") {
        return None;
    }
    if line.starts_with([' ', '\t']) {
        return Some(Err(format!("{line:?} contains leading whitespace")));
    }
    let cmd = line.replace("--", "").replacen("+goose", "", 1);
    if cmd.contains("+goose") {
        return Some(Err(format!(
            "{line:?} contains multiple '+goose' annotations"
        )));
    }
    let cmd = cmd.trim();
    if cmd.is_empty() {
        return Some(Err(format!("{line:?} is an empty annotation")));
    }
    Some(
        ANNOTATIONS
            .iter()
            .find(|(name, _)| name.to_lowercase() == cmd.to_lowercase())
            .map(|&(_, a)| a)
            .ok_or_else(|| format!("annotation {cmd:?} is not supported")),
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GooseFile {
    pub up: Span,
    pub down: Option<Span>,
    /// `-- +goose NO TRANSACTION` anywhere in the file (it applies to both sections).
    pub no_transaction: bool,
}

/// Why goose stops with an error on a file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub message: String,
    pub offset: usize,
}

/// goose's reading of a file (its parser's state machine): the Up and Down sections, or why
/// goose refuses the file. `None` when the file has no `-- +goose Up` annotation.
pub(crate) fn goose(text: &str) -> Option<Result<GooseFile, Refusal>> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        Start,
        Up,
        BeginUp,
        Down,
        BeginDown,
    }
    let ls = lines(text);
    let line_text = |i: usize| &text[ls[i].start..ls[i].end];
    if !(0..ls.len()).any(|i| goose_annotation(line_text(i)) == Some(Ok(Annotation::Up))) {
        return None;
    }
    let refuse = |message: String, i: usize| {
        Some(Err(Refusal {
            message,
            offset: ls.get(i).map_or(text.len(), |l| l.start),
        }))
    };
    let mut state = State::Start;
    let mut up_at = None;
    let mut down_at = None;
    let mut no_transaction = false;
    // The line where an unfinished statement starts (goose's non-empty buffer).
    let mut open: Option<usize> = None;
    for i in 0..ls.len() {
        let line = line_text(i);
        if state == State::Start && line.trim().is_empty() {
            continue;
        }
        if let Some(annotation) = goose_annotation(line) {
            let annotation = match annotation {
                Ok(a) => a,
                Err(why) => return refuse(why, i),
            };
            match (annotation, state) {
                (Annotation::Up, State::Start) => {
                    state = State::Up;
                    up_at = Some(i);
                }
                (Annotation::Up, _) => {
                    return refuse("duplicate '-- +goose Up' annotations".into(), i);
                }
                (Annotation::Down, State::Up) => {
                    if let Some(at) = open {
                        return refuse(
                            "unfinished SQL statement before '-- +goose Down': missing semicolon?"
                                .into(),
                            at,
                        );
                    }
                    state = State::Down;
                    down_at = Some(i);
                }
                (Annotation::Down, _) => {
                    return refuse("'-- +goose Down' must follow one '-- +goose Up'".into(), i);
                }
                (Annotation::StatementBegin, State::Up) => state = State::BeginUp,
                (Annotation::StatementBegin, State::Down) => state = State::BeginDown,
                (Annotation::StatementBegin, _) => {
                    return refuse(
                        "'-- +goose StatementBegin' must come after '-- +goose Up' or '-- +goose Down'".into(),
                        i,
                    );
                }
                (Annotation::StatementEnd, State::BeginUp) => {
                    state = State::Up;
                    open = None;
                }
                (Annotation::StatementEnd, State::BeginDown) => {
                    state = State::Down;
                    open = None;
                }
                (Annotation::StatementEnd, _) => {
                    return refuse(
                        "'-- +goose StatementEnd' must come after '-- +goose StatementBegin'"
                            .into(),
                        i,
                    );
                }
                (Annotation::NoTransaction, _) => no_transaction = true,
                (Annotation::EnvsubOn | Annotation::EnvsubOff, _) => {}
            }
            continue;
        }
        if open.is_none() && (line.trim().starts_with("--") || line.is_empty()) {
            continue;
        }
        match state {
            State::Start => {
                return refuse("SQL before the '-- +goose Up' annotation".into(), i);
            }
            State::Up | State::Down => {
                open.get_or_insert(i);
                if ends_with_semicolon(line) {
                    open = None;
                }
            }
            State::BeginUp | State::BeginDown => {
                open.get_or_insert(i);
            }
        }
    }
    match state {
        State::BeginUp | State::BeginDown => {
            return refuse(
                "missing '-- +goose StatementEnd' annotation".into(),
                ls.len(),
            );
        }
        _ => {}
    }
    if let Some(at) = open {
        return refuse(
            "unfinished SQL statement at the end of the file: missing semicolon?".into(),
            at,
        );
    }
    let up_at = up_at?;
    let skip = |line: &str| goose_annotation(line).is_some();
    let up = trimmed(text, &ls, up_at + 1, down_at.unwrap_or(ls.len()), skip);
    let down = down_at.map(|d| trimmed(text, &ls, d + 1, ls.len(), skip));
    Some(Ok(GooseFile {
        up,
        down,
        no_transaction,
    }))
}

/// goose's test for the end of a statement: the last word before a `--` word ends with `;`.
fn ends_with_semicolon(line: &str) -> bool {
    let mut prev = "";
    for word in line.split_whitespace() {
        if word.starts_with("--") {
            break;
        }
        prev = word;
    }
    prev.ends_with(';')
}

// ---------------------------------------------------------------------------------------------
// dbmate
