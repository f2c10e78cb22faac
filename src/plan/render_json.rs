//! `plan --format json`: the [`Plan`] as a versioned document (see the README).

use super::Plan;

pub fn render(plan: &Plan) -> String {
    // Serializing plain structs of strings, numbers and enums cannot fail.
    let mut out = serde_json::to_string_pretty(plan).unwrap_or_else(|e| {
        format!(
            "{{\"version\": {}, \"error\": \"{e}\"}}",
            super::JSON_VERSION
        )
    });
    out.push('\n');
    out
}
