//! Loopback load generator (filled in separately).

#[derive(clap::Args)]
pub struct BenchArgs {}

pub async fn run(_args: BenchArgs) -> Result<(), String> {
    Err("bench is not built yet".into())
}
