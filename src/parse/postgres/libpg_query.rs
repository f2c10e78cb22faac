//! The one place rollsafe calls libpg_query's C API itself (all of rollsafe's `unsafe` for
//! PostgreSQL parsing is here).
//!
//! The default path ([`Path::RawTree`]) runs PostgreSQL's raw parser and reads the C node tree
//! it leaves in libpg_query's memory context straight into the `pg_query::protobuf` types the
//! analyzer uses. The conversion (`raw`) is generated at build time (`build.rs`) from libpg_query's
//! own description of its protobuf output, so it gives the tree libpg_query's protobuf encoder
//! would have given, without encoding it to bytes and decoding them again (the round trip was
//! about a third of a run). Two older paths stay for the differential test
//! (`tests/parser_paths.rs`): libpg_query's protobuf entry point decoded by prost
//! ([`Path::Protobuf`]), and the `pg_query` crate's `parse` ([`Path::PgQueryCrate`]), which
//! also walks every node to collect names rollsafe does not need and drops the error position.

use std::ffi::{CStr, CString, c_char, c_int, c_void};

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
    // From libpg_query's `pg_query_internal.h`.
    fn pg_query_raw_parse(input: *const c_char, options: c_int)
    -> PgQueryInternalParsetreeAndError;
    fn pg_query_enter_memory_context() -> *mut c_void;
    fn pg_query_exit_memory_context(context: *mut c_void);
    fn pg_query_free_error(error: *mut PgQueryError);
    // libc's: libpg_query `strdup`s the stderr buffer.
    fn free(pointer: *mut c_void);
}

#[repr(C)]
struct PgQueryInternalParsetreeAndError {
    tree: *mut sys::List,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

/// Which way statements are parsed. `ROLLSAFE_PARSER=protobuf` or `=pg-query-crate` selects
/// an older path so a differential test can show all give byte-identical results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    RawTree,
    Protobuf,
    PgQueryCrate,
}

pub fn path() -> Path {
    static PATH: std::sync::OnceLock<Path> = std::sync::OnceLock::new();
    *PATH.get_or_init(|| match std::env::var("ROLLSAFE_PARSER").as_deref() {
        Ok("pg-query-crate") => Path::PgQueryCrate,
        Ok("protobuf") => Path::Protobuf,
        _ => Path::RawTree,
    })
}

/// Parse `sql` the way [`path`] says.
pub fn parse_statements(sql: &str) -> Result<protobuf::ParseResult, ParseError> {
    match path() {
        Path::RawTree => parse(sql),
        Path::Protobuf => parse_protobuf(sql),
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

/// How deep a tree rollsafe reads (nodes within nodes). Deeper statements are refused with an
/// error rather than risking the analyzer's recursion; prost's decoder refused everything
/// beyond 100 message levels (about 50 nodes), which long `a || b || ...` chains reach.
pub const MAX_DEPTH: u32 = 1000;

/// Parse `sql` (one or more statements) into the protobuf tree, read from the C tree.
pub fn parse(sql: &str) -> Result<protobuf::ParseResult, ParseError> {
    let input = c_string(sql)?;
    // SAFETY: `input` is a NUL-terminated string that outlives the call. libpg_query's raw
    // parse allocates the tree in the memory context entered just before it (on this thread:
    // libpg_query's state is thread-local), and the tree stays valid until that context is
    // left, which happens exactly once, below, after the tree has been copied into Rust values.
    // The error and the stderr buffer are `malloc`ed outside the context; each is freed once,
    // after its message has been copied out.
    unsafe {
        let context = pg_query_enter_memory_context();
        let result = pg_query_raw_parse(input.as_ptr(), PARSE_DEFAULT);
        let out = if let Some(error) = result.error.as_ref() {
            Err(parse_error(sql, error))
        } else {
            let mut cx = raw::Cx::default();
            let stmts = raw::list_of(result.tree, &mut cx, |p, cx| {
                raw::out_RawStmt(&*(p as *const sys::RawStmt), cx)
            });
            if cx.too_deep() {
                Err(ParseError {
                    message: format!(
                        "the statement nests more than {MAX_DEPTH} levels deep, more than rollsafe reads"
                    ),
                    offset: 0,
                })
            } else {
                Ok(protobuf::ParseResult {
                    version: raw::PG_VERSION_NUM,
                    stmts,
                })
            }
        };
        if !result.error.is_null() {
            pg_query_free_error(result.error);
        }
        if !result.stderr_buffer.is_null() {
            free(result.stderr_buffer as *mut c_void);
        }
        pg_query_exit_memory_context(context);
        out
    }
}

fn c_string(sql: &str) -> Result<CString, ParseError> {
    CString::new(sql).map_err(|e| ParseError {
        // The message `pg_query::parse` gives for the same input.
        message: format!("Invalid statement format: {e}"),
        offset: 0,
    })
}

/// Parse `sql` (one or more statements) through libpg_query's protobuf encoding, decoded by
/// prost (the previous path, kept for the differential test).
pub fn parse_protobuf(sql: &str) -> Result<protobuf::ParseResult, ParseError> {
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
            Err(parse_error(sql, error))
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

/// libpg_query's error as a [`ParseError`].
///
/// # Safety
/// `error.message` is a NUL-terminated string (libpg_query always sets it).
unsafe fn parse_error(sql: &str, error: &PgQueryError) -> ParseError {
    // SAFETY: the caller's promise.
    let message = unsafe { CStr::from_ptr(error.message) };
    ParseError {
        message: message.to_string_lossy().into_owned(),
        offset: char_offset_to_byte(sql, error.cursorpos),
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

/// bindgen's layout of libpg_query's node structs (generated by `build.rs`).
#[allow(
    non_upper_case_globals,
    non_camel_case_types,
    non_snake_case,
    dead_code,
    unsafe_op_in_unsafe_fn,
    clippy::all
)]
mod sys {
    include!(concat!(env!("OUT_DIR"), "/pg_nodes.rs"));
}

/// The reader of the C tree: hand-written helpers and the nodes libpg_query writes by hand,
/// then the generated per-node functions.
#[allow(
    non_snake_case,
    dead_code,
    unused_variables,
    unused_unsafe,
    clippy::needless_update,
    clippy::unnecessary_cast,
    clippy::useless_conversion,
    clippy::missing_safety_doc
)]
mod raw {
    use std::ffi::{CStr, c_char};

    use pg_query::protobuf as pb;

    use super::{MAX_DEPTH, sys};

    /// The walk's state: how deep it is, and whether it went deeper than [`MAX_DEPTH`] (the
    /// rest of the tree is then left out and the parse is refused).
    #[derive(Default)]
    pub(super) struct Cx {
        depth: u32,
        too_deep: bool,
    }

    impl Cx {
        fn enter(&mut self) -> bool {
            if self.depth >= MAX_DEPTH {
                self.too_deep = true;
                return false;
            }
            self.depth += 1;
            true
        }

        fn leave(&mut self) {
            self.depth -= 1;
        }

        pub(super) fn too_deep(&self) -> bool {
            self.too_deep
        }
    }

    // SAFETY (every function below): the pointers passed in are members of the live tree
    // (see `super::parse`): NULL or pointing at a valid node of the type the member declares.

    /// A `char *` member: libpg_query writes NULL as the empty string. Parser output is
    /// UTF-8 (libpg_query's encoding, and the input is a Rust string).
    unsafe fn string(p: *const c_char) -> String {
        if p.is_null() {
            return String::new();
        }
        let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        }
    }

    /// A `char` member: a one-character string, and `\0` the empty string.
    fn char_string(c: c_char) -> String {
        if c == 0 {
            String::new()
        } else {
            char::from(c as u8).to_string()
        }
    }

    /// The elements of a pointer `List` (NIL is empty), each read by `read`.
    pub(super) unsafe fn list_of<T>(
        list: *const sys::List,
        cx: &mut Cx,
        mut read: impl FnMut(*const std::ffi::c_void, &mut Cx) -> T,
    ) -> Vec<T> {
        if list.is_null() {
            return Vec::new();
        }
        let list = unsafe { &*list };
        let length = usize::try_from(list.length).unwrap_or(0);
        let mut out = Vec::with_capacity(length);
        for i in 0..length {
            // SAFETY: a List's `elements` holds `length` cells; a pointer list's cells hold
            // `ptr_value`.
            let cell = unsafe { (*list.elements.add(i)).ptr_value };
            out.push(read(cell as *const _, cx));
        }
        out
    }

    /// A `List *` member of nodes: each element as a `Node` message (a NULL element, as in
    /// `RangeFunction.functions`, is an empty one). Each message is built in its place in the
    /// vector: a `pb::Node` is 608 bytes, and moving it was a tenth of reading the tree.
    unsafe fn list(list: *const sys::List, cx: &mut Cx) -> Vec<pb::Node> {
        if list.is_null() {
            return Vec::new();
        }
        let list = unsafe { &*list };
        let length = usize::try_from(list.length).unwrap_or(0);
        let mut out: Vec<pb::Node> = Vec::with_capacity(length);
        for i in 0..length {
            // SAFETY: as in `list_of`.
            let cell = unsafe { (*list.elements.add(i)).ptr_value };
            out.push(pb::Node { node: None });
            if !cell.is_null() {
                let last = out.len() - 1;
                unsafe { node_into(cell as *const sys::Node, cx, &mut out[last]) };
            }
        }
        out
    }

    /// A `Node *` member (prost boxes every `Node` field): absent when NULL, else built in its
    /// box.
    unsafe fn node_box(p: *const sys::Node, cx: &mut Cx) -> Option<Box<pb::Node>> {
        if p.is_null() {
            return None;
        }
        let mut out = Box::new(pb::Node { node: None });
        unsafe { node_into(p, cx, &mut out) };
        Some(out)
    }

    /// A member pointing at a node of a known type: absent when NULL.
    unsafe fn specific<C, R>(
        p: *const C,
        cx: &mut Cx,
        read: unsafe fn(&C, &mut Cx) -> R,
    ) -> Option<R>
    where
        R: Default,
    {
        if p.is_null() {
            return None;
        }
        if !cx.enter() {
            return Some(R::default());
        }
        let out = unsafe { read(&*p, cx) };
        cx.leave();
        Some(out)
    }

    /// A `Bitmapset *` member: its members in increasing order.
    unsafe fn bitmapset(p: *const sys::Bitmapset) -> Vec<u64> {
        if p.is_null() {
            return Vec::new();
        }
        let set = unsafe { &*p };
        let words = unsafe { set.words.as_slice(usize::try_from(set.nwords).unwrap_or(0)) };
        let bits = u64::BITS as usize;
        let mut out = Vec::new();
        for (i, word) in words.iter().enumerate() {
            for bit in 0..bits {
                if (*word as u64) & (1u64 << bit) != 0 {
                    out.push((i * bits + bit) as u64);
                }
            }
        }
        out
    }

    unsafe fn out_Integer(node: &sys::Integer, _cx: &mut Cx) -> pb::Integer {
        pb::Integer { ival: node.ival }
    }

    unsafe fn out_Float(node: &sys::Float, _cx: &mut Cx) -> pb::Float {
        pb::Float {
            fval: unsafe { string(node.fval) },
        }
    }

    unsafe fn out_Boolean(node: &sys::Boolean, _cx: &mut Cx) -> pb::Boolean {
        pb::Boolean {
            boolval: node.boolval,
        }
    }

    unsafe fn out_String(node: &sys::String, _cx: &mut Cx) -> pb::String {
        pb::String {
            sval: unsafe { string(node.sval) },
        }
    }

    unsafe fn out_BitString(node: &sys::BitString, _cx: &mut Cx) -> pb::BitString {
        pb::BitString {
            bsval: unsafe { string(node.bsval) },
        }
    }

    unsafe fn out_List(node: &sys::List, cx: &mut Cx) -> pb::List {
        pb::List {
            items: unsafe { list(node, cx) },
        }
    }

    /// libpg_query writes an integer or OID list's cells as if they held node pointers (they
    /// hold numbers); raw parse trees have none, so rollsafe writes them as empty.
    unsafe fn out_IntList(_node: &sys::List, _cx: &mut Cx) -> pb::IntList {
        pb::IntList { items: Vec::new() }
    }

    unsafe fn out_OidList(_node: &sys::List, _cx: &mut Cx) -> pb::OidList {
        pb::OidList { items: Vec::new() }
    }

    unsafe fn out_AConst(node: &sys::A_Const, _cx: &mut Cx) -> pb::AConst {
        use pb::a_const::Val;
        let val = if node.isnull {
            None
        } else {
            // SAFETY: a non-NULL A_Const's `val` holds the value node its tag names.
            unsafe {
                match node.val.node.type_ {
                    sys::NodeTag::T_Integer => Some(Val::Ival(pb::Integer {
                        ival: node.val.ival.ival,
                    })),
                    sys::NodeTag::T_Float => Some(Val::Fval(pb::Float {
                        fval: string(node.val.fval.fval),
                    })),
                    sys::NodeTag::T_Boolean => Some(Val::Boolval(pb::Boolean {
                        boolval: node.val.boolval.boolval,
                    })),
                    sys::NodeTag::T_String => Some(Val::Sval(pb::String {
                        sval: string(node.val.sval.sval),
                    })),
                    sys::NodeTag::T_BitString => Some(Val::Bsval(pb::BitString {
                        bsval: string(node.val.bsval.bsval),
                    })),
                    _ => None,
                }
            }
        };
        pb::AConst {
            isnull: node.isnull,
            location: node.location,
            val,
        }
    }

    include!(concat!(env!("OUT_DIR"), "/raw_tree.rs"));
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
        assert_eq!(parse_protobuf(sql), Ok(theirs.clone()));
        assert_eq!(parse_with_crate(sql), Ok(theirs));
    }

    #[test]
    fn errors_carry_message_and_byte_offset() {
        let sql = "SELECT 'é' FROMM t";
        let err = parse(sql).expect_err("syntax error");
        assert_eq!(err.message, "syntax error at or near \"t\"");
        assert_eq!(&sql[err.offset..], "t");
        assert_eq!(parse_protobuf(sql), Err(err.clone()));
        assert_eq!(parse_with_crate(sql), Err(err));
        let err = parse("SELECT 1\0").expect_err("NUL byte");
        assert!(
            err.message.starts_with("Invalid statement format: "),
            "{err:?}"
        );
    }
}
