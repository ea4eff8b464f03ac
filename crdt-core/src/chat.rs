//! Chat messages as the server accepts them: the root Array `chat` holds
//! `{author, name, text, ts}` objects, and a message's author and name must
//! be those of the connection that writes it.

use std::sync::{Arc, Mutex};

use yrs::types::{Change, Observable};
use yrs::{Any, ArrayRef, Out};

use crate::error::{Error, Result};

/// The longest chat message, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// Who may add chat messages to a run of updates, and how many.
#[derive(Debug, Clone, Copy)]
pub struct ChatPolicy<'a> {
    /// The name the messages must carry (`"Anonymous"` when the connection
    /// has none).
    pub name: &'a str,
    /// How many messages the run may add (the author's chat budget).
    pub max_messages: usize,
}

/// The entries inserted into the chat array since the last take.
#[derive(Debug, Default, Clone)]
pub(crate) struct ChatWatch {
    added: Arc<Mutex<Vec<Out>>>,
}

impl ChatWatch {
    /// Watches `chat` for insertions.
    pub(crate) fn observe(&self, chat: &ArrayRef) {
        let added = self.added.clone();
        chat.observe("quire-chat", move |txn, event| {
            let mut added = added.lock().unwrap_or_else(|e| e.into_inner());
            for change in event.delta(txn) {
                if let Change::Added(values) = change {
                    added.extend(values.iter().cloned());
                }
            }
        })
    }

    /// The entries inserted since the last call.
    pub(crate) fn take(&self) -> Vec<Out> {
        std::mem::take(&mut *self.added.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Checks the chat messages a run of `author`'s updates added.
pub(crate) fn check(added: &[Out], author: &str, policy: &ChatPolicy<'_>) -> Result<()> {
    if added.len() > policy.max_messages {
        return Err(Error::ChatRefused(format!(
            "chat rate limit: {} messages where {} may be sent now",
            added.len(),
            policy.max_messages
        )));
    }
    for value in added {
        let Out::Any(Any::Map(fields)) = value else {
            return Err(Error::ChatRefused(
                "a chat message must be an object {author, name, text, ts}".into(),
            ));
        };
        let string = |key: &str| match fields.get(key) {
            Some(Any::String(s)) => Some(s.as_ref()),
            _ => None,
        };
        if string("author") != Some(author) {
            return Err(Error::ChatRefused(format!(
                "a chat message's author must be the writer's own ({author})"
            )));
        }
        if string("name") != Some(policy.name) {
            return Err(Error::ChatRefused(format!(
                "a chat message's name must be the writer's own ({})",
                policy.name
            )));
        }
        match string("text") {
            Some(text) if text.chars().count() <= MAX_TEXT_CHARS => {}
            Some(_) => {
                return Err(Error::ChatRefused(format!(
                    "a chat message holds at most {MAX_TEXT_CHARS} characters"
                )));
            }
            None => return Err(Error::ChatRefused("a chat message needs a text".into())),
        }
        if !matches!(fields.get("ts"), Some(Any::Number(_))) {
            return Err(Error::ChatRefused(
                "a chat message needs a time (ts)".into(),
            ));
        }
    }
    Ok(())
}
