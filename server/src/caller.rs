//! Who is calling, as the server has verified it, and what that caller may
//! do: roles, principals, access levels, and the author id a caller writes
//! under. Plain types: verifying credentials is [`crate::auth`]'s.

use axum::http::StatusCode;
use crdt_core::AuthorId;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::identity::{ANONYMOUS, Identity};

/// A member's role in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Creates, renames and deletes documents; sees insights.
    Teacher,
    /// Edits and chats.
    Editor,
    /// Reads only.
    Viewer,
}

impl Role {
    /// The name used in tokens and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Teacher => "teacher",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "teacher" => Ok(Role::Teacher),
            "editor" => Ok(Role::Editor),
            "viewer" => Ok(Role::Viewer),
            other => Err(ApiError::bad_request(format!(
                "unknown role {other:?}: use teacher, editor or viewer"
            ))),
        }
    }
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Holder of the configured admin token.
    Admin,
    /// A member of a group.
    Member(Membership),
    /// No credentials (open mode).
    Anonymous,
}

/// A verified member token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The member's id.
    pub member: String,
    /// Their group.
    pub group: String,
    /// Their role in it.
    pub role: Role,
    /// Their display name.
    pub name: String,
}

/// What a caller may do with one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Read and follow it.
    Read,
    /// Edit and chat.
    Edit,
    /// Rename, delete, see insights.
    Manage,
}

impl Principal {
    /// The highest access to a document in `group` (None: outside groups).
    pub fn access(&self, group: Option<&str>, private: bool) -> Option<Access> {
        match (self, group) {
            (Principal::Admin, _) => Some(Access::Manage),
            (Principal::Member(m), Some(g)) if m.group == g => Some(match m.role {
                Role::Teacher => Access::Manage,
                Role::Editor => Access::Edit,
                Role::Viewer => Access::Read,
            }),
            (Principal::Member(_), Some(_)) => None,
            // Outside groups a member writes as anyone may, except that on a
            // private server a viewer stays a reader there too.
            (Principal::Member(m), None) if private && m.role == Role::Viewer => Some(Access::Read),
            (Principal::Member(_), None) => Some(Access::Edit),
            (Principal::Anonymous, Some(_)) => None,
            (Principal::Anonymous, None) => (!private).then_some(Access::Edit),
        }
    }

    /// Fails unless the caller has at least `needed` on a document in `group`.
    pub fn require(
        &self,
        group: Option<&str>,
        private: bool,
        needed: Access,
    ) -> Result<Access, ApiError> {
        match self.access(group, private) {
            Some(access) if access >= needed => Ok(access),
            Some(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role does not allow this",
            )),
            None if *self == Principal::Anonymous => Err(unauthorized("a token is required")),
            None => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this document belongs to another group",
            )),
        }
    }
}

/// Why a credential was refused.
pub fn unauthorized(reason: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", reason)
}

/// The author id under which a member writes.
pub fn author_of_member(member: &str) -> String {
    format!("m-{member}")
}

impl Principal {
    /// The author id this caller writes under: a member's own, the admin's,
    /// the author of an open-mode browser's secret, else the shared
    /// anonymous author. A malformed secret is refused.
    pub fn author(&self, identity: &Identity, secret: Option<&str>) -> Result<AuthorId, ApiError> {
        match (self, secret) {
            (Principal::Member(m), _) => Ok(author_of_member(&m.member).into()),
            (Principal::Admin, _) => Ok("admin".into()),
            (Principal::Anonymous, Some(secret)) => identity
                .author_of_secret(secret)
                .map_err(ApiError::bad_request),
            (Principal::Anonymous, None) => Ok(ANONYMOUS.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::{MemoryStore, Store};

    #[tokio::test]
    async fn each_caller_writes_under_one_author() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
        let identity = Identity::load(&store).await.unwrap();
        let member = Principal::Member(Membership {
            member: "m1".into(),
            group: "g".into(),
            role: Role::Editor,
            name: "Ann".into(),
        });
        let secret = "a-browser-secret-0123456789";
        // A member and the admin write as themselves, whatever secret they send.
        assert_eq!(&*member.author(&identity, Some(secret)).unwrap(), "m-m1");
        assert_eq!(&*Principal::Admin.author(&identity, None).unwrap(), "admin");
        // A browser writes as its secret's author, the same one every time.
        let anonymous = Principal::Anonymous;
        let author = anonymous.author(&identity, Some(secret)).unwrap();
        assert_eq!(author, identity.author_of_secret(secret).unwrap());
        assert_eq!(author, anonymous.author(&identity, Some(secret)).unwrap());
        assert_eq!(&*anonymous.author(&identity, None).unwrap(), ANONYMOUS);
        let refused = anonymous.author(&identity, Some("short")).unwrap_err();
        assert_eq!(
            refused.message(),
            "author secret must be 16 to 128 characters"
        );
    }
}
