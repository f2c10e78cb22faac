//! The one place rollsafe calls libpg_query's C API itself (all of rollsafe's `unsafe` for
//! PostgreSQL parsing is here). `pg_query::parse` does two things rollsafe does not need: after
//! decoding the tree it walks every node to collect table, function, alias and CTE names into
//! hash sets (its `ParseResult::new`), and on an error it drops the parser's cursor position, so
//! a second parse was needed to place the error. Calling `pg_query_parse_protobuf_opts` directly
//! decodes the same protobuf into the same `pg_query::protobuf` types (the tree is identical:
//! same C call, same decoder) and keeps the error position from the one call.

use std::ffi::{CStr, CString, c_char, c_int};

use pg_query::protobuf;
use prost::Message;

/// Why a text did not parse: PostgreSQL's message, and the byte offset in the text where the
/// parser stopped (0 when it names no position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

// The C declarations below mirror libpg_query's `pg_query.h` (the version vendored by the
// pg_query crate this build links); field order and types are copied from it.
#[repr(C)]
struct PgQueryError {
    message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    cursorpos: c_int,
    context: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobuf {
    len: usize,
    data: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobufParseResult {
    parse_tree: PgQueryProtobuf,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

#[repr(C)]
struct PgQueryParseResult {
    parse_tree: *mut c_char,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

#[repr(C)]
struct PgQueryPlpgsqlParseResult {
    plpgsql_funcs: *mut c_char,
    error: *mut PgQueryError,
}

unsafe extern "C" {
    fn pg_query_parse_plpgsql(input: *const c_char) -> PgQueryPlpgsqlParseResult;
    fn pg_query_free_plpgsql_parse_result(result: PgQueryPlpgsqlParseResult);
    fn pg_query_parse_protobuf_opts(
        input: *const c_char,
        options: c_int,
    ) -> PgQueryProtobufParseResult;
    fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
    fn pg_query_parse(input: *const c_char) -> PgQueryParseResult;
    fn pg_query_free_parse_result(result: PgQueryParseResult);
}

/// Which way statements are parsed. `ROLLSAFE_PARSER=pg-query-crate` selects the previous
/// path (the `pg_query` crate's `parse`, and a second parse to place an error) so a
/// differential test can show both give byte-identical results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    Direct,
    PgQueryCrate,
}

pub fn path() -> Path {
    static PATH: std::sync::OnceLock<Path> = std::sync::OnceLock::new();
    *PATH.get_or_init(|| match std::env::var("ROLLSAFE_PARSER").as_deref() {
        Ok("pg-query-crate") => Path::PgQueryCrate,
        _ => Path::Direct,
    })
}

/// Parse `sql` the way [`path`] says.
pub fn parse_statements(sql: &str) -> Result<protobuf::ParseResult, ParseError> {
    match path() {
        Path::Direct => parse(sql),
        Path::PgQueryCrate => parse_with_crate(sql),
    }
}

/// The previous path: `pg_query::parse`, then on an error a second parse through the JSON
/// entry point, whose error still has the cursor position the crate drops.
fn parse_with_crate(sql: &str) -> Result<protobuf::ParseResult, ParseError> {
    match pg_query::parse(sql, pg_query::ParserOptions::DEFAULT) {
        Ok(result) => Ok(result.protobuf),
        Err(err) => Err(error_with_json_parse(sql).unwrap_or_else(|| ParseError {
            message: err.to_string(),
            offset: 0,
        })),
    }
}

fn error_with_json_parse(sql: &str) -> Option<ParseError> {
    let input = CString::new(sql).ok()?;
    // SAFETY: as in `parse`: a NUL-terminated input that outlives the call; the error (when
    // non-null) is read before the result is freed, and the result is freed exactly once.
    unsafe {
        let result = pg_query_parse(input.as_ptr());
        let out = result.error.as_ref().map(|error| ParseError {
            message: CStr::from_ptr(error.message).to_string_lossy().into_owned(),
            offset: char_offset_to_byte(sql, error.cursorpos),
        });
        pg_query_free_parse_result(result);
        out
    }
}

/// `PG_QUERY_PARSE_DEFAULT`: whole statements, the standard grammar (what
/// `pg_query::ParserOptions::DEFAULT` passes).
const PARSE_DEFAULT: c_int = 0;

/// Parse `sql` (one or more statements) into libpg_query's protobuf tree.
pub fn parse(sql: &str) -> Result<protobuf::ParseResult, ParseError> {
    let input = CString::new(sql).map_err(|e| ParseError {
        // The message `pg_query::parse` gives for the same input.
        message: format!("Invalid statement format: {e}"),
        offset: 0,
    })?;
    // SAFETY: `input` is a NUL-terminated string that outlives the call. libpg_query returns
    // either an error (non-null `error`, whose `message` is a NUL-terminated string) or a
    // buffer of `len` bytes at `data`; both stay valid until the result is freed, which
    // happens exactly once, below, after everything needed has been copied out.
    unsafe {
        let result = pg_query_parse_protobuf_opts(input.as_ptr(), PARSE_DEFAULT);
        let out = if let Some(error) = result.error.as_ref() {
            let message = CStr::from_ptr(error.message).to_string_lossy().into_owned();
            Err(ParseError {
                message,
                offset: char_offset_to_byte(sql, error.cursorpos),
            })
        } else {
            let data = if result.parse_tree.data.is_null() || result.parse_tree.len == 0 {
                &[][..]
            } else {
                std::slice::from_raw_parts(
                    result.parse_tree.data as *const u8,
                    result.parse_tree.len,
                )
            };
            protobuf::ParseResult::decode(data).map_err(|e| ParseError {
                message: format!("Error decoding result: {e}"),
                offset: 0,
            })
        };
        pg_query_free_protobuf_parse_result(result);
        out
    }
}

/// The parser's cursor position counts characters from 1 (0: no position); spans are bytes.
fn char_offset_to_byte(sql: &str, cursorpos: c_int) -> usize {
    let chars = (cursorpos.max(1) - 1) as usize;
    sql.char_indices().nth(chars).map_or(sql.len(), |(i, _)| i)
}

/// libpg_query's PL/pgSQL parser on a `DO` or `CREATE FUNCTION` statement: its JSON text as
/// libpg_query writes it (the caller repairs a known defect before reading it), or the error.
pub fn parse_plpgsql_json(statement: &str) -> Result<String, String> {
    let input = CString::new(statement).map_err(|e| e.to_string())?;
    // SAFETY: libpg_query's documented API: the input is a NUL-terminated string that outlives
    // the call; the result's strings are copied out before the result is freed, exactly once.
    unsafe {
        let result = pg_query_parse_plpgsql(input.as_ptr());
        let out = if !result.error.is_null() {
            let message = (*result.error).message;
            Err(if message.is_null() {
                "PL/pgSQL parse error".to_string()
            } else {
                CStr::from_ptr(message).to_string_lossy().into_owned()
            })
        } else if result.plpgsql_funcs.is_null() {
            Err("no PL/pgSQL function".to_string())
        } else {
            Ok(CStr::from_ptr(result.plpgsql_funcs)
                .to_string_lossy()
                .into_owned())
        };
        pg_query_free_plpgsql_parse_result(result);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_tree_as_the_pg_query_crate() {
        let sql = "CREATE TABLE t (id bigint PRIMARY KEY, n text NOT NULL DEFAULT 'x');\n\
                   ALTER TABLE t ADD CONSTRAINT c CHECK (id > 0) NOT VALID;\n\
                   DO $$ BEGIN PERFORM 1; END $$;";
        let ours = parse(sql).expect("parses");
        let theirs = pg_query::parse(sql, pg_query::ParserOptions::DEFAULT)
            .expect("parses")
            .protobuf;
        assert_eq!(ours, theirs);
        assert_eq!(parse_with_crate(sql), Ok(theirs));
    }

    #[test]
    fn errors_carry_message_and_byte_offset() {
        let sql = "SELECT 'é' FROMM t";
        let err = parse(sql).expect_err("syntax error");
        assert_eq!(err.message, "syntax error at or near \"t\"");
        assert_eq!(&sql[err.offset..], "t");
        assert_eq!(parse_with_crate(sql), Err(err));
        let err = parse("SELECT 1\0").expect_err("NUL byte");
        assert!(
            err.message.starts_with("Invalid statement format: "),
            "{err:?}"
        );
    }
}
