//! `aftercart bench`: a load generator that only talks to this machine (loopback), bounded in
//! count and in time.
//!
//! - `bench seed` bulk-loads ten-line orders straight through the application layer (no HTTP),
//!   so read benchmarks run against a realistically sized database.
//! - `bench run` drives a running server over HTTP with one scenario (`place`, `ship-invoice`,
//!   `status`, `tracking`), creating its own fixtures through the API first, and reports
//!   throughput and latency percentiles, as text on stderr and as one JSON line on stdout. The
//!   page scenarios (`page-order`, `page-dashboard`, `page-search`) sign in to the portal once
//!   and fetch server-rendered pages with that session. `ceiling` sends the authenticated no-op
//!   (`GET /api/v1/ping`), the floor the other figures are read against; `size` measures each
//!   step of an order's life on orders of 10, 100 and 1,000 lines (`size.rs`). Several `--url`
//!   spread the workers over several server processes on one database.
//! - `bench outbox` measures the outbox from commit to a webhook receiver's 2xx (`outbox.rs`).
//! - `bench receivables` times cash application of a bank statement and aging over a seeded
//!   book, in process (`receivables.rs`).
//! - `bench weight` measures what a browser transfers on the first load of a portal page (the
//!   page and every asset it links), against the page budgets.

mod client;
mod load;
mod outbox;
mod report;
mod seed;
mod size;
mod weight;
// -- exceptions --
mod detector;
// -- /exceptions --
// -- receivables --
mod receivables;
// -- /receivables --

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(clap::Subcommand)]
enum BenchCommand {
    /// Bulk-load N ten-line orders through the application layer (no server needed).
    Seed(seed::SeedArgs),
    /// Load-test a running server on a loopback address with one scenario.
    Run(load::RunArgs),
    /// Bytes a browser transfers on the first load of a portal page (default: the order page).
    Weight(weight::WeightArgs),
    /// The outbox from commit to a webhook receiver's 2xx, in process on loopback.
    Outbox(outbox::OutboxArgs),
    // -- exceptions --
    /// The exception detector's cost on a seeded database: a full pass and per triggering event.
    Detector(detector::DetectorArgs),
    // -- /exceptions --
    // -- receivables --
    /// Cash application (a bank statement of N entries) and aging (over N invoices), in process.
    Receivables(receivables::ReceivablesArgs),
    // -- /receivables --
}

pub async fn run(args: BenchArgs) -> Result<(), String> {
    match args.command {
        BenchCommand::Seed(a) => seed::run(a).await,
        BenchCommand::Run(a) => load::run(a).await,
        BenchCommand::Weight(a) => weight::run(a).await,
        BenchCommand::Outbox(a) => outbox::run(a).await,
        // -- exceptions --
        BenchCommand::Detector(a) => detector::run(a).await,
        // -- /exceptions --
        // -- receivables --
        BenchCommand::Receivables(a) => receivables::run(a).await,
        // -- /receivables --
    }
}

/// A cheap, deterministic mix of an integer (splitmix64): varies quantities and picks sample
/// ids without a shared random generator across tasks.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A short tag that makes this run's fixture numbers, SKUs and codes unique.
pub(crate) fn run_tag() -> String {
    let u = uuid::Uuid::now_v7().simple().to_string();
    // The last characters of a v7 UUID are random; the first are the time.
    u[u.len() - 8..].to_uppercase()
}
