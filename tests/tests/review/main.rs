//! The review workflow end to end: restoring revisions and named versions
//! with three authors, roles, and hand-in deadlines across a restart.

mod common;
mod deadline;
mod restore;
mod revert;
mod roles;
