//! The `fake-jira` binary: starts the fake, prints one JSON line with the credentials, serves until
//! killed.

use clap::Parser;

/// A faithful fake of Jira Cloud, the Atlassian auth server and gateway, and Jira Data Center.
#[derive(Parser)]
struct Cli {
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: std::net::SocketAddr,
    /// Approve authorizations without showing the consent page.
    #[arg(long)]
    auto_approve: bool,
    /// Registered callback URL (repeatable).
    #[arg(long = "redirect-uri")]
    redirect_uri: Vec<String>,
    /// Extra generated issues.
    #[arg(long)]
    issues: Option<usize>,
    /// Latency added to every request, ms.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Data seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Reusing a rotated refresh token after the leeway is refused without revoking its family
    /// (Atlassian revokes it; so does the fake by default).
    #[arg(long)]
    lenient_refresh: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    let mut opts = fake_jira::Options {
        addr: cli.addr,
        auto_approve: cli.auto_approve,
        issues: cli.issues,
        latency_ms: cli.latency_ms,
        seed: cli.seed,
        lenient_refresh: cli.lenient_refresh,
        ..Default::default()
    };
    if !cli.redirect_uri.is_empty() {
        opts.redirect_uris = cli.redirect_uri;
    }
    let fake = fake_jira::FakeJira::start(opts).await?;
    println!("{}", fake.info());
    std::future::pending::<()>().await;
    Ok(())
}
