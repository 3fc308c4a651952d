//! The dropship network: which supplier a line goes to (`routing`), what suppliers report they
//! hold (`stock`), and how reliably they ship by the date they confirmed (`sla`). Pure rules; the
//! app loads the rules, stock and orders and writes the outcome through the order commands.

pub mod routing;
pub mod sla;
pub mod stock;

pub use routing::{Candidate, Outcome, RouteLine, RoutingRule, Unrouted, route};
pub use sla::{ShipmentFact, SupplierSla, on_time_rates};
pub use stock::{StockLevel, StockRow, SupplierStock};
