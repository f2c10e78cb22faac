//! Generator of `raw_tree.rs`: one Rust function per libpg_query node that reads the C struct
//! into the `pg_query::protobuf` message libpg_query would have encoded for it.
//!
//! The input is libpg_query's own machine-generated description of its protobuf output, read
//! as data: `pg_query_outfuncs_defs.c` is a list of `WRITE_<KIND>_FIELD(message, ...)` lines per
//! node (which C field, which protobuf field, what kind of value), `pg_query_outfuncs_conds.c`
//! maps node tags to messages, and `pg_query_enum_defs.c` numbers each C enum's values in the
//! protobuf enum. Anything this generator does not recognise stops the build, so a new
//! libpg_query version cannot silently produce a different tree (and `tests/parser_paths.rs`
//! compares the trees with the protobuf path).

use std::collections::BTreeMap;
use std::fmt::Write;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// What one protobuf field is filled from.
#[derive(Debug)]
enum Value {
    /// A number or bool copied as is (`WRITE_INT/UINT/UINT64/LONG/FLOAT/BOOL_FIELD`).
    Scalar,
    /// A `char` as a one-character string ("" for `\0`).
    Char,
    /// A `char *` ("" for NULL).
    Str,
    /// A C enum, renumbered by `_enumToInt<Enum>`.
    Enum(String),
    /// A `List *` of nodes.
    List,
    /// A `Bitmapset *` as its members.
    Bitmapset,
    /// A `Node *` of any type.
    NodePtr,
    /// A pointer to a node of a known type (the name of its `_out` function).
    SpecificPtr(String),
    /// A node struct embedded in this one.
    SpecificEmbedded(String),
}

#[derive(Debug)]
struct Field {
    /// The protobuf field (snake case, as prost names it).
    proto: String,
    /// The C struct member.
    c_field: String,
    value: Value,
}

#[derive(Debug)]
struct Message {
    /// The protobuf message name (prost's Rust struct is its upper camel case).
    proto: String,
    /// The C struct.
    c_type: String,
    fields: Vec<Field>,
}

/// One `case T_<tag>:` of the node dispatch.
#[derive(Debug)]
struct NodeCase {
    tag: String,
    /// The `_out` function's name.
    function: String,
    /// The C struct the node is cast to.
    c_type: String,
    /// The `Node` oneof field (prost's variant is its upper camel case).
    variant: String,
}

pub struct Spec {
    /// By `_out` function name.
    messages: BTreeMap<String, Message>,
    cases: Vec<NodeCase>,
    /// C enum name -> (C enumerator, protobuf number).
    enums: BTreeMap<String, Vec<(String, i32)>>,
}

/// Nodes libpg_query writes by hand (`pg_query_outfuncs_protobuf.c`), not from the defs:
/// `_out` name -> C struct. rollsafe's own versions are in `libpg_query.rs`.
const HANDWRITTEN: &[(&str, &str)] = &[
    ("Integer", "Integer"),
    ("Float", "Float"),
    ("Boolean", "Boolean"),
    ("String", "String"),
    ("BitString", "BitString"),
    ("List", "List"),
    ("IntList", "List"),
    ("OidList", "List"),
    ("AConst", "A_Const"),
];

fn args(line: &str, macro_name: &str) -> Option<Vec<String>> {
    let rest = line.trim().strip_prefix(macro_name)?.strip_prefix('(')?;
    let inner = rest.strip_suffix(");")?;
    Some(inner.split(',').map(|a| a.trim().to_string()).collect())
}

impl Spec {
    pub fn read(defs: &str, conds: &str, enum_defs: &str) -> Result<Spec, String> {
        let mut messages = BTreeMap::new();
        let mut current: Option<(String, Message)> = None;
        for line in defs.lines() {
            let trimmed = line.trim();
            if let Some(rest) = line.strip_prefix("_out") {
                // `_outX(OUT_TYPE(Proto, X) out, const CType *node)`
                let function = rest.split('(').next().unwrap_or_default().to_string();
                let proto = rest
                    .split("OUT_TYPE(")
                    .nth(1)
                    .and_then(|r| r.split(',').next())
                    .ok_or_else(|| format!("unexpected definition line: {line}"))?
                    .trim()
                    .to_string();
                let c_type = rest
                    .split("const ")
                    .nth(1)
                    .and_then(|r| r.split(" *node").next())
                    .ok_or_else(|| format!("unexpected definition line: {line}"))?
                    .trim()
                    .to_string();
                current = Some((
                    function,
                    Message {
                        proto,
                        c_type,
                        fields: Vec::new(),
                    },
                ));
            } else if trimmed == "}" {
                if let Some((function, message)) = current.take() {
                    messages.insert(function, message);
                }
            } else if trimmed.starts_with("WRITE_") {
                let (_, message) = current
                    .as_mut()
                    .ok_or_else(|| format!("field outside a definition: {line}"))?;
                let kind = trimmed.split('(').next().unwrap_or_default();
                let a = args(trimmed, kind).ok_or_else(|| format!("unexpected line: {line}"))?;
                // Every kind's arguments end with (protobuf field, its JSON name, C member);
                // enum and specific-node kinds name a type first.
                let value = match (kind, a.len()) {
                    (
                        "WRITE_INT_FIELD" | "WRITE_UINT_FIELD" | "WRITE_UINT64_FIELD"
                        | "WRITE_LONG_FIELD" | "WRITE_FLOAT_FIELD" | "WRITE_BOOL_FIELD",
                        4,
                    ) => Value::Scalar,
                    ("WRITE_CHAR_FIELD", 4) => Value::Char,
                    ("WRITE_STRING_FIELD", 4) => Value::Str,
                    ("WRITE_LIST_FIELD", 4) => Value::List,
                    ("WRITE_BITMAPSET_FIELD", 4) => Value::Bitmapset,
                    ("WRITE_NODE_PTR_FIELD", 4) => Value::NodePtr,
                    ("WRITE_ENUM_FIELD", 5) => Value::Enum(a[1].clone()),
                    ("WRITE_SPECIFIC_NODE_PTR_FIELD", 6) => Value::SpecificPtr(a[1].clone()),
                    ("WRITE_SPECIFIC_NODE_FIELD", 6) => Value::SpecificEmbedded(a[1].clone()),
                    _ => return Err(format!("unknown field kind: {line}")),
                };
                let field = Field {
                    proto: a[a.len() - 3].clone(),
                    c_field: a[a.len() - 1].clone(),
                    value,
                };
                message.fields.push(field);
            }
        }
        if messages.len() < 200 {
            return Err(format!("only {} node definitions read", messages.len()));
        }

        let mut cases = Vec::new();
        let mut tag: Option<String> = None;
        for line in conds.lines() {
            let trimmed = line.trim();
            if let Some(t) = trimmed
                .strip_prefix("case ")
                .and_then(|t| t.strip_suffix(':'))
            {
                tag = Some(t.to_string());
            } else if let Some(a) = args(trimmed, "OUT_NODE") {
                let tag = tag
                    .take()
                    .ok_or_else(|| format!("OUT_NODE without a case: {line}"))?;
                if a.len() != 6 {
                    return Err(format!("unexpected OUT_NODE: {line}"));
                }
                cases.push(NodeCase {
                    tag,
                    function: a[1].clone(),
                    c_type: a[4].clone(),
                    variant: a[5].trim_end_matches('_').to_string(),
                });
            } else if !trimmed.is_empty() && trimmed != "break;" && !trimmed.starts_with("//") {
                return Err(format!("unexpected line in the node cases: {line}"));
            }
        }

        let mut enums = BTreeMap::new();
        let mut current: Option<(String, Vec<(String, i32)>)> = None;
        for line in enum_defs.lines() {
            if let Some(rest) = line.strip_prefix("_enumToInt") {
                let name = rest.split('(').next().unwrap_or_default().to_string();
                current = Some((name, Vec::new()));
            } else if line.starts_with('}') {
                if let Some((name, values)) = current.take() {
                    enums.insert(name, values);
                }
            } else if let Some((_, values)) = current.as_mut()
                && let Some(case) = line.trim().strip_prefix("case ")
            {
                let (enumerator, number) = case
                    .split_once(": return ")
                    .ok_or_else(|| format!("unexpected enum case: {line}"))?;
                let number = number
                    .trim_end_matches(';')
                    .parse::<i32>()
                    .map_err(|e| format!("{line}: {e}"))?;
                values.push((enumerator.to_string(), number));
            }
        }

        let spec = Spec {
            messages,
            cases,
            enums,
        };
        spec.check()?;
        Ok(spec)
    }

    fn check(&self) -> Result<(), String> {
        for case in &self.cases {
            if !self.messages.contains_key(&case.function)
                && !HANDWRITTEN.iter().any(|(f, _)| *f == case.function)
            {
                return Err(format!("node {} has no definition", case.tag));
            }
        }
        for message in self.messages.values() {
            for field in &message.fields {
                match &field.value {
                    Value::Enum(e) if !self.enums.contains_key(e) => {
                        return Err(format!("enum {e} has no numbering"));
                    }
                    Value::SpecificPtr(f) | Value::SpecificEmbedded(f)
                        if self.c_type_of(f).is_none() =>
                    {
                        return Err(format!("node {f} has no definition"));
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn c_type_of(&self, function: &str) -> Option<&str> {
        self.messages
            .get(function)
            .map(|m| m.c_type.as_str())
            .or_else(|| {
                HANDWRITTEN
                    .iter()
                    .find(|(f, _)| *f == function)
                    .map(|(_, c)| *c)
            })
    }

    /// Every C struct the generated code reads (for bindgen's allowlist).
    pub fn c_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self.messages.values().map(|m| m.c_type.clone()).collect();
        types.extend(self.cases.iter().map(|c| c.c_type.clone()));
        types.sort();
        types.dedup();
        types
    }

    pub fn enum_types(&self) -> Vec<String> {
        self.enums.keys().cloned().collect()
    }

    pub fn rust(&self, version: i32) -> String {
        let mut out = String::new();
        out.push_str(
            "// Generated by build/raw_tree.rs from libpg_query's pg_query_outfuncs_defs.c, \
             pg_query_outfuncs_conds.c and pg_query_enum_defs.c. Do not edit.\n\n",
        );
        let _ = writeln!(out, "pub(super) const PG_VERSION_NUM: i32 = {version};\n");

        for (name, values) in &self.enums {
            let _ = writeln!(
                out,
                "fn enum_{name}(value: sys::{name}::Type) -> i32 {{\n    match value {{"
            );
            for (enumerator, number) in values {
                let _ = writeln!(out, "        sys::{name}::{enumerator} => {number},");
            }
            out.push_str("        _ => -1,\n    }\n}\n\n");
        }

        for (function, message) in &self.messages {
            let rust_type = message.proto.to_upper_camel_case();
            let _ = writeln!(
                out,
                "#[inline(never)]\npub(super) unsafe fn out_{function}(node: &sys::{c_type}, cx: &mut Cx) -> pb::{rust_type} {{\n    \
                 // SAFETY: `node` points into a live parse tree (see `Cx`); every pointer read\n    \
                 // below is one of its members, checked for NULL by the helper that follows it.\n    \
                 unsafe {{\n        pb::{rust_type} {{",
                c_type = message.c_type,
            );
            for field in &message.fields {
                let proto = rust_field(&field.proto);
                let c = c_field(&field.c_field);
                let value = match &field.value {
                    Value::Scalar => format!("node.{c} as _"),
                    Value::Char => format!("char_string(node.{c})"),
                    Value::Str => format!("string(node.{c})"),
                    Value::Enum(e) => format!("enum_{e}(node.{c})"),
                    Value::List => format!("list(node.{c}, cx)"),
                    Value::Bitmapset => format!("bitmapset(node.{c})"),
                    Value::NodePtr => format!("node_box(node.{c} as *const sys::Node, cx)"),
                    Value::SpecificPtr(f) => format!(
                        "specific(node.{c} as *const sys::{}, cx, out_{f}).map(Into::into)",
                        self.c_type_of(f).unwrap_or_default()
                    ),
                    Value::SpecificEmbedded(f) => format!("Some(out_{f}(&node.{c}, cx).into())"),
                };
                let _ = writeln!(out, "            {proto}: {value},");
            }
            // Protobuf fields libpg_query never writes (e.g. `xpr`) keep their defaults.
            out.push_str("            ..Default::default()\n");
            out.push_str("        }\n    }\n}\n\n");
        }

        // One small function per node type, so the dispatch below keeps a small stack frame
        // (one frame per tree level: a `match` building every message inline took 14 KB), each
        // writing its message into the `Node` it is given (a `Node` is 608 bytes; returning it
        // by value moved it several times).
        for case in &self.cases {
            let _ = writeln!(
                out,
                "#[inline(never)]\nunsafe fn node_{tag}(p: *const sys::Node, cx: &mut Cx, out: &mut Option<pb::node::Node>) {{\n    \
                 // SAFETY: the tag of the node at `p` says it is a `{c_type}`.\n    \
                 *out = Some(pb::node::Node::{variant}(unsafe {{ out_{function}(&*(p as *const sys::{c_type}), cx) }}.into()));\n}}\n",
                tag = case.tag,
                variant = case.variant.to_upper_camel_case(),
                function = case.function,
                c_type = case.c_type,
            );
        }
        out.push_str(
            "/// Writes the message for the node at `p` (not NULL) into `out`, by its tag; a tag\n\
             /// libpg_query does not write leaves it empty, as libpg_query does.\n\
             pub(super) unsafe fn node_into(p: *const sys::Node, cx: &mut Cx, out: &mut pb::Node) {\n    \
             if !cx.enter() {\n        return;\n    }\n    \
             // SAFETY: `p` is a non-NULL node of the live tree; its tag says which struct it is.\n    \
             unsafe {\n        match (*p).type_ {\n",
        );
        for case in &self.cases {
            let _ = writeln!(
                out,
                "            sys::NodeTag::{tag} => node_{tag}(p, cx, &mut out.node),",
                tag = case.tag,
            );
        }
        out.push_str("            _ => {}\n        }\n    }\n    cx.leave();\n}\n");
        out
    }
}

/// prost's name for a protobuf field (Rust keywords are raw identifiers).
pub fn rust_field(proto: &str) -> String {
    let snake = proto.to_snake_case();
    if RUST_KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
    } else {
        snake
    }
}

/// bindgen's name for a C struct member (Rust keywords get a `_` suffix).
fn c_field(c: &str) -> String {
    if RUST_KEYWORDS.contains(&c) {
        format!("{c}_")
    } else {
        c.to_string()
    }
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];
