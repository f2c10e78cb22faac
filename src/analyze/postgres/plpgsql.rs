//! Procedural code: `DO` blocks and `CREATE FUNCTION` / `CREATE PROCEDURE` bodies in `plpgsql`
//! (through libpg_query's PL/pgSQL parser, which returns JSON) and `sql` (through the SQL
//! parser), constant `EXECUTE` strings, and the calls a statement makes. Every static statement
//! found is classified like a top-level one and placed at its own position in the file; what
//! cannot be read is recorded as opaque, never assumed harmless.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, AlterTableType};
use serde_json::Value;

use super::classify::classify;
use crate::analyze::procedural::*;
use crate::lex;
use crate::source::{SourceFile, Span};

/// What one top-level statement runs now, and what it defines for later statements.
#[derive(Debug, Default)]
pub struct Procedural {
    pub body: Body,
    pub definition: Option<Definition>,
}

/// Read the procedural side of a top-level statement written at `span` of `source`.
/// `read` is the statement as the parser read it (placeholders substituted, same length
/// when rollsafe chose the stand-in, so positions stay the file's).
pub fn read(node: &NodeEnum, source: &SourceFile, span: Span, read: &str) -> Procedural {
    let mut out = read_text(node, read, span);
    out.body.clamp(span, &source.text);
    if let Some(Definition::Routine { body, .. }) = &mut out.definition {
        body.clamp(span, &source.text);
    }
    out
}

/// Read a statement whose text is `text`, written at `span` of the file.
fn read_text(node: &NodeEnum, text: &str, span: Span) -> Procedural {
    let mut out = Procedural::default();
    match node {
        NodeEnum::DoStmt(s) => {
            let (language, code) = do_args(&s.args);
            read_code(
                &mut out.body,
                language.as_deref().unwrap_or("plpgsql"),
                code.as_deref(),
                text,
                span,
                Kind::Do,
            );
        }
        NodeEnum::CreateFunctionStmt(s) => {
            let name = call_name(&s.funcname);
            let mut body = Body::default();
            if let Some(sql_body) = s.sql_body.as_deref() {
                // `BEGIN ATOMIC ... END`: the statements between are parsed again from the
                // text, for their positions; `RETURN expr` (and any surprise) is read from the
                // tree parsed with the statement.
                if !read_atomic(&mut body, text, span) {
                    read_sql_body(&mut body, sql_body, span);
                }
            } else {
                let (language, code) = function_args(&s.options);
                read_code(
                    &mut body,
                    language.as_deref().unwrap_or("sql"),
                    code.as_deref(),
                    text,
                    span,
                    Kind::Function,
                );
            }
            out.definition = Some(Definition::Routine {
                name,
                params: input_params(&s.parameters),
                body,
            });
        }
        NodeEnum::CreateTrigStmt(s) => {
            out.definition = Some(Definition::Trigger {
                name: s.trigname.clone(),
                table: s
                    .relation
                    .as_ref()
                    .map(super::names::rv_name)
                    .unwrap_or_default(),
                function: call_name(&s.funcname),
                events: trigger_events(s.events),
            });
        }
        NodeEnum::CreateEventTrigStmt(_) => out.body.opaque.push(Opaque {
            span,
            reason: OpaqueReason::EventTrigger,
            via: None,
        }),
        other => {
            let constant = constant_call(other);
            let calls = calls_in(other);
            out.definition = table_code(other, &calls);
            for name in calls {
                let args = constant
                    .as_ref()
                    .filter(|(n, _)| *n == name)
                    .map(|(_, a)| a.clone());
                out.body.calls.push(Call { name, span, args });
            }
        }
    }
    out
}

/// The input parameters of `CREATE FUNCTION | PROCEDURE`, in call order.
fn input_params(parameters: &[pb::Node]) -> Vec<String> {
    use pb::FunctionParameterMode as M;
    parameters
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::FunctionParameter(fp)) => Some(fp),
            _ => None,
        })
        .filter(|fp| {
            !matches!(
                M::try_from(fp.mode),
                Ok(M::FuncParamOut | M::FuncParamTable)
            )
        })
        .map(|fp| fp.name.to_ascii_lowercase())
        .collect()
}

/// `SELECT f(constants)` / `CALL p(constants)`: the one call and its constant arguments.
fn constant_call(node: &NodeEnum) -> Option<(String, Vec<String>)> {
    let call = match node {
        NodeEnum::SelectStmt(s) if s.from_clause.is_empty() && s.target_list.len() == 1 => {
            match s.target_list[0].node.as_ref()? {
                NodeEnum::ResTarget(t) => match t.val.as_deref()?.node.as_ref()? {
                    NodeEnum::FuncCall(f) => f,
                    _ => return None,
                },
                _ => return None,
            }
        }
        NodeEnum::CallStmt(c) => c.funccall.as_deref()?,
        _ => return None,
    };
    let args = call
        .args
        .iter()
        .map(|a| eval(a, &[]))
        .collect::<Option<Vec<String>>>()?;
    Some((call_name(&call.funcname), args))
}

/// The SQL an `EXECUTE expr` of a routine's body runs when the routine is called with constant
/// `args` for its `params`, read like any statement of the body (positions: the `EXECUTE`).
pub fn bound_execute(expr: &str, params: &[String], args: &[String], span: Span) -> Option<Body> {
    let env: Vec<(&str, &str)> = params
        .iter()
        .zip(args)
        .map(|(p, a)| (p.as_str(), a.as_str()))
        .collect();
    let sql = constant_string_with(expr, &env)?;
    let mut body = Body::default();
    let origin = Origin {
        start: span.start,
        escapes: Vec::new(),
        statement: Some(span),
    };
    read_sql(&mut body, &sql, &origin, false);
    Some(body)
}

/// The functions a table definition stores for later writes: defaults, CHECK constraints and
/// generated columns of `CREATE TABLE` / `ALTER TABLE`, and index expressions. `calls` is
/// [`calls_in`] of `node`, reused where it walked the same tree.
fn table_code(node: &NodeEnum, calls: &[String]) -> Option<Definition> {
    let (table, functions) = match node {
        NodeEnum::CreateStmt(s) => (s.relation.as_ref(), super::calls::find(node)),
        // `calls_in` left out only the `SET DEFAULT` commands.
        NodeEnum::AlterTableStmt(s) if !s.cmds.iter().any(is_set_default) => {
            (s.relation.as_ref(), calls.to_vec())
        }
        NodeEnum::AlterTableStmt(s) => (s.relation.as_ref(), super::calls::find(&s.cmds)),
        NodeEnum::IndexStmt(s) => (s.relation.as_ref(), calls.to_vec()),
        _ => return None,
    };
    if functions.is_empty() {
        return None;
    }
    Some(Definition::TableCode {
        table: table.map(super::names::rv_name)?,
        functions,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Do,
    Function,
}

/// `DO [LANGUAGE l] 'code'`: the language and the code.
fn do_args(args: &[pb::Node]) -> (Option<String>, Option<String>) {
    let mut language = None;
    let mut code = None;
    for a in args {
        if let Some(NodeEnum::DefElem(d)) = a.node.as_ref() {
            let value = d.arg.as_deref().and_then(string_value);
            match d.defname.as_str() {
                "language" => language = value.map(|v| v.to_ascii_lowercase()),
                "as" => code = value,
                _ => {}
            }
        }
    }
    (language, code)
}

/// `CREATE FUNCTION ... LANGUAGE l AS 'code'`: the language and the code (`AS 'obj', 'sym'`
/// of a C function has two strings: no SQL code).
fn function_args(options: &[pb::Node]) -> (Option<String>, Option<String>) {
    let mut language = None;
    let mut code = None;
    for o in options {
        if let Some(NodeEnum::DefElem(d)) = o.node.as_ref() {
            match d.defname.as_str() {
                "language" => {
                    language = d
                        .arg
                        .as_deref()
                        .and_then(string_value)
                        .map(|v| v.to_ascii_lowercase())
                }
                "as" => {
                    code = match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                        Some(NodeEnum::List(l)) if l.items.len() == 1 => {
                            l.items.first().and_then(string_value)
                        }
                        Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
    }
    (language, code)
}

fn string_value(n: &pb::Node) -> Option<String> {
    match n.node.as_ref()? {
        NodeEnum::String(s) => Some(s.sval.clone()),
        _ => None,
    }
}

/// A function's name as called: lower-case, `public.` dropped (the default search path).
fn call_name(parts: &[pb::Node]) -> String {
    let parts: Vec<String> = parts
        .iter()
        .filter_map(string_value)
        .map(|p| p.to_ascii_lowercase())
        .collect();
    let name = parts.join(".");
    match name.strip_prefix("public.") {
        Some(rest) => rest.to_string(),
        None => name,
    }
}

fn trigger_events(events: i32) -> TriggerEvents {
    // PostgreSQL's TRIGGER_TYPE_* bits (src/include/catalog/pg_trigger.h).
    TriggerEvents {
        insert: events & (1 << 2) != 0,
        delete: events & (1 << 3) != 0,
        update: events & (1 << 4) != 0,
        truncate: events & (1 << 5) != 0,
    }
}

/// Where a routine's code sits in the file: the first byte of its text, and the offsets
/// (in the code) of the doubled quotes of a single-quoted body, each one byte shorter than
/// in the file.
struct Origin {
    start: usize,
    escapes: Vec<usize>,
    /// The code is a copy whose position is unknown: everything maps to the statement.
    statement: Option<Span>,
}

impl Origin {
    fn file(&self, offset: usize) -> usize {
        if self.statement.is_some() {
            return self.start;
        }
        self.start + offset + self.escapes.iter().filter(|&&e| e < offset).count()
    }
    fn span(&self, start: usize, end: usize) -> Span {
        match self.statement {
            Some(s) => s,
            None => Span::new(self.file(start), self.file(end.max(start))),
        }
    }
}

/// Find the string literal holding `code` in the statement text (dollar-quoted or
/// single-quoted), so positions inside the code map to the file.
fn locate(text: &str, span: Span, code: &str) -> Origin {
    let b = text.as_bytes();
    let end = b.len();
    let mut i = 0;
    while i < end {
        match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < end && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = lex::skip_block_comment(b, i, end),
            b'"' => i = lex::skip_quoted(b, i, end, b'"', false),
            b'\'' => {
                let escaped = i > 0 && matches!(b[i - 1], b'e' | b'E');
                let close = lex::skip_quoted(b, i, end, b'\'', escaped);
                if !escaped && close > i + 1 && b.get(close - 1) == Some(&b'\'') {
                    let raw = &text[i + 1..close - 1];
                    let mut escapes = Vec::new();
                    let mut decoded = String::with_capacity(raw.len());
                    let mut chars = raw.char_indices().peekable();
                    while let Some((_, c)) = chars.next() {
                        decoded.push(c);
                        if c == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                            chars.next();
                            escapes.push(decoded.len());
                        }
                    }
                    if decoded == code {
                        return Origin {
                            start: span.start + i + 1,
                            escapes,
                            statement: None,
                        };
                    }
                }
                i = close;
            }
            b'$' => match lex::dollar_tag_len(b, i, end) {
                Some(tag_len) if i == 0 || !lex::is_ident_char(b[i - 1]) => {
                    let tag = &text[i..i + tag_len];
                    let content = i + tag_len;
                    match text[content..].find(tag) {
                        Some(len) => {
                            if &text[content..content + len] == code {
                                return Origin {
                                    start: span.start + content,
                                    escapes: Vec::new(),
                                    statement: None,
                                };
                            }
                            i = content + len + tag_len;
                        }
                        None => i = end,
                    }
                }
                _ => i += 1,
            },
            _ => i += 1,
        }
    }
    Origin {
        start: span.start,
        escapes: Vec::new(),
        statement: Some(span),
    }
}

/// Read code in `language` into `body`.
fn read_code(
    body: &mut Body,
    language: &str,
    code: Option<&str>,
    text: &str,
    span: Span,
    kind: Kind,
) {
    let Some(code) = code else {
        // A C or internal function: `AS 'obj_file', 'symbol'`.
        body.opaque.push(Opaque {
            span,
            reason: OpaqueReason::Language(language.to_string()),
            via: None,
        });
        return;
    };
    let origin = locate(text, span, code);
    match language {
        "plpgsql" => read_plpgsql(body, code, &origin, text, kind),
        "sql" => read_sql(body, code, &origin, false),
        other => body.opaque.push(Opaque {
            span,
            reason: OpaqueReason::Language(other.to_string()),
            via: None,
        }),
    }
}

/// A `LANGUAGE sql` body: plain SQL statements.
fn read_sql(body: &mut Body, code: &str, origin: &Origin, guarded: bool) {
    match parse_embedded(code) {
        Ok(result) => {
            for raw in result.stmts {
                let start = (raw.stmt_location.max(0) as usize).min(code.len());
                let end = if raw.stmt_len > 0 {
                    (start + raw.stmt_len as usize).min(code.len())
                } else {
                    code.len()
                };
                // Leading whitespace belongs to the statement in the parser's location.
                let written = code.get(start..end).unwrap_or_default();
                let lead = written.len() - written.trim_start().len();
                let span = origin.span(start + lead, end);
                if let Some(node) = raw.stmt.and_then(|n| n.node) {
                    add_statement(body, &node, written.trim_start(), span, guarded);
                }
            }
        }
        Err(e) => body.opaque.push(Opaque {
            span: origin.span(0, code.len()),
            reason: OpaqueReason::UnparseableBody(e),
            via: None,
        }),
    }
}

/// The statements of a `BEGIN ATOMIC ... END` body, at their positions in the file; false when
/// the statement has no such body or it cannot be read from the text.
fn read_atomic(body: &mut Body, text: &str, span: Span) -> bool {
    use pg_query::protobuf::Token;
    let Ok(tokens) = pg_query::scan(text).map(|r| r.tokens) else {
        return false;
    };
    let begin = tokens.windows(2).find_map(|w| {
        (w[0].token == Token::BeginP as i32 && w[1].token == Token::Atomic as i32)
            .then_some(w[1].end)
    });
    let end = tokens
        .iter()
        .rev()
        .find(|t| t.token == Token::EndP as i32)
        .map(|t| t.start);
    let (Some(begin), Some(end)) = (begin, end) else {
        return false;
    };
    let (begin, end) = (begin.max(0) as usize, end.max(0) as usize);
    let Some(code) = text.get(begin..end) else {
        return false;
    };
    let origin = Origin {
        start: span.start + begin,
        escapes: Vec::new(),
        statement: None,
    };
    let mut inner = Body::default();
    read_sql(&mut inner, code, &origin, false);
    if !inner.opaque.is_empty() {
        return false;
    }
    body.statements.extend(inner.statements);
    body.calls.extend(inner.calls);
    true
}

/// A SQL-standard body (`BEGIN ATOMIC ... END`, `RETURN expr`), parsed with the statement.
fn read_sql_body(body: &mut Body, node: &pb::Node, span: Span) {
    match node.node.as_ref() {
        Some(NodeEnum::List(l)) => {
            for item in &l.items {
                read_sql_body(body, item, span);
            }
        }
        Some(NodeEnum::ReturnStmt(r)) => {
            if let Some(v) = r.returnval.as_deref().and_then(|v| v.node.as_ref()) {
                for name in calls_in(v) {
                    body.calls.push(Call {
                        name,
                        span,
                        args: None,
                    });
                }
            }
        }
        Some(other) => add_statement(body, other, "", span, false),
        None => {}
    }
}

/// One statement found in procedural code: its changes, the calls it makes, what stays opaque.
/// One statement found in procedural code (its own text is `text`, when known): its changes,
/// the calls it makes, what stays opaque, and what it defines.
fn add_statement(body: &mut Body, node: &NodeEnum, text: &str, span: Span, guarded: bool) {
    let c = classify(node);
    if !c.known {
        body.opaque.push(Opaque {
            span,
            reason: OpaqueReason::UnknownStatement(c.kind.clone()),
            via: None,
        });
    }
    // A `DO`, a function or a trigger inside procedural code is read like a top-level one.
    let nested = match node {
        NodeEnum::DoStmt(_)
        | NodeEnum::CreateFunctionStmt(_)
        | NodeEnum::CreateTrigStmt(_)
        | NodeEnum::CreateEventTrigStmt(_) => {
            let p = read_text(node, text, span);
            body.definitions.extend(p.definition);
            Some(p.body)
        }
        other => {
            let calls = calls_in(other);
            body.definitions.extend(table_code(other, &calls));
            for name in calls {
                body.calls.push(Call {
                    name,
                    span,
                    args: None,
                });
            }
            None
        }
    };
    let changes = if guarded {
        c.changes.iter().map(guarded_form).collect()
    } else {
        c.changes
    };
    if !changes.is_empty() {
        body.statements.push(InnerStatement {
            span,
            kind: c.kind,
            changes,
            guarded,
            via: None,
        });
    }
    if let Some(inner) = nested {
        body.statements.extend(inner.statements);
        body.calls.extend(inner.calls);
        body.opaque.extend(inner.opaque);
        body.definitions.extend(inner.definitions);
    }
}

/// The lines of a routine's code: where each starts, so finding a line costs the same at the
/// end of a long body as at its start.
struct Lines {
    /// The offset of every `\n` in the code.
    newlines: Vec<usize>,
}

impl Lines {
    fn of(code: &str) -> Lines {
        Lines {
            newlines: code.match_indices('\n').map(|(i, _)| i).collect(),
        }
    }

    /// Byte offset of line `lineno` (1-based) of the code (its end past the last line).
    fn offset(&self, code: &str, lineno: i64) -> usize {
        if lineno <= 1 {
            return 0;
        }
        usize::try_from(lineno - 2)
            .ok()
            .and_then(|n| self.newlines.get(n))
            .map_or(code.len(), |i| i + 1)
    }
}

/// Where `needle` (text the PL/pgSQL parser copied out of the code) is written, searching from
/// line `lineno`; the start of that line when it cannot be found.
fn find_in(code: &str, lines: &Lines, lineno: i64, needle: &str) -> (usize, usize) {
    let from = lines.offset(code, lineno);
    let needle = needle.trim();
    match code[from..].find(needle) {
        Some(i) if !needle.is_empty() => (from + i, from + i + needle.len()),
        _ => {
            let line_end = code[from..].find('\n').map_or(code.len(), |e| from + e);
            (from, line_end)
        }
    }
}

/// A `plpgsql` body, through libpg_query's PL/pgSQL parser.
fn read_plpgsql(body: &mut Body, code: &str, origin: &Origin, text: &str, kind: Kind) {
    // The parser takes a whole statement: the one written (its return type and arguments
    // decide what `RETURN` may say), or for a nested `DO` the code quoted with a tag that
    // cannot occur in it. Line numbers count from the line the code starts on either way.
    let mut tag = String::from("$rollsafe$");
    while code.contains(&tag) {
        tag.insert(1, '_');
    }
    let statement = match kind {
        _ if !text.is_empty() => text.to_string(),
        Kind::Do => format!("DO {tag}{code}{tag}"),
        Kind::Function => {
            format!(
                "CREATE FUNCTION rollsafe_body() RETURNS void LANGUAGE plpgsql AS {tag}{code}{tag}"
            )
        }
    };
    let json = match parse_plpgsql(&statement) {
        Ok(json) => json,
        Err(e) => {
            body.opaque.push(Opaque {
                span: origin.span(0, code.len()),
                reason: OpaqueReason::UnparseableBody(e.to_string()),
                via: None,
            });
            return;
        }
    };
    let mut reader = PlReader {
        body,
        code,
        lines: Lines::of(code),
        origin,
        lineno: 1,
    };
    reader.walk(&json, false);
}

/// libpg_query's PL/pgSQL parser. Its JSON is malformed for functions with record datums
/// (trigger functions' `NEW`/`OLD` fields come out as `{}}`), which the pg_query crate then
/// rejects; the raw text is taken here and that one defect repaired. `,{}}` cannot occur in
/// valid JSON outside a string.
fn parse_plpgsql(statement: &str) -> Result<Value, String> {
    let raw = crate::parse::postgres::libpg_query::parse_plpgsql_json(statement)?;
    match serde_json::from_str(&raw) {
        Ok(v) => Ok(v),
        Err(_) => serde_json::from_str(&raw.replace(",{}}", ",{}")).map_err(|e| e.to_string()),
    }
}

struct PlReader<'a> {
    body: &'a mut Body,
    code: &'a str,
    lines: Lines,
    origin: &'a Origin,
    lineno: i64,
}

/// Conditions whose handler makes a failed "create" or "drop" a no-op on re-run.
const SWALLOWED: &[&str] = &[
    "duplicate_object",
    "duplicate_table",
    "duplicate_column",
    "duplicate_schema",
    "duplicate_function",
    "duplicate_database",
    "unique_violation",
    "undefined_object",
    "undefined_table",
    "undefined_column",
    "undefined_function",
    "invalid_schema_name",
    "others",
];

impl PlReader<'_> {
    fn walk(&mut self, v: &Value, guarded: bool) {
        match v {
            Value::Array(items) => {
                for item in items {
                    self.walk(item, guarded);
                }
            }
            Value::Object(map) => {
                // Every field of a statement is read at the statement's own line, whatever
                // nested statements were read before it.
                let own = map
                    .get("lineno")
                    .and_then(Value::as_i64)
                    .unwrap_or(self.lineno);
                for (key, value) in map {
                    self.lineno = own;
                    self.walk_key(key, value, guarded);
                }
                self.lineno = own;
            }
            _ => {}
        }
    }

    fn walk_key(&mut self, key: &str, v: &Value, guarded: bool) {
        let outer = self.lineno;
        if let Some(n) = v.get("lineno").and_then(Value::as_i64) {
            self.lineno = n;
        }
        self.read_key(key, v, guarded);
        self.lineno = outer;
    }

    fn read_key(&mut self, key: &str, v: &Value, guarded: bool) {
        match key {
            "PLpgSQL_stmt_execsql" => {
                if let Some(q) = expr_query(v.get("sqlstmt")) {
                    self.static_sql(q, guarded);
                }
            }
            "PLpgSQL_stmt_dynexecute"
            | "PLpgSQL_stmt_dynfors"
            | "PLpgSQL_stmt_return_query"
            | "PLpgSQL_stmt_open" => {
                // The string run dynamically; every other field (`USING` arguments, a loop
                // body, a static query) is read as usual.
                let dynamic_key = match key {
                    "PLpgSQL_stmt_dynexecute" | "PLpgSQL_stmt_dynfors" => "query",
                    _ => "dynquery",
                };
                if let Some(q) = v.get(dynamic_key) {
                    self.dynamic(Some(q), guarded);
                }
                if let Value::Object(map) = v {
                    for (k, inner) in map {
                        if k != dynamic_key {
                            self.walk_key(k, inner, guarded);
                        }
                    }
                }
            }
            "PLpgSQL_stmt_if" => {
                let mut guard = guarded;
                if let Some(cond) = v.get("cond") {
                    guard |= self.condition(cond);
                }
                for branch in ["elsif_list"] {
                    if let Some(Value::Array(list)) = v.get(branch) {
                        for e in list {
                            let e = e.get("PLpgSQL_if_elsif").unwrap_or(e);
                            let mut g = guarded;
                            if let Some(cond) = e.get("cond") {
                                g |= self.condition(cond);
                            }
                            if let Some(stmts) = e.get("stmts") {
                                self.walk(stmts, g);
                            }
                        }
                    }
                }
                if let Some(then) = v.get("then_body") {
                    self.walk(then, guard);
                }
                if let Some(otherwise) = v.get("else_body") {
                    self.walk(otherwise, guard);
                }
            }
            "PLpgSQL_stmt_block" => {
                let swallowed = v
                    .get("exceptions")
                    .map(|e| {
                        let mut names = Vec::new();
                        collect_strings(e, "condname", &mut names);
                        names.iter().any(|n| SWALLOWED.contains(&n.as_str()))
                    })
                    .unwrap_or(false);
                if let Some(b) = v.get("body") {
                    self.walk(b, guarded || swallowed);
                }
                if let Some(e) = v.get("exceptions") {
                    self.walk(e, guarded);
                }
            }
            "PLpgSQL_expr" => {
                if let Some(q) = v.get("query").and_then(Value::as_str) {
                    let mode = v.get("parseMode").and_then(Value::as_i64).unwrap_or(0);
                    // A whole statement (`RETURN QUERY`, `FOR r IN query`, `OPEN c FOR`,
                    // `PERFORM`, `CALL`) can change data like any other.
                    if mode == 0 {
                        self.static_sql(q, guarded);
                    } else {
                        self.expression(q, mode);
                    }
                }
            }
            // Declarations' types and names run no code.
            "PLpgSQL_type" | "refname" => {}
            _ => self.walk(v, guarded),
        }
    }

    /// The file span of text copied from the code at the current line.
    fn span_of(&self, needle: &str) -> Span {
        let (start, end) = find_in(self.code, &self.lines, self.lineno, needle);
        self.origin.span(start, end)
    }

    fn static_sql(&mut self, query: &str, guarded: bool) {
        let (start, _) = find_in(self.code, &self.lines, self.lineno, query);
        let origin = if self.origin.statement.is_some() {
            Origin {
                start: self.origin.start,
                escapes: Vec::new(),
                statement: self.origin.statement,
            }
        } else {
            Origin {
                start: self.origin.file(start),
                escapes: self
                    .origin
                    .escapes
                    .iter()
                    .filter(|&&e| e > start)
                    .map(|e| e - start)
                    .collect(),
                statement: None,
            }
        };
        // The parser copied the statement from the code; if it cannot be found there, map
        // everything to the line it is on.
        let located = self.code[start..].starts_with(query.trim());
        let origin = if located {
            origin
        } else {
            // `PERFORM expr` comes out as `SELECT expr`: point at the expression.
            let span = self.span_of(query.trim().strip_prefix("SELECT ").unwrap_or(query));
            Origin {
                start: span.start,
                escapes: Vec::new(),
                statement: Some(span),
            }
        };
        read_sql(self.body, query.trim(), &origin, guarded);
    }

    fn dynamic(&mut self, query: Option<&Value>, guarded: bool) {
        let Some(q) = expr_query(query) else {
            return;
        };
        let span = self.span_of(q);
        match constant_string(q) {
            Some(sql) => {
                let origin = Origin {
                    start: span.start,
                    escapes: Vec::new(),
                    statement: Some(span),
                };
                read_sql(self.body, &sql, &origin, guarded);
            }
            None => {
                // The expression's own calls still run.
                self.expression(q, 2);
                self.body.opaque.push(Opaque {
                    span,
                    reason: OpaqueReason::DynamicSql(q.to_string()),
                    via: None,
                });
            }
        }
    }

    /// An `IF` condition: its calls, and whether it is an existence check on the catalog.
    fn condition(&mut self, cond: &Value) -> bool {
        let Some(q) = expr_query(Some(cond)) else {
            return false;
        };
        // The expression's parse (`SELECT {q}`) is read again here, not parsed twice.
        let Some(parsed) = self.expression(q, 2) else {
            return false;
        };
        let Some(node) = parsed
            .stmts
            .first()
            .and_then(|s| s.stmt.as_ref())
            .and_then(|n| n.node.as_ref())
        else {
            return false;
        };
        is_catalog_check(node)
    }

    /// A PL/pgSQL expression (assignment, condition, PERFORM, RETURN, ...): the calls it makes.
    /// Returns its parse, for a caller that reads more of it.
    fn expression(&mut self, q: &str, mode: i64) -> Option<pb::ParseResult> {
        // Parse modes (libpg_query's RawParseMode): 0 a whole statement, 2 an expression,
        // 3-5 an assignment `target := expr`.
        let sql = match mode {
            0 => q.to_string(),
            3..=5 => {
                let rest = q
                    .split_once(":=")
                    .or_else(|| q.split_once('='))
                    .map_or(q, |(_, r)| r);
                format!("SELECT {rest}")
            }
            _ => format!("SELECT {q}"),
        };
        let span = self.span_of(q.trim_start_matches("SELECT "));
        match parse_embedded(&sql) {
            Ok(parsed) => {
                for stmt in &parsed.stmts {
                    if let Some(node) = stmt.stmt.as_ref().and_then(|n| n.node.as_ref()) {
                        for name in calls_in(node) {
                            self.body.calls.push(Call {
                                name,
                                span,
                                args: None,
                            });
                        }
                    }
                }
                Some(parsed)
            }
            Err(e) => {
                self.body.opaque.push(Opaque {
                    span,
                    reason: OpaqueReason::UnparseableBody(e),
                    via: None,
                });
                None
            }
        }
    }
}

fn expr_query(v: Option<&Value>) -> Option<&str> {
    v?.get("PLpgSQL_expr")?.get("query")?.as_str()
}

fn collect_strings(v: &Value, key: &str, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, key, out)),
        Value::Object(map) => {
            for (k, inner) in map {
                match inner {
                    Value::String(s) if k == key => out.push(s.to_ascii_lowercase()),
                    _ => collect_strings(inner, key, out),
                }
            }
        }
        _ => {}
    }
}

/// Whether a condition only asks the catalog whether something exists: it reads only
/// `pg_*` catalogs or `information_schema`, or calls `to_regclass` and friends.
fn is_catalog_check(node: &NodeEnum) -> bool {
    // One walk for both (`calls_in` of a SELECT is the plain walk), none through JSON.
    let (calls, relations) = match node {
        NodeEnum::SelectStmt(_) => super::calls::find_with_relations(node),
        _ => (calls_in(node), super::calls::find_with_relations(node).1),
    };
    let regfuncs = calls
        .iter()
        .any(|c| REGFUNCS.contains(&c.trim_start_matches("pg_catalog.")));
    let catalog = |(schema, rel): &(String, String)| {
        schema == "pg_catalog" || schema == "information_schema" || rel.starts_with("pg_")
    };
    (!relations.is_empty() || regfuncs) && relations.iter().all(catalog)
}

const REGFUNCS: &[&str] = &[
    "to_regclass",
    "to_regtype",
    "to_regproc",
    "to_regprocedure",
    "to_regnamespace",
    "to_regrole",
    "to_regtypemod",
];

/// The functions a statement calls while it runs (lower-case, `public.` dropped). Statements
/// that only store code for later (views, defaults of a new table, triggers, policies, rules)
/// call nothing now; `ALTER TABLE ... SET DEFAULT` neither.
pub fn calls_in(node: &NodeEnum) -> Vec<String> {
    use NodeEnum as N;
    match node {
        N::ViewStmt(_)
        | N::CreateStmt(_)
        | N::CreateFunctionStmt(_)
        | N::CreateTrigStmt(_)
        | N::CreatePolicyStmt(_)
        | N::AlterPolicyStmt(_)
        | N::RuleStmt(_)
        | N::CreateDomainStmt(_)
        | N::AlterDomainStmt(_)
        | N::CommentStmt(_)
        | N::CreateEventTrigStmt(_)
        | N::DefineStmt(_)
        | N::CreateCastStmt(_)
        | N::CreateOpClassStmt(_)
        | N::AlterFunctionStmt(_)
        | N::DropStmt(_)
        | N::DoStmt(_) => Vec::new(),
        N::AlterTableStmt(s) => {
            let cmds: Vec<&pb::Node> = s.cmds.iter().filter(|c| !is_set_default(c)).collect();
            super::calls::find(&cmds)
        }
        other => super::calls::find(other),
    }
}

/// `ALTER TABLE ... ALTER COLUMN ... SET DEFAULT`: stores code, runs none.
fn is_set_default(cmd: &pb::Node) -> bool {
    matches!(cmd.node.as_ref(), Some(NodeEnum::AlterTableCmd(c))
        if c.subtype == AlterTableType::AtColumnDefault as i32)
}

/// Embedded SQL (a body, a statement or an expression of procedural code) parsed once by
/// libpg_query, without the `pg_query` crate's walk that collects names rollsafe does not use.
/// The error is worded as `pg_query::parse` words it (an opaque body shows it).
fn parse_embedded(sql: &str) -> Result<pb::ParseResult, String> {
    if sql.contains('\0') {
        // The crate's own wording of a NUL byte.
        return pg_query::parse(sql, pg_query::ParserOptions::DEFAULT)
            .map(|r| r.protobuf)
            .map_err(|e| e.to_string());
    }
    crate::parse::postgres::libpg_query::parse(sql).map_err(|e| {
        if e.message.starts_with("Error decoding result: ") {
            e.message
        } else {
            format!("Invalid statement: {}", e.message)
        }
    })
}

/// The SQL text a constant `EXECUTE` expression evaluates to: string literals, `||`,
/// `format()` with constant arguments, `concat()`, `quote_ident()` and `quote_literal()`.
fn constant_string(expr: &str) -> Option<String> {
    constant_string_with(expr, &[])
}

/// [`constant_string`] with parameters bound: `name` or `$n` reads as its argument's text.
fn constant_string_with(expr: &str, env: &[(&str, &str)]) -> Option<String> {
    let parsed = parse_embedded(&format!("SELECT {expr}")).ok()?;
    let stmt = parsed.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let NodeEnum::SelectStmt(select) = stmt else {
        return None;
    };
    if select.target_list.len() != 1 || !select.from_clause.is_empty() {
        return None;
    }
    match select.target_list.first()?.node.as_ref()? {
        NodeEnum::ResTarget(t) => eval(t.val.as_deref()?, env),
        _ => None,
    }
}

fn eval(node: &pb::Node, env: &[(&str, &str)]) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::ColumnRef(c) if c.fields.len() == 1 && !env.is_empty() => {
            let name = string_value(&c.fields[0])?.to_ascii_lowercase();
            env.iter()
                .find(|(p, _)| *p == name)
                .map(|(_, v)| v.to_string())
        }
        NodeEnum::ParamRef(p) if p.number > 0 => {
            env.get(p.number as usize - 1).map(|(_, v)| v.to_string())
        }
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            pb::a_const::Val::Sval(s) => Some(s.sval.clone()),
            pb::a_const::Val::Ival(i) => Some(i.ival.to_string()),
            pb::a_const::Val::Fval(f) => Some(f.fval.clone()),
            _ => None,
        },
        NodeEnum::TypeCast(c) => eval(c.arg.as_deref()?, env),
        NodeEnum::AExpr(e) => {
            let op = e.name.first().and_then(string_value)?;
            if op != "||" {
                return None;
            }
            Some(eval(e.lexpr.as_deref()?, env)? + &eval(e.rexpr.as_deref()?, env)?)
        }
        NodeEnum::FuncCall(f) => {
            let name = call_name(&f.funcname);
            let name = name.trim_start_matches("pg_catalog.");
            let args: Vec<String> = f.args.iter().map(|a| eval(a, env)).collect::<Option<_>>()?;
            match name {
                "format" => format_sql(args.first()?, &args[1..]),
                "concat" => Some(args.concat()),
                "quote_ident" => Some(quote_ident(args.first()?)),
                "quote_literal" => Some(quote_literal(args.first()?)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn quote_ident(s: &str) -> String {
    let plain = s
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_lowercase() || b == b'_' || (i > 0 && b.is_ascii_digit()));
    if plain && !s.is_empty() {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// PostgreSQL's `format()`: `%s`, `%I`, `%L`, `%%` and positional `%n$s`.
fn format_sql(template: &str, args: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut position = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            position.push(d);
            chars.next();
        }
        if !position.is_empty() {
            if chars.next() != Some('$') {
                return None;
            }
            next = position.parse::<usize>().ok()?.checked_sub(1)?;
        }
        let spec = chars.next()?;
        if spec == '%' {
            out.push('%');
            continue;
        }
        let arg = args.get(next)?;
        next += 1;
        match spec {
            's' => out.push_str(arg),
            'I' => out.push_str(&quote_ident(arg)),
            'L' => out.push_str(&quote_literal(arg)),
            _ => return None,
        }
    }
    Some(out)
}

/// PostgreSQL's own functions that change no schema and no data rollsafe tracks. A call of
/// anything else that the migrations do not define is opaque (E004).
///
/// Every function of `pg_catalog` (read from the server, see `builtin_functions.rs`) is known
/// except the few that change state the application depends on or run SQL given as text
/// ([`STATE_CHANGING_BUILTINS`]); so are the functions of the contrib modules that do neither
/// (`contrib_functions.rs`: ltree, pg_trgm, pgcrypto, uuid-ossp, hstore, ...).
pub fn is_known_function(name: &str) -> bool {
    let base = name.strip_prefix("pg_catalog.").unwrap_or(name);
    if STATE_CHANGING_BUILTINS.binary_search(&base).is_ok() {
        return false;
    }
    super::builtin_functions::PG_CATALOG_FUNCTIONS
        .binary_search(&base)
        .is_ok()
        || super::contrib_functions::CONTRIB_FUNCTIONS
            .binary_search(&base)
            .is_ok()
        || KNOWN_FUNCTIONS.binary_search(&base).is_ok()
}

/// Built-in functions that are never assumed harmless: they reset a sequence, end other
/// sessions (the running application's), destroy large objects or files, move replication or
/// the server's state, or run a query passed as text. Sorted (a unit test keeps it so); a fact
/// test checks each exists in PostgreSQL's catalog and is volatile.
pub const STATE_CHANGING_BUILTINS: &[&str] = &[
    "binary_upgrade_create_empty_extension",
    "binary_upgrade_set_missing_value",
    "binary_upgrade_set_record_init_privs",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "lo_export",
    "lo_put",
    "lo_truncate",
    "lo_truncate64",
    "lo_unlink",
    "lowrite",
    "pg_backup_start",
    "pg_backup_stop",
    "pg_cancel_backend",
    "pg_copy_logical_replication_slot",
    "pg_copy_physical_replication_slot",
    "pg_create_logical_replication_slot",
    "pg_create_physical_replication_slot",
    "pg_create_restore_point",
    "pg_drop_replication_slot",
    "pg_logical_slot_get_binary_changes",
    "pg_logical_slot_get_changes",
    "pg_promote",
    "pg_reload_conf",
    "pg_replication_origin_advance",
    "pg_replication_origin_create",
    "pg_replication_origin_drop",
    "pg_replication_slot_advance",
    "pg_rotate_logfile",
    "pg_stop_making_pinned_objects",
    "pg_switch_wal",
    "pg_terminate_backend",
    "pg_wal_replay_pause",
    "pg_wal_replay_resume",
    "query_to_xml",
    "query_to_xml_and_xmlschema",
    "query_to_xmlschema",
    "setval",
    "ts_rewrite",
    "ts_stat",
];

/// Sorted, for `binary_search` (a unit test keeps it sorted). Functions PostgreSQL added after
/// the release `builtin_functions.rs` was read from, and SQL constructs the parser reads as
/// calls (`coalesce`, `greatest`, ...).
const KNOWN_FUNCTIONS: &[&str] = &[
    "any_value",
    "array_reverse",
    "array_sample",
    "array_shuffle",
    "array_sort",
    "casefold",
    "coalesce",
    "crc32",
    "crc32c",
    "date_add",
    "date_subtract",
    "erf",
    "erfc",
    "exists",
    "gamma",
    "greatest",
    "least",
    "lgamma",
    "nullif",
    "pg_input_error_info",
    "pg_input_is_valid",
    "random_normal",
    "to_bin",
    "to_oct",
    "trim",
    "uuid_extract_timestamp",
    "uuid_extract_version",
    "uuidv4",
    "uuidv7",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_functions_are_sorted() {
        let mut deny = STATE_CHANGING_BUILTINS.to_vec();
        deny.sort_unstable();
        assert_eq!(deny, STATE_CHANGING_BUILTINS);
        assert!(!is_known_function("setval") && !is_known_function("pg_terminate_backend"));
        assert!(is_known_function("num_nonnulls") && is_known_function("pg_catalog.jsonb_set"));
        assert!(is_known_function("text2ltree") && is_known_function("uuid_generate_v4"));
        assert!(!is_known_function("dblink_exec") && !is_known_function("crosstab"));
        let mut sorted = KNOWN_FUNCTIONS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, KNOWN_FUNCTIONS);
        assert!(is_known_function("pg_catalog.now"));
        assert!(!is_known_function("dblink_exec"));
    }

    #[test]
    fn constant_strings() {
        assert_eq!(
            constant_string("'DROP TABLE ' || 'x'").as_deref(),
            Some("DROP TABLE x")
        );
        assert_eq!(
            constant_string("format('DROP TABLE %I.%s %L %%', 'Public', 'y', 'it''s')").as_deref(),
            Some("DROP TABLE \"Public\".y 'it''s' %")
        );
        assert_eq!(constant_string("'DROP TABLE ' || tbl"), None);
        assert_eq!(constant_string("format('%s', tbl)"), None);
        assert_eq!(
            constant_string("format('%2$s %1$s', 'a', 'b')").as_deref(),
            Some("b a")
        );
    }

    #[test]
    fn locates_dollar_and_single_quoted_code() {
        let text = "DO $x$ BEGIN NULL; END $x$";
        let o = locate(text, Span::new(10, 10 + text.len()), " BEGIN NULL; END ");
        assert_eq!(o.statement, None);
        assert_eq!(o.start, 10 + 6);
        let text = "DO 'BEGIN RAISE NOTICE ''hi''; DROP TABLE t; END'";
        let code = "BEGIN RAISE NOTICE 'hi'; DROP TABLE t; END";
        let o = locate(text, Span::new(0, text.len()), code);
        let drop = code.find("DROP").unwrap_or(0);
        assert_eq!(&text[o.file(drop)..o.file(drop) + 4], "DROP");
    }
}
