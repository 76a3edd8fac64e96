//! The actions a manager performs and the phases of their events.

/// One manager operation, as seen by event handlers and permission checkers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    Create,
    Get,
    GetMeta,
    ListRevisions,
    Update,
    Patch,
    Modify,
    Switch,
    Delete,
    Restore,
    PermanentlyDelete,
    Search,
    Count,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 13] = [
        Action::Create,
        Action::Get,
        Action::GetMeta,
        Action::ListRevisions,
        Action::Update,
        Action::Patch,
        Action::Modify,
        Action::Switch,
        Action::Delete,
        Action::Restore,
        Action::PermanentlyDelete,
        Action::Search,
        Action::Count,
    ];

    /// The snake_case name (`"permanently_delete"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Get => "get",
            Action::GetMeta => "get_meta",
            Action::ListRevisions => "list_revisions",
            Action::Update => "update",
            Action::Patch => "patch",
            Action::Modify => "modify",
            Action::Switch => "switch",
            Action::Delete => "delete",
            Action::Restore => "restore",
            Action::PermanentlyDelete => "permanently_delete",
            Action::Search => "search",
            Action::Count => "count",
        }
    }

    /// Whether the action writes (and so needs a user and a time in strict mode).
    pub fn is_write(self) -> bool {
        !matches!(
            self,
            Action::Get | Action::GetMeta | Action::ListRevisions | Action::Search | Action::Count
        )
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The phase of an event (see the [module docs](super)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Before,
    After,
    OnSuccess,
    OnFailure,
}

impl Phase {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Before => "before",
            Phase::After => "after",
            Phase::OnSuccess => "on_success",
            Phase::OnFailure => "on_failure",
        }
    }
}
