//! The functions a parse tree calls, found by the generated walk over every node
//! ([`crate::parse::postgres::walk`]): nothing is allocated but the names, so a 30 MB file of
//! INSERTs costs little more than before.

use pg_query::protobuf as pb;

use crate::parse::postgres::walk::{Visit, Walk};

/// Every function called in `tree` (`FuncCall` nodes, so also `CALL p()`): lower-case dotted
/// names, `public.` dropped, each once, in the order first met.
pub fn find(tree: &(impl Walk + ?Sized)) -> Vec<String> {
    let mut finder = Finder::default();
    tree.walk(&mut finder);
    finder.calls
}

/// [`find`], and from the same walk the relations `tree` names in `RangeVar` nodes (a
/// `Node::RangeVar`, not a statement's own `relation` field): (schema, relation), lower-case,
/// "" for no schema, in the order met.
pub fn find_with_relations(tree: &(impl Walk + ?Sized)) -> (Vec<String>, Vec<(String, String)>) {
    let mut finder = Finder {
        relations: Some(Vec::new()),
        ..Finder::default()
    };
    tree.walk(&mut finder);
    (finder.calls, finder.relations.unwrap_or_default())
}

#[derive(Default)]
struct Finder {
    calls: Vec<String>,
    /// `calls` as a set, once there are more than [`SCAN_CALLS`]: a statement with thousands
    /// of distinct calls stays linear.
    seen: crate::analyze::schema::HashSet<String>,
    /// The relations of `RangeVar` nodes, when asked for.
    relations: Option<Vec<(String, String)>>,
}

/// Up to this many calls, a new name is looked up in the list itself.
const SCAN_CALLS: usize = 32;

impl Finder {
    fn call(&mut self, name: String) {
        if self.calls.len() < SCAN_CALLS {
            if !self.calls.contains(&name) {
                self.calls.push(name);
            }
            return;
        }
        if self.seen.is_empty() {
            self.seen.extend(self.calls.iter().cloned());
        }
        if self.seen.insert(name.clone()) {
            self.calls.push(name);
        }
    }
}

impl Visit for Finder {
    fn node(&mut self, node: &pb::node::Node) {
        if let (pb::node::Node::RangeVar(r), Some(relations)) = (node, self.relations.as_mut()) {
            relations.push((
                r.schemaname.to_ascii_lowercase(),
                r.relname.to_ascii_lowercase(),
            ));
        }
    }

    // A `FuncCall` is a node, or a statement's field (`CALL p()`): either way it is visited
    // here, before its arguments.
    fn func_call(&mut self, call: &pb::FuncCall) {
        let mut name = String::new();
        for part in &call.funcname {
            if let Some(pb::node::Node::String(s)) = &part.node {
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(&s.sval);
            }
        }
        name.make_ascii_lowercase();
        let name = match name.strip_prefix("public.") {
            Some(rest) => rest.to_string(),
            None => name,
        };
        if !name.is_empty() {
            self.call(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The previous walk, through the tree's `serde::Serialize` impls (which visit every field
    /// of every message), kept as the reference the generated walk must agree with.
    mod serde_walk {
        use serde::ser::{self, Serialize};

        /// Every function called in `tree` (`FuncCall` nodes, so also `CALL p()`): lower-case dotted
        /// names, `public.` dropped, each once, in the order first met.
        pub fn find(tree: &impl Serialize) -> Vec<String> {
            let mut finder = Finder::default();
            // The walk itself cannot fail; an error would only come from a bug, and then the calls
            // found so far are still returned.
            let _ = tree.serialize(&mut finder);
            finder.calls
        }

        /// [`find`], and from the same walk the relations `tree` names in `RangeVar` nodes (a
        /// `Node::RangeVar`, not a statement's own `relation` field): (schema, relation), lower-case,
        /// "" for no schema, in the order met.
        pub fn find_with_relations(tree: &impl Serialize) -> (Vec<String>, Vec<(String, String)>) {
            let mut finder = Finder {
                relations: Some(Vec::new()),
                ..Finder::default()
            };
            let _ = tree.serialize(&mut finder);
            (finder.calls, finder.relations.unwrap_or_default())
        }

        /// How a `RangeVar` node's struct is recorded in [`Finder::structs`], apart from a `RangeVar`
        /// that is a statement's field.
        const RANGE_VAR_NODE: &str = "RangeVar node";

        #[derive(Default)]
        struct Finder {
            calls: Vec<String>,
            /// The names of the structs being serialized, innermost last.
            structs: Vec<&'static str>,
            /// The parts of a function name being collected (inside `FuncCall.funcname`).
            name: Option<Vec<String>>,
            /// The relations of `RangeVar` nodes, when asked for.
            relations: Option<Vec<(String, String)>>,
            /// The `Node` variant whose struct comes next.
            variant: Option<&'static str>,
            /// The string field being read (a `RangeVar` node's `schemaname` or `relname`).
            captured: Option<String>,
        }

        #[derive(Debug)]
        pub struct Never(String);

        impl std::fmt::Display for Never {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for Never {}

        impl ser::Error for Never {
            fn custom<T: std::fmt::Display>(msg: T) -> Self {
                Never(msg.to_string())
            }
        }

        type R = Result<(), Never>;

        impl ser::Serializer for &mut Finder {
            type Ok = ();
            type Error = Never;
            type SerializeSeq = Self;
            type SerializeTuple = Self;
            type SerializeTupleStruct = Self;
            type SerializeTupleVariant = Self;
            type SerializeMap = Self;
            type SerializeStruct = Self;
            type SerializeStructVariant = Self;

            fn serialize_bool(self, _: bool) -> R {
                Ok(())
            }
            fn serialize_i8(self, _: i8) -> R {
                Ok(())
            }
            fn serialize_i16(self, _: i16) -> R {
                Ok(())
            }
            fn serialize_i32(self, _: i32) -> R {
                Ok(())
            }
            fn serialize_i64(self, _: i64) -> R {
                Ok(())
            }
            fn serialize_u8(self, _: u8) -> R {
                Ok(())
            }
            fn serialize_u16(self, _: u16) -> R {
                Ok(())
            }
            fn serialize_u32(self, _: u32) -> R {
                Ok(())
            }
            fn serialize_u64(self, _: u64) -> R {
                Ok(())
            }
            fn serialize_f32(self, _: f32) -> R {
                Ok(())
            }
            fn serialize_f64(self, _: f64) -> R {
                Ok(())
            }
            fn serialize_char(self, _: char) -> R {
                Ok(())
            }
            fn serialize_str(self, v: &str) -> R {
                if let Some(parts) = &mut self.name {
                    parts.push(v.to_ascii_lowercase());
                }
                if let Some(captured) = &mut self.captured {
                    *captured = v.to_ascii_lowercase();
                }
                Ok(())
            }
            fn serialize_bytes(self, _: &[u8]) -> R {
                Ok(())
            }
            fn serialize_none(self) -> R {
                Ok(())
            }
            fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> R {
                value.serialize(self)
            }
            fn serialize_unit(self) -> R {
                Ok(())
            }
            fn serialize_unit_struct(self, _: &'static str) -> R {
                Ok(())
            }
            fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> R {
                Ok(())
            }
            fn serialize_newtype_struct<T: ?Sized + Serialize>(
                self,
                _: &'static str,
                value: &T,
            ) -> R {
                value.serialize(self)
            }
            fn serialize_newtype_variant<T: ?Sized + Serialize>(
                self,
                _: &'static str,
                _: u32,
                variant: &'static str,
                value: &T,
            ) -> R {
                self.variant = Some(variant);
                let result = value.serialize(&mut *self);
                self.variant = None;
                result
            }
            fn serialize_seq(self, _: Option<usize>) -> Result<Self, Never> {
                Ok(self)
            }
            fn serialize_tuple(self, _: usize) -> Result<Self, Never> {
                Ok(self)
            }
            fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
                Ok(self)
            }
            fn serialize_tuple_variant(
                self,
                _: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self, Never> {
                Ok(self)
            }
            fn serialize_map(self, _: Option<usize>) -> Result<Self, Never> {
                Ok(self)
            }
            fn serialize_struct(self, name: &'static str, _: usize) -> Result<Self, Never> {
                let variant = self.variant.take();
                if name == "RangeVar"
                    && variant == Some("RangeVar")
                    && let Some(relations) = &mut self.relations
                {
                    relations.push((String::new(), String::new()));
                    self.structs.push(RANGE_VAR_NODE);
                } else {
                    self.structs.push(name);
                }
                Ok(self)
            }
            fn serialize_struct_variant(
                self,
                name: &'static str,
                _: u32,
                _: &'static str,
                _: usize,
            ) -> Result<Self, Never> {
                self.structs.push(name);
                Ok(self)
            }
        }

        // Sequences and tuples of every kind: each element is walked the same way.
        macro_rules! walk_elements {
            ($($trait:ident :: $method:ident),*) => {$(
                impl ser::$trait for &mut Finder {
                    type Ok = ();
                    type Error = Never;
                    fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> R {
                        value.serialize(&mut **self)
                    }
                    fn end(self) -> R {
                        Ok(())
                    }
                }
            )*};
        }
        walk_elements!(
            SerializeSeq::serialize_element,
            SerializeTuple::serialize_element,
            SerializeTupleStruct::serialize_field,
            SerializeTupleVariant::serialize_field
        );

        impl ser::SerializeMap for &mut Finder {
            type Ok = ();
            type Error = Never;
            fn serialize_key<T: ?Sized + Serialize>(&mut self, _: &T) -> R {
                Ok(())
            }
            fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> R {
                value.serialize(&mut **self)
            }
            fn end(self) -> R {
                Ok(())
            }
        }

        impl Finder {
            fn field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> R {
                if key == "funcname" && self.structs.last() == Some(&"FuncCall") {
                    let outer = self.name.replace(Vec::new());
                    value.serialize(&mut *self)?;
                    let parts = std::mem::replace(&mut self.name, outer).unwrap_or_default();
                    let name = parts.join(".");
                    let name = name
                        .strip_prefix("public.")
                        .map_or(name.clone(), str::to_string);
                    if !name.is_empty() && !self.calls.contains(&name) {
                        self.calls.push(name);
                    }
                    return Ok(());
                }
                if (key == "schemaname" || key == "relname")
                    && self.structs.last() == Some(&RANGE_VAR_NODE)
                {
                    let outer = self.captured.replace(String::new());
                    value.serialize(&mut *self)?;
                    let text = std::mem::replace(&mut self.captured, outer).unwrap_or_default();
                    if let Some((schema, relation)) =
                        self.relations.as_mut().and_then(|r| r.last_mut())
                    {
                        if key == "schemaname" {
                            *schema = text;
                        } else {
                            *relation = text;
                        }
                    }
                    return Ok(());
                }
                value.serialize(&mut *self)
            }
        }

        // Struct and struct-variant fields are read alike.
        macro_rules! struct_fields {
            ($($serialize:ident),*) => {$(
                impl ser::$serialize for &mut Finder {
                    type Ok = ();
                    type Error = Never;
                    fn serialize_field<T: ?Sized + Serialize>(
                        &mut self,
                        key: &'static str,
                        value: &T,
                    ) -> R {
                        self.field(key, value)
                    }
                    fn end(self) -> R {
                        self.structs.pop();
                        Ok(())
                    }
                }
            )*};
        }
        struct_fields!(SerializeStruct, SerializeStructVariant);
    }

    /// Every statement of every SQL file under `dir` that parses as a whole.
    fn statements_under(dir: &std::path::Path, out: &mut Vec<pb::Node>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                statements_under(&path, out);
            } else if path.extension().is_some_and(|e| e == "sql")
                && let Ok(text) = std::fs::read_to_string(&path)
                && let Ok(parsed) = crate::parse::postgres::libpg_query::parse(&text)
            {
                out.extend(parsed.stmts.into_iter().filter_map(|s| s.stmt.map(|n| *n)));
            }
        }
    }

    #[test]
    fn many_distinct_calls_are_each_found_once_in_order() {
        let names: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
        let sql = format!(
            "SELECT {}, {}",
            names
                .iter()
                .map(|n| format!("{n}()"))
                .collect::<Vec<_>>()
                .join(", "),
            names
                .iter()
                .rev()
                .map(|n| format!("public.{n}(1)"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let parsed = crate::parse::postgres::libpg_query::parse(&sql).expect("parses");
        let statement = parsed.stmts[0].stmt.as_deref().expect("a statement");
        assert_eq!(find(statement), names);
        assert_eq!(find(statement), serde_walk::find(statement));
    }

    #[test]
    fn same_calls_and_relations_as_the_serde_walk_on_every_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut statements = Vec::new();
        for dir in ["tests", "fixtures"] {
            statements_under(&root.join(dir), &mut statements);
        }
        assert!(statements.len() > 1000, "{} statements", statements.len());
        let mut with_calls = 0;
        for statement in &statements {
            let ours = find_with_relations(statement);
            assert_eq!(
                ours,
                serde_walk::find_with_relations(statement),
                "{statement:?}"
            );
            assert_eq!(
                find(statement),
                serde_walk::find(statement),
                "{statement:?}"
            );
            with_calls += usize::from(!ours.0.is_empty());
        }
        assert!(with_calls > 50, "{with_calls} statements with calls");
    }

    fn calls(sql: &str) -> Vec<String> {
        let parsed = pg_query::parse(sql, pg_query::ParserOptions::DEFAULT).expect("parse");
        parsed
            .protobuf
            .stmts
            .iter()
            .flat_map(|s| find(&s.stmt))
            .collect()
    }

    #[test]
    fn finds_relations_of_range_var_nodes_only() {
        let parsed = pg_query::parse(
            "SELECT f(1) FROM Pg_Catalog.pg_class c, t WHERE EXISTS (SELECT 1 FROM s.u)",
            pg_query::ParserOptions::DEFAULT,
        )
        .expect("parse");
        let (calls, relations) = find_with_relations(&parsed.protobuf.stmts[0].stmt);
        assert_eq!(calls, ["f"]);
        assert_eq!(
            relations,
            [
                ("pg_catalog".to_string(), "pg_class".to_string()),
                (String::new(), "t".to_string()),
                ("s".to_string(), "u".to_string()),
            ]
        );
        // A statement's own `relation` field is not a `RangeVar` node.
        let parsed = pg_query::parse(
            "INSERT INTO t VALUES (g())",
            pg_query::ParserOptions::DEFAULT,
        )
        .expect("parse");
        let (calls, relations) = find_with_relations(&parsed.protobuf.stmts[0].stmt);
        assert_eq!(calls, ["g"]);
        assert!(relations.is_empty());
    }

    #[test]
    fn finds_every_call() {
        assert_eq!(
            calls("SELECT public.f(g(1)), x FROM t WHERE h(y) AND EXISTS (SELECT App.K())"),
            ["f", "g", "h", "app.k"]
        );
        assert_eq!(calls("CALL p(now())"), ["p", "now"]);
        assert_eq!(
            calls("INSERT INTO t (a) VALUES (1), ('x')"),
            Vec::<String>::new()
        );
        assert_eq!(
            calls("UPDATE t SET a = (SELECT pg_catalog.lower(b)) RETURNING q()"),
            ["pg_catalog.lower", "q"]
        );
    }
}
