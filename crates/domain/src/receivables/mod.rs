//! Receivables: what a customer owes and how it gets paid — disputes and short-pays, online
//! payments, credit holds, remittance references, and (pure computations over invoices,
//! payments and credits) statements, aging, cash application and dunning.

pub mod credit;
pub mod dispute;
pub mod online;
pub mod remittance;
// -- computations (statements, aging, cash application, dunning) --
pub mod aging;
pub mod cash;
pub mod dunning;
pub mod statement;
// -- /computations --
