//! The Stripe adapter over real HTTP: against localstripe (scripts/localstripe.sh; the suite
//! fails without it) for customers, methods, charges and signed webhooks, and against a capture
//! server for what localstripe does not do (idempotency keys, Stripe's failure statuses, ACH).

mod bank_debit;
mod cards;
mod http;
mod support;
mod webhooks;
