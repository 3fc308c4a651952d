//! Sign-in throttling and the record of every sign-in attempt.
//!
//! Every attempt is a document of its own, inserted *before* the password is checked and given
//! its outcome afterwards. Counting failures is then counting documents: concurrent attempts
//! never overwrite one another's count (there is no read-modify-write to lose), and a burst
//! sees its own earlier members as they commit, so it cannot buy more guesses than one attempt
//! at a time would. Nothing is written to the user, so correct sign-ins never conflict.
//!
//! The rule, over the attempts since the user's last successful sign-in (at most the last
//! [`WINDOW`]):
//! - **per address**: after [`ADDRESS_FREE`] failures from one client address, that address must
//!   wait before its next attempt — [`BACKOFF_BASE`] after the 5th failure, doubling with each
//!   further failure, at most [`BACKOFF_MAX`];
//! - **per user**: after [`USER_FREE`] failures from all addresses together (a distributed
//!   guess), every address waits the same way.
//!
//! An attempt made while waiting is refused like a wrong password, after the same work, without
//! checking the password; it is recorded (`throttled`) but does not lengthen the wait, so a
//! victim is kept out only while someone keeps guessing from *their* address, or from many.
//! The per-address limit of sign-in requests a minute (in the API) comes on top.

use crate::docs::Doc;
use crate::principal::Principal;
use aftercart_domain::ids::{AccountId, UserId};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub const ADDRESS_FREE: usize = 5;
pub const USER_FREE: usize = 50;
pub const BACKOFF_BASE: Duration = Duration::seconds(30);
pub const BACKOFF_MAX: Duration = Duration::minutes(15);
pub const WINDOW: Duration = Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInOutcome {
    /// Recorded, password not yet checked (or the request died): counts as a failure.
    Pending,
    Failed,
    Succeeded,
}

/// One sign-in attempt: who (the email given, and the user it names if any), when, from where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInAttempt {
    pub id: Uuid,
    pub email: String,
    pub user_id: Option<UserId>,
    pub account_id: Option<AccountId>,
    /// The client address (the peer, or `X-Forwarded-For` when the server is told to trust it).
    pub address: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub outcome: SignInOutcome,
    /// Refused without checking the password, because the address or user had to wait.
    #[serde(default)]
    pub throttled: bool,
}

impl Doc for SignInAttempt {
    const KIND: &'static str = "sign_in_attempt";
    const WHAT: &'static str = "sign-in attempt";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        self.account_id
    }
    fn status(&self) -> Option<String> {
        Some(
            match self.outcome {
                SignInOutcome::Pending => "pending",
                SignInOutcome::Failed => "failed",
                SignInOutcome::Succeeded => "succeeded",
            }
            .into(),
        )
    }
    fn at(&self) -> OffsetDateTime {
        self.at
    }
    /// A customer's attempts: that account (the route is for user managers: account admins);
    /// attempts on staff, suppliers and unknown emails: seller staff.
    fn visible_to(&self, p: &Principal) -> bool {
        match self.account_id {
            Some(a) => p.sees_account(a),
            None => p.is_seller(),
        }
    }
}

/// The secondary key attempts are listed by: the user, or (unknown email) the email's hash.
pub(crate) fn subject_key(user: Option<UserId>, email: &str) -> String {
    match user {
        Some(u) => u.0.to_string(),
        None => format!("email:{}", super::sha256_hex(email)),
    }
}

fn backoff(over: usize) -> Duration {
    let doublings = over.min(10) as i32;
    (BACKOFF_BASE * 2i32.pow(doublings as u32)).min(BACKOFF_MAX)
}

/// Until when the next attempt from `address` must wait, given the subject's earlier attempts
/// (newest first, without the current one); `None` when it may go ahead.
pub fn wait_until(history: &[SignInAttempt], address: Option<&str>, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let counted: Vec<&SignInAttempt> = history
        .iter()
        .take_while(|a| a.outcome != SignInOutcome::Succeeded && now - a.at < WINDOW)
        .filter(|a| !a.throttled)
        .collect();
    let rule = |failures: Vec<&&SignInAttempt>, free: usize| -> Option<OffsetDateTime> {
        if failures.len() < free {
            return None;
        }
        let last = failures.iter().map(|a| a.at).max()?;
        Some(last + backoff(failures.len() - free))
    };
    let by_address = rule(
        counted.iter().filter(|a| a.address.as_deref() == address).collect(),
        ADDRESS_FREE,
    );
    let by_user = rule(counted.iter().collect(), USER_FREE);
    by_address.into_iter().chain(by_user).max().filter(|t| *t > now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn failed(at: OffsetDateTime, addr: &str) -> SignInAttempt {
        SignInAttempt {
            id: Uuid::now_v7(),
            email: "a@b.c".into(),
            user_id: None,
            account_id: None,
            address: Some(addr.into()),
            at,
            outcome: SignInOutcome::Failed,
            throttled: false,
        }
    }

    #[test]
    fn backoff_doubles_per_address_and_spares_other_addresses() {
        let t0 = datetime!(2026-11-20 15:00 UTC);
        let h: Vec<_> = (0..4).map(|_| failed(t0, "10.0.0.1")).collect();
        assert_eq!(wait_until(&h, Some("10.0.0.1"), t0), None, "four failures: no wait");
        let h: Vec<_> = (0..5).map(|_| failed(t0, "10.0.0.1")).collect();
        assert_eq!(wait_until(&h, Some("10.0.0.1"), t0), Some(t0 + Duration::seconds(30)));
        assert_eq!(
            wait_until(&h, Some("10.0.0.2"), t0),
            None,
            "the victim elsewhere signs in"
        );
        let h: Vec<_> = (0..7).map(|_| failed(t0, "10.0.0.1")).collect();
        assert_eq!(wait_until(&h, Some("10.0.0.1"), t0), Some(t0 + Duration::minutes(2)));
        let h: Vec<_> = (0..40).map(|_| failed(t0, "10.0.0.1")).collect();
        assert_eq!(wait_until(&h, Some("10.0.0.1"), t0), Some(t0 + BACKOFF_MAX), "capped");
        // Many addresses together hold everyone back.
        let h: Vec<_> = (0..50).map(|i| failed(t0, &format!("10.1.0.{i}"))).collect();
        assert_eq!(wait_until(&h, Some("10.0.0.2"), t0), Some(t0 + BACKOFF_BASE));
        // A success ends the count; throttled attempts never lengthen the wait.
        let mut h: Vec<_> = (0..5).map(|_| failed(t0, "10.0.0.1")).collect();
        h.insert(
            0,
            SignInAttempt {
                outcome: SignInOutcome::Succeeded,
                ..failed(t0, "10.0.0.9")
            },
        );
        assert_eq!(wait_until(&h, Some("10.0.0.1"), t0), None);
        let mut h: Vec<_> = (0..5).map(|_| failed(t0, "10.0.0.1")).collect();
        for _ in 0..20 {
            h.insert(
                0,
                SignInAttempt {
                    throttled: true,
                    ..failed(t0, "10.0.0.1")
                },
            );
        }
        assert_eq!(wait_until(&h, Some("10.0.0.1"), t0), Some(t0 + BACKOFF_BASE));
    }
}
