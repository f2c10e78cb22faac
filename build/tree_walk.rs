//! Generator of `tree_walk.rs`: a walk over the `pg_query::protobuf` tree that visits every node
//! and every message in it, generated from `pg_query.proto` (the file prost generated those
//! types from), so it reaches every field a message can hold a node in.
//!
//! The walk visits the fields of each message in the order they are declared, which is the
//! order of prost's struct fields (and so of their `serde::Serialize` impls): a visitor sees
//! nodes in the same order as a walk through serde would. A field of a type this generator does
//! not know stops the build, so a new libpg_query version cannot add a place a node can hide in
//! without the walk reaching it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// What a field holds, as far as the walk cares.
#[derive(Debug)]
enum FieldType {
    /// A scalar, a string or an enum: no nodes inside.
    Leaf,
    /// A message (`Node` or another one), once or repeated.
    Message { name: String, repeated: bool },
    /// A `oneof`: its variants (field name, message type or `None` for a leaf).
    OneOf(Vec<(String, Option<String>)>),
}

#[derive(Debug)]
struct Field {
    name: String,
    kind: FieldType,
}

pub struct Proto {
    /// Top-level messages by name, their fields in declaration order.
    messages: BTreeMap<String, Vec<Field>>,
}

const SCALARS: &[&str] = &[
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
    "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
];

/// `[repeated] Type name = N [...];` -> (repeated, type, name).
fn field_line(line: &str) -> Option<(bool, &str, &str)> {
    let line = line.split("//").next()?.trim();
    let (decl, _) = line.split_once('=')?;
    let mut words = decl.split_whitespace();
    let mut first = words.next()?;
    let repeated = first == "repeated";
    if repeated {
        first = words.next()?;
    }
    let name = words.next()?;
    if words.next().is_some() {
        return None;
    }
    Some((repeated, first, name))
}

impl Proto {
    pub fn read(proto: &str) -> Result<Proto, String> {
        let mut messages: BTreeMap<String, Vec<Field>> = BTreeMap::new();
        let mut enums: BTreeSet<String> = BTreeSet::new();
        // Raw fields: (message, field, repeated, type) and oneofs, resolved once every type
        // name is known.
        let mut raw: BTreeMap<String, Vec<RawField>> = BTreeMap::new();
        let mut depth = 0usize;
        // The top-level message being read, and the oneof inside it.
        let mut message: Option<String> = None;
        let mut oneof: Option<(String, Vec<(String, String)>)> = None;
        // A nested message or enum being skipped: the depth it closes at.
        let mut skipping: Option<usize> = None;
        // The block a `message X` / `enum X` line opens (the brace may be on the next line).
        let mut pending: Option<(&str, String)> = None;
        for line in proto.lines() {
            let code = line.split("//").next().unwrap_or_default().trim();
            if code.is_empty() {
                continue;
            }
            let mut words = code.split_whitespace();
            let first = words.next().unwrap_or_default();
            if matches!(first, "message" | "enum" | "oneof") {
                let name = words
                    .next()
                    .ok_or_else(|| format!("unexpected line: {line}"))?
                    .trim_end_matches('{')
                    .to_string();
                pending = Some((
                    match first {
                        "message" => "message",
                        "enum" => "enum",
                        _ => "oneof",
                    },
                    name,
                ));
            }
            if code.contains('{') {
                depth += 1;
                if let Some((kind, name)) = pending.take() {
                    match (kind, depth) {
                        (_, _) if skipping.is_some() => {}
                        ("message", 1) => {
                            raw.entry(name.clone()).or_default();
                            message = Some(name);
                        }
                        ("enum", 1) => {
                            enums.insert(name);
                        }
                        ("oneof", 2) => oneof = Some((name, Vec::new())),
                        // Nested messages and enums (only in `SummaryResult`): a field of
                        // their type is refused below if the walk can reach it.
                        ("message" | "enum", _) => skipping = Some(depth - 1),
                        _ => return Err(format!("unexpected block: {line}")),
                    }
                }
                if code.trim_end_matches('{').trim().is_empty() || code.ends_with('{') {
                    continue;
                }
            }
            if code.starts_with('}') {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("unbalanced braces: {line}"))?;
                if skipping == Some(depth) {
                    skipping = None;
                } else if skipping.is_none() {
                    match depth {
                        1 => {
                            if let (Some(m), Some((name, variants))) = (&message, oneof.take()) {
                                raw.entry(m.clone())
                                    .or_default()
                                    .push(RawField::OneOf(name, variants));
                            }
                        }
                        0 => message = None,
                        _ => {}
                    }
                }
                continue;
            }
            if skipping.is_some() || pending.is_some() {
                continue;
            }
            match (&message, depth) {
                (Some(m), 1) => {
                    if code.starts_with("map<") {
                        let name = code
                            .split('>')
                            .nth(1)
                            .and_then(|r| r.split_whitespace().next())
                            .unwrap_or_default();
                        raw.entry(m.clone()).or_default().push(RawField::Plain {
                            name: name.to_string(),
                            repeated: false,
                            ty: "map".to_string(),
                        });
                    } else if code.starts_with("reserved") || code.starts_with("option") {
                    } else {
                        let (repeated, ty, name) =
                            field_line(code).ok_or_else(|| format!("unexpected field: {line}"))?;
                        raw.entry(m.clone()).or_default().push(RawField::Plain {
                            name: name.to_string(),
                            repeated,
                            ty: ty.to_string(),
                        });
                    }
                }
                (Some(_), 2) => {
                    let (repeated, ty, name) = field_line(code)
                        .ok_or_else(|| format!("unexpected oneof field: {line}"))?;
                    match oneof.as_mut() {
                        Some((_, variants)) if !repeated => {
                            variants.push((name.to_string(), ty.to_string()))
                        }
                        _ => return Err(format!("unexpected line: {line}")),
                    }
                }
                (None, 0) if code.starts_with("syntax") || code.starts_with("package") => {}
                _ => {}
            }
        }
        if depth != 0 {
            return Err("unbalanced braces at the end".to_string());
        }
        for (name, fields) in raw {
            // Types are resolved lazily: an unknown type only matters if the walk reaches it.
            let resolved = fields
                .into_iter()
                .map(|f| match f {
                    RawField::Plain { name, repeated, ty } => Field {
                        kind: if SCALARS.contains(&ty.as_str()) || enums.contains(&ty) {
                            FieldType::Leaf
                        } else {
                            FieldType::Message { name: ty, repeated }
                        },
                        name,
                    },
                    RawField::OneOf(name, variants) => Field {
                        name,
                        kind: FieldType::OneOf(
                            variants
                                .into_iter()
                                .map(|(field, ty)| {
                                    let message = (!SCALARS.contains(&ty.as_str())
                                        && !enums.contains(&ty))
                                    .then_some(ty);
                                    (field, message)
                                })
                                .collect(),
                        ),
                    },
                })
                .collect();
            messages.insert(name, resolved);
        }
        let proto = Proto { messages };
        proto.reachable()?;
        Ok(proto)
    }

    /// The messages a walk from `Node` reaches; an error names a field of an unknown type.
    fn reachable(&self) -> Result<BTreeSet<String>, String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec!["Node".to_string()];
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let fields = self
                .messages
                .get(&name)
                .ok_or_else(|| format!("pg_query.proto: unknown message type {name}"))?;
            for field in fields {
                match &field.kind {
                    FieldType::Leaf => {}
                    FieldType::Message { name: ty, .. } => stack.push(ty.clone()),
                    FieldType::OneOf(variants) => {
                        stack.extend(variants.iter().filter_map(|(_, ty)| ty.clone()))
                    }
                }
            }
        }
        Ok(seen)
    }

    pub fn rust(&self) -> Result<String, String> {
        let reachable = self.reachable()?;
        let mut out = String::new();
        out.push_str(
            "// Generated by build/tree_walk.rs from libpg_query's pg_query.proto. Do not edit.\n\n",
        );
        out.push_str(
            "/// What a walk ([`walk_node`]) calls back: `node` for each `Node` (before its \
             children),\n/// and one method per message type for each message (a `Node`'s \
             or a field's), before its\n/// children. Every method does nothing unless \
             overridden.\n#[allow(unused_variables)]\npub trait Visit {\n    \
             fn node(&mut self, node: &pb::node::Node) {}\n",
        );
        for name in &reachable {
            if name == "Node" {
                continue;
            }
            let _ = writeln!(
                out,
                "    fn {}(&mut self, message: &pb::{}) {{}}",
                hook(name),
                name.to_upper_camel_case()
            );
        }
        out.push_str("}\n\n");
        for name in &reachable {
            let fields = &self.messages[name];
            let rust_type = name.to_upper_camel_case();
            let _ = writeln!(
                out,
                "#[allow(unused_variables)]\npub fn walk_{snake}<V: Visit + ?Sized>(message: &pb::{rust_type}, v: &mut V) {{",
                snake = name.to_snake_case(),
            );
            if name == "Node" {
                // The `Node` message holds its oneof only: the walk of the oneof's enum
                // (`walk_node_enum`) is the one that calls `Visit::node`.
                out.push_str(
                    "    if let Some(node) = &message.node {\n        walk_node_enum(node, v);\n    }\n}\n\n\
                     #[allow(unused_variables)]\n\
                     pub fn walk_node_enum<V: Visit + ?Sized>(node: &pb::node::Node, v: &mut V) {\n    \
                     v.node(node);\n",
                );
            } else {
                let _ = writeln!(out, "    v.{}(message);", hook(name));
            }
            for field in fields {
                let rust = super::raw_tree::rust_field(&field.name);
                match &field.kind {
                    FieldType::Leaf => {}
                    FieldType::Message { name: ty, repeated } => {
                        let walk = format!("walk_{}", ty.to_snake_case());
                        if *repeated {
                            let _ = writeln!(
                                out,
                                "    for m in &message.{rust} {{\n        {walk}(m, v);\n    }}"
                            );
                        } else {
                            let _ = writeln!(
                                out,
                                "    if let Some(m) = &message.{rust} {{\n        {walk}(m, v);\n    }}"
                            );
                        }
                    }
                    FieldType::OneOf(variants) => {
                        // prost: the oneof's enum is `<message module>::<OneofName>`; for
                        // `Node` the field is `node` and so is the binding above.
                        let path = format!(
                            "pb::{}::{}",
                            name.to_snake_case(),
                            field.name.to_upper_camel_case()
                        );
                        let scrutinee = if name == "Node" {
                            "node".to_string()
                        } else {
                            let _ = writeln!(out, "    if let Some(o) = &message.{rust} {{");
                            "o".to_string()
                        };
                        let _ = writeln!(out, "    match {scrutinee} {{");
                        let mut leaves = false;
                        for (variant, ty) in variants {
                            match ty {
                                Some(ty) => {
                                    let _ = writeln!(
                                        out,
                                        "        {path}::{}(m) => walk_{}(m, v),",
                                        variant.to_upper_camel_case(),
                                        ty.to_snake_case()
                                    );
                                }
                                None => leaves = true,
                            }
                        }
                        if leaves {
                            out.push_str("        _ => {}\n");
                        }
                        out.push_str("    }\n");
                        if name != "Node" {
                            out.push_str("    }\n");
                        }
                    }
                }
            }
            out.push_str("}\n\n");
        }
        Ok(out)
    }
}

enum RawField {
    Plain {
        name: String,
        repeated: bool,
        ty: String,
    },
    OneOf(String, Vec<(String, String)>),
}

/// The [`Visit`] method called for a message: its snake-case name (`A_Const` -> `a_const`).
fn hook(message: &str) -> String {
    let snake = message.to_snake_case();
    match snake.as_str() {
        // Rust keywords and the `node` method itself.
        "node" => "node_message".to_string(),
        _ => super::raw_tree::rust_field(&snake).replace("r#", "r_"),
    }
}
