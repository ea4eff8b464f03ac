//! Structured starting documents: headings, paragraphs and lists with
//! placeholder text that says what belongs where.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::model::Node;

/// A starting document chosen when a document is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// An empty body.
    Blank,
    /// Date, attendees, agenda, decisions, action items.
    MeetingNotes,
    /// Introduction, method, results, discussion, references.
    ProjectReport,
    /// Common goals, shared values, roles, meeting times, how we document.
    GroupCharter,
}

/// A template as the home page lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TemplateInfo {
    /// The id used in the API (`meeting-notes`).
    pub id: &'static str,
    /// The name shown to people.
    pub name: &'static str,
    /// One line about what it is for.
    pub description: &'static str,
}

impl Template {
    /// Every template, in the order the home page shows them.
    pub const ALL: [Template; 4] = [
        Self::Blank,
        Self::MeetingNotes,
        Self::ProjectReport,
        Self::GroupCharter,
    ];

    /// The id used in the API and stored in `meta.template`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The id, name and description.
    pub fn info(self) -> TemplateInfo {
        let (id, name, description) = match self {
            Self::Blank => ("blank", "Blank document", "An empty page."),
            Self::MeetingNotes => (
                "meeting-notes",
                "Meeting notes",
                "Date, attendees, agenda, decisions and action items.",
            ),
            Self::ProjectReport => (
                "project-report",
                "Project report",
                "Introduction, method, results, discussion and references.",
            ),
            Self::GroupCharter => (
                "group-charter",
                "Group charter",
                "Common goals, shared values, roles, meeting times and how we document.",
            ),
        };
        TemplateInfo {
            id,
            name,
            description,
        }
    }

    /// The starting body, a `doc` node.
    pub fn body(self) -> Node {
        let blocks = match self {
            Self::Blank => vec![p("")],
            Self::MeetingNotes => meeting_notes(),
            Self::ProjectReport => project_report(),
            Self::GroupCharter => group_charter(),
        };
        Node::new("doc", blocks)
    }
}

/// Every template's id, name and description, for the home page.
pub fn list() -> Vec<TemplateInfo> {
    Template::ALL.iter().map(|t| t.info()).collect()
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A template id that is not one of [`Template::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown template {0:?}: expected blank, meeting-notes, project-report or group-charter")]
pub struct UnknownTemplate(pub String);

impl FromStr for Template {
    type Err = UnknownTemplate;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Template::ALL
            .into_iter()
            .find(|t| t.id() == s)
            .ok_or_else(|| UnknownTemplate(s.to_owned()))
    }
}

fn meeting_notes() -> Vec<Node> {
    vec![
        h(2, "Date"),
        p("Day, date and time of the meeting; where it took place."),
        h(2, "Attendees"),
        bullets(&["Name (role)", "Name (role)", "Absent: name"]),
        h(2, "Agenda"),
        numbered(&[
            "Review of the last action items",
            "Topic",
            "Any other business",
        ]),
        h(2, "Decisions"),
        bullets(&["What was decided, and why in one sentence."]),
        h(2, "Action items"),
        bullets(&["Task: who does it, by when."]),
    ]
}

fn project_report() -> Vec<Node> {
    vec![
        h(2, "Introduction"),
        p(
            "The question the project answers, why it matters, and what the reader will find in this report.",
        ),
        h(2, "Method"),
        p(
            "How the group worked: materials, sources, tools and steps, in enough detail to repeat them.",
        ),
        h(2, "Results"),
        p("What was found, shown plainly; save interpretation for the discussion."),
        h(2, "Discussion"),
        p(
            "What the results mean, how they answer the question, their limits, and what to try next.",
        ),
        h(2, "References"),
        numbered(&["Author, title, year, where it was published or found."]),
    ]
}

fn group_charter() -> Vec<Node> {
    vec![
        h(2, "Common goals"),
        p("What the group wants to achieve together, and how it will know it succeeded."),
        h(2, "Shared values"),
        bullets(&[
            "Everyone's voice is heard.",
            "We keep our promises or say early when we cannot.",
        ]),
        h(2, "Roles"),
        bullets(&["Coordinator: name", "Note taker: name", "Reviewer: name"]),
        h(2, "Meeting times"),
        p("When and where the group meets, and how to reach each other in between."),
        h(2, "How we document"),
        p("Where notes, drafts and decisions are written down, and who reviews them."),
    ]
}

fn h(level: u64, text: &str) -> Node {
    Node::new("heading", vec![Node::text(text, Vec::new())]).with_attr("level", level)
}

fn p(text: &str) -> Node {
    let content = if text.is_empty() {
        Vec::new()
    } else {
        vec![Node::text(text, Vec::new())]
    };
    Node::new("paragraph", content)
}

fn items(texts: &[&str]) -> Vec<Node> {
    texts
        .iter()
        .map(|t| Node::new("list_item", vec![p(t)]))
        .collect()
}

fn bullets(texts: &[&str]) -> Node {
    Node::new("bullet_list", items(texts))
}

fn numbered(texts: &[&str]) -> Node {
    Node::new("ordered_list", items(texts)).with_attr("order", 1)
}
