//! Who is acting. Every command and query takes a principal; what it may see is decided here, in
//! one place, so account-scoped customer and supplier principals can be added without touching
//! handlers.

use aftercart_domain::ids::AccountId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    Staff(StaffRole),
    /// The system itself (demo loader, workers).
    System,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable id used to scope idempotency keys and recorded as the actor.
    pub id: String,
    pub name: String,
    pub kind: PrincipalKind,
}

impl Principal {
    pub fn staff(id: impl Into<String>, name: impl Into<String>) -> Principal {
        Principal {
            id: id.into(),
            name: name.into(),
            kind: PrincipalKind::Staff(StaffRole::Admin),
        }
    }

    pub fn system() -> Principal {
        Principal {
            id: "system".into(),
            name: "Aftercart".into(),
            kind: PrincipalKind::System,
        }
    }

    /// Whether this principal may see the account's data. Seller staff see every account.
    pub fn can_see_account(&self, _account: AccountId) -> bool {
        match self.kind {
            PrincipalKind::Staff(_) | PrincipalKind::System => true,
        }
    }

    pub fn actor(&self) -> Actor {
        match self.kind {
            PrincipalKind::Staff(_) => Actor::User {
                id: self.id.clone(),
                name: self.name.clone(),
            },
            PrincipalKind::System => Actor::System,
        }
    }
}

/// Who an event is attributed to on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User { id: String, name: String },
    System,
    Integration { name: String },
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User { .. } => "user",
            Actor::System => "system",
            Actor::Integration { .. } => "integration",
        }
    }
    pub fn id(&self) -> Option<String> {
        match self {
            Actor::User { id, .. } => Some(id.clone()),
            _ => None,
        }
    }
    pub fn name(&self) -> String {
        match self {
            Actor::User { name, .. } | Actor::Integration { name } => name.clone(),
            Actor::System => "Aftercart".into(),
        }
    }
}
