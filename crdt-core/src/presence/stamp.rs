//! What the server vouches for in awareness states: a connection's name,
//! role and colour, written over whatever the client put in `user`.

/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A display name: trimmed, without control characters, at most
/// [`MAX_NAME_CHARS`] characters; `None` when nothing is left.
pub fn clean_name(name: &str) -> Option<String> {
    let name: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let name = name.trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// What the server vouches for in the `user` field of a connection's
/// awareness states, written over whatever the client put there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamp {
    /// The name, when it is the server's to decide (a group member's);
    /// `None` leaves the client's own `user.name`.
    pub name: Option<String>,
    /// The role shown beside the name (a group member's).
    pub role: Option<String>,
    /// The author's colour.
    pub color: Option<String>,
}

/// Writes `stamp` into the `user` object of a state; returns the state and
/// the client's own `user.name`, cleaned, when the stamp leaves it.
pub(super) fn stamped(mut state: serde_json::Value, stamp: &Stamp) -> (String, Option<String>) {
    let mut own_name = None;
    if let serde_json::Value::Object(fields) = &mut state {
        let user = fields
            .entry("user")
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        if !user.is_object() {
            *user = serde_json::Value::Object(Default::default());
        }
        let user = user.as_object_mut().expect("an object");
        match &stamp.name {
            Some(name) => {
                user.insert("name".into(), name.clone().into());
            }
            None => {
                own_name = user
                    .get("name")
                    .and_then(|n| n.as_str())
                    .and_then(clean_name);
                match &own_name {
                    Some(name) => user.insert("name".into(), name.clone().into()),
                    None => user.remove("name"),
                };
            }
        }
        match &stamp.role {
            Some(role) => user.insert("role".into(), role.clone().into()),
            None => user.remove("role"),
        };
        if let Some(color) = &stamp.color {
            user.insert("color".into(), color.clone().into());
        }
    }
    (state.to_string(), own_name)
}
