//! Layout detection, ordering, pairing and per-tool transaction semantics.
