//! Payment reminders as events: since receivables arrived, the accounts' dunning schedules
//! (`payments::dunning`) — each step recorded once per invoice by a de-duplication key, so the
//! fan-out turns them into milestones like any other event and several processes running the
//! pass never remind twice.

use crate::{App, Result};

impl App {
    /// The payment reminders pass: the accounts' dunning schedules (see `payments::dunning`);
    /// returns how many reminders were recorded.
    pub async fn run_payment_reminders(&self) -> Result<usize> {
        Ok(self.run_dunning().await?.sent)
    }
}
