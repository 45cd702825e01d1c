//! The `ruche` binary: reads the settings (a TOML file, then `RUCHE_*` variables), then wires
//! the crates together for each subcommand. Nothing else lives here.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use ruche_domain::settings::Settings;
use ruche_domain::user::Role;
use ruche_tube::accounts::{self, NewAccount};
use ruche_tube::{Tube, housekeeping, worker};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "ruche",
    version,
    about = "Federated video hosting and one-page websites"
)]
struct Cli {
    /// A TOML settings file; RUCHE_* environment variables override it.
    #[arg(long, global = true, env = "RUCHE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Web, API and transcoding worker in one process.
    Serve,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// One-page sites: import and export their documents.
    Pages {
        #[command(subcommand)]
        command: PagesCommand,
    },
}

#[derive(Subcommand)]
enum PagesCommand {
    /// Import a site document (JSON) for a user: a new site, or a new revision of theirs.
    Import {
        #[arg(long)]
        owner: String,
        file: PathBuf,
    },
    /// Export a site's document (JSON) to a file ("-" for standard output).
    Export {
        #[arg(long)]
        site: String,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with its account and default channel.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "user")]
        role: Role,
        /// Read the password from standard input (its first line).
        #[arg(long)]
        password_stdin: bool,
    },
}

fn load_settings(path: Option<&Path>) -> Result<Settings> {
    let mut settings: Settings = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            toml::from_str(&text)
                .with_context(|| format!("{} is not a valid settings file", p.display()))?
        }
        None => Settings::default(),
    };
    settings.apply_env(std::env::vars())?;
    Ok(settings)
}

/// glibc's malloc keeps freed memory in per-thread arenas and raises its mmap threshold after
/// each large free, so the blocks of password hashes (19 MiB each, on blocking threads) and
/// decoded pictures stayed resident after a flood (+285 MB for 16 hashes, never given back).
/// A fixed threshold of 128 KiB makes every larger block a mapping of its own, returned to the
/// system when freed; two arenas per core bound what small blocks can scatter.
fn give_large_blocks_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(
            libc::M_ARENA_MAX,
            2 * std::thread::available_parallelism().map_or(2, |n| n.get()) as i32,
        );
    }
}

/// Every half minute, hands back to the system what malloc holds freed (`malloc_trim`). A
/// burst (the search index built at start, a flood of requests) leaves free blocks scattered in
/// glibc's arenas, which it otherwise keeps: after indexing 10,000 videos the server stayed
/// 24 MB above its size at start (bench/api/lists.py), and 9 MB more after a minute of load.
fn spawn_trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            every.tick().await;
            // SAFETY: malloc_trim only returns free pages; glibc locks each arena while it does.
            let _ = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
        }
    });
}

fn main() -> Result<()> {
    give_large_blocks_back();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?
        .block_on(run())
}

async fn run() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RUCHE_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        // A log nobody reads any more (a closed pipe) is lost, not fatal: tracing's own report
        // of the failed write goes through `eprintln!`, which panics on that same pipe, in
        // whatever task logged (the signal handler included, which then never stops us).
        .log_internal_errors(false)
        .init();
    let cli = Cli::parse();
    let settings = load_settings(cli.config.as_deref())?;
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            settings.data_dir.display()
        )
    })?;
    match cli.command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            Tube::open(settings).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Command::Pages { command } => pages(settings, command).await,
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    email,
                    role,
                    password_stdin,
                },
        } => {
            if !password_stdin {
                bail!("give the password on standard input with --password-stdin");
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.lines().next().unwrap_or_default().to_string();
            let tube = Tube::open(settings).await?;
            let id = accounts::create_user(
                &tube,
                &NewAccount {
                    username: &username,
                    email: &email,
                    password: &password,
                    role,
                    video_quota: None,
                    video_quota_daily: None,
                },
            )
            .await?;
            println!("Created user {username} (id {id}) with the channel {username}_channel.");
            Ok(())
        }
    }
}

async fn pages(settings: Settings, command: PagesCommand) -> Result<()> {
    let media = ruche_pages::media::Media::from_settings(&settings);
    let tube = Tube::open(settings).await?;
    match command {
        PagesCommand::Import { owner, file } => {
            let json =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut c = tube.store.read().await?;
            let user = ruche_store::users::user_by_login(c.ex(), &owner)
                .await?
                .with_context(|| format!("no user {owner:?}"))?;
            drop(c);
            match ruche_pages::sites::import(&tube.store, &media, user.id, &json).await? {
                ruche_pages::sites::Imported::Created { slug } => {
                    println!("Created the site {slug}.")
                }
                ruche_pages::sites::Imported::Updated { slug, version } => {
                    println!("Imported into the site {slug} (revision {version}).")
                }
            }
        }
        PagesCommand::Export { site, file } => {
            let json = ruche_pages::sites::export(&tube.store, &media, &site).await?;
            if file.as_os_str() == "-" {
                println!("{json}");
            } else {
                std::fs::write(&file, json)
                    .with_context(|| format!("cannot write {}", file.display()))?;
                println!("Exported the site {site} to {}.", file.display());
            }
        }
    }
    Ok(())
}

/// Holds an exclusive lock on the data directory for as long as the server runs, so a second
/// `ruche serve` on the same data is refused instead of corrupting it.
fn lock_data_dir(dir: &Path) -> Result<std::fs::File> {
    let path = dir.join("ruche.lock");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            bail!(
                "another `ruche serve` (pid {}) is already running on the data directory {}; stop it first, or give this one another RUCHE_DATA_DIR",
                pid.trim(),
                dir.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).context("cannot lock the data directory");
        }
    }
    file.set_len(0)?;
    write!(file, "{}", std::process::id())?;
    Ok(file)
}

/// `url` with `port` in place of a port 0 (`http://127.0.0.1:0`); any other URL unchanged.
fn with_port(url: &str, port: u16) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once(':') {
        Some((host, "0")) => format!("{scheme}://{host}:{port}{tail}"),
        _ => url.to_string(),
    }
}

async fn serve(mut settings: Settings) -> Result<()> {
    // SIGTERM or SIGINT (Ctrl-C) stops the server gracefully: no new connection, the requests
    // in flight finish (`[http] shutdown_grace_secs` at most), then the process exits 0. A
    // second signal meanwhile exits at once. Listening for them starts before anything else,
    // so an early signal is not the default (abrupt) death.
    let shutdown = ruche_web::CancellationToken::new();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            tracing::info!("stopping: finishing the requests in flight");
            shutdown.cancel();
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            tracing::warn!("stopping now");
            std::process::exit(1);
        }
    });
    let _lock = lock_data_dir(&settings.data_dir)?;
    // Bound before anything reads the public URL: on port 0 the system picks the port, and a
    // public URL of port 0 takes it (the rule of `Settings::public_url`).
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let port = listener
        .local_addr()
        .context("cannot read the listening address")?
        .port();
    settings.public_url = with_port(&settings.public_url, port);
    let public_url = settings.public_url.clone();
    let tube = Tube::open(settings).await?;
    housekeeping::recover_after_restart(&tube).await?;
    let admin_password = ensure_admin(&tube).await?;
    // The job loops get the same `shutdown`. Those that take it already stop with the HTTP
    // server; the others (transcoding) end with the process, as a crash would end them (their
    // jobs' leases lapse and the jobs run again). Waiting for the loops after
    // `ruche_web::serve` returns, and the mail queue's wake-up, are for their owner to finish.
    worker::spawn(tube.clone(), shutdown.clone());
    ruche_tube::imports::spawn(tube.clone(), shutdown.clone());
    ruche_tube::federation::spawn(tube.clone(), shutdown.clone());
    housekeeping::spawn(tube.clone(), shutdown.clone());
    ruche_tube::tracker::spawn(tube.clone(), shutdown.clone());
    ruche_web::mail::spawn(tube.clone(), shutdown.clone());
    ruche_pages::sites::spawn_housekeeping(tube.store.clone(), shutdown.clone());
    spawn_trim();
    // The banner is for whoever started us; if nobody reads it any more (a closed pipe), the
    // server runs on regardless (a failed write must not stop it, nor its shutdown).
    let mut out = std::io::stdout();
    let _ = writeln!(out, "Ruche is running at {public_url}");
    if let Some(pw) = admin_password {
        let _ = writeln!(out, "Administrator login: root / {pw}");
        let _ = writeln!(
            out,
            "(This password is shown once; change it under \"My account\" after logging in.)"
        );
    }
    let _ = out.flush();
    ruche_web::serve(tube, listener, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// On an empty database, creates the administrator `root` with a random password.
async fn ensure_admin(tube: &Tube) -> Result<Option<String>> {
    let mut c = tube.store.read().await?;
    if ruche_store::users::count_users(c.ex()).await? > 0 {
        return Ok(None);
    }
    drop(c);
    let password = ruche_domain::ids::random_hex(10);
    accounts::create_user(
        tube,
        &NewAccount {
            username: "root",
            email: "root@localhost.localdomain",
            password: &password,
            role: Role::Admin,
            video_quota: Some(-1),
            video_quota_daily: Some(-1),
        },
    )
    .await?;
    Ok(Some(password))
}

#[cfg(test)]
mod tests {
    use super::with_port;

    #[test]
    fn a_public_url_of_port_0_takes_the_bound_port() {
        assert_eq!(
            with_port("http://127.0.0.1:0", 4321),
            "http://127.0.0.1:4321"
        );
        assert_eq!(with_port("http://localhost:0", 80), "http://localhost:80");
        assert_eq!(with_port("http://[::1]:0", 4321), "http://[::1]:4321");
        assert_eq!(
            with_port("https://example.org:0/tube", 443),
            "https://example.org:443/tube"
        );
        for kept in [
            "http://127.0.0.1:9000",
            "http://127.0.0.1:10",
            "https://example.org",
            "https://example.org/a:0",
            "http://[::0]",
            "not a url",
        ] {
            assert_eq!(with_port(kept, 4321), kept);
        }
    }
}
