//! `seqhealth-server`: parses flags and serves (`launch`); or sets a lab up (`init`), backs
//! the database up, restores it, or changes its key (`backup`, `restore`, `rekey`).

use clap::{Parser, Subcommand};
use seqhealth_server::launch::{self, database_key, key_from, ServeArgs, NEW_KEY_ENV};
use seqhealth_server::store::{self as db, AtRest};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(version, about = "seqhealth: instrument health for sequencing labs")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Set seqhealth up on an empty database: create the lab and print a one-time link
    /// (valid 24 h) at which its first manager sets a name and a password.
    Init {
        /// The lab's name, as its people know it.
        #[arg(long, env = "SEQHEALTH_LAB")]
        lab: String,
        /// The lab's IANA time zone (Europe/Berlin, America/Chicago, …): every date the
        /// dashboard shows is in it.
        #[arg(long, env = "SEQHEALTH_TIME_ZONE")]
        time_zone: String,
        /// The first manager's email address.
        #[arg(long, env = "SEQHEALTH_MANAGER_EMAIL")]
        manager_email: String,
        /// Add this lab to a server that has labs already (each lab sees only its own).
        #[arg(long, env = "SEQHEALTH_ANOTHER_LAB")]
        another_lab: bool,
    },
    /// People, for operators (when the lab's only manager is away): list, add, disable,
    /// reset-link.
    Users {
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Copy the database to a new file while the server keeps running and ingesting: a
    /// consistent snapshot (one read transaction, `VACUUM INTO`), encrypted with the
    /// database's key when it has one, reopened and checked before it is reported.
    Backup {
        /// The backup file to create (never overwritten).
        path: PathBuf,
    },
    /// Bring a backup back as the database (--database-url). The key is the one the
    /// database had when the backup was made.
    Restore {
        /// The backup file made by `backup`.
        path: PathBuf,
        /// Replace an existing database (only when no server has it open).
        #[arg(long)]
        force: bool,
    },
    /// Re-encrypt the database with a new key, keeping every row (the server stopped).
    /// Without a current key, encrypts an unencrypted database.
    Rekey {
        /// A file holding the new key (64 hex digits); or SEQHEALTH_NEW_DATABASE_KEY.
        #[arg(long, env = "SEQHEALTH_NEW_DATABASE_KEY_FILE")]
        new_key_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum UsersAction {
    /// Every lab's people: lab, name, email, role, whether active.
    List,
    /// Invite someone into a lab: prints the one-time link (7 days) to send them.
    Add {
        #[arg(long)]
        lab: String,
        #[arg(long)]
        email: String,
        /// manager or viewer.
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// Deactivate someone: their sessions end, they cannot log in (a lab keeps one active
    /// manager).
    Disable {
        #[arg(long)]
        email: String,
    },
    /// A one-time link (24 h) at which someone who forgot their password chooses a new one.
    ResetLink {
        #[arg(long)]
        email: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    launch::log_to_stderr();
    let cli = Cli::parse();
    let done = match &cli.command {
        None => serve(&cli.serve).await,
        Some(command) => admin(&cli.serve, command).await,
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: &ServeArgs) -> Result<(), String> {
    let started = launch::start(args).await?;
    // A fresh database: nobody can log in until a lab is set up.
    if !seqhealth_server::domain::invitations::has_labs(&started.pool)
        .await
        .map_err(|e| e.to_string())?
    {
        tracing::warn!(
            "this database has no lab yet, so nobody can log in: set one up with \
             `seqhealth-server init --lab \"<name>\" --time-zone <IANA zone> --manager-email <email>` \
             (same --database-url), then open the link it prints"
        );
    }
    launch::wait(started).await
}

/// `backup`, `restore`, `rekey`: one operation on the database file, said on stdout.
/// (Without a command, the server serves.)
async fn admin(cli: &ServeArgs, command: &Command) -> Result<(), String> {
    let key = database_key(cli.database_key_file.as_deref())?;
    let url = &cli.database_url;
    if db::Backend::of_url(url) == db::Backend::Postgres && !matches!(command, Command::Init { .. })
    {
        return Err(
            "backup, restore and rekey work on the embedded SQLite database's file; \
             for PostgreSQL use its own tools (pg_dump / pg_restore, or base backups)"
                .into(),
        );
    }
    let how = |at_rest: AtRest| match at_rest {
        AtRest::Encrypted => "encrypted with the database's key",
        _ => "NOT encrypted (the database has no key)",
    };
    let rows = |tables: &db::TableCounts| tables.iter().map(|t| t.1).sum::<i64>();
    match command {
        Command::Init {
            lab,
            time_zone,
            manager_email,
            another_lab,
        } => {
            let (pool, _) = db::open(url, key.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            let now = chrono::Utc::now().timestamp();
            let (_, token) = seqhealth_server::domain::invitations::init_lab(
                &pool,
                lab,
                time_zone,
                manager_email,
                *another_lab,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "Lab {lab:?} is set up ({time_zone}). Its first manager, {}, opens this link \
                 within 24 hours to choose a name and a password (it works once):\n\n  {}/accept/{token}\n",
                manager_email.trim().to_lowercase(),
                cli.public_url()
            );
            return Ok(());
        }
        Command::Users { action } => {
            let (pool, _) = db::open(url, key.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            return users(&pool, action, &cli.public_url()).await;
        }
        Command::Backup { path } => {
            let t = std::time::Instant::now();
            let c = db::backup(url, key.as_ref(), path)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "backup of {url} written to {} in {:.1} s: {} bytes, {}; reopened and checked: \
                 {} tables, {} rows",
                c.path.display(),
                t.elapsed().as_secs_f64(),
                c.bytes,
                how(c.at_rest),
                c.tables.len(),
                rows(&c.tables)
            );
        }
        Command::Restore { path, force } => {
            let c = db::restore(url, key.as_ref(), path, *force)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{} restored from {}: {} bytes, {}; reopened and checked: {} tables, {} rows",
                c.path.display(),
                path.display(),
                c.bytes,
                how(c.at_rest),
                c.tables.len(),
                rows(&c.tables)
            );
        }
        Command::Rekey { new_key_file } => {
            let new = key_from(
                new_key_file.as_deref(),
                NEW_KEY_ENV,
                "--new-key-file (SEQHEALTH_NEW_DATABASE_KEY_FILE)",
            )?
            .ok_or_else(|| {
                format!("rekey needs the new key: --new-key-file <file> or {NEW_KEY_ENV}")
            })?;
            let tables = db::rekey(url, key.as_ref(), &new)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{url} is now encrypted with the new key ({} tables, {} rows kept); the old \
                 key no longer opens it. Backups made before keep the key they were made with.",
                tables.len(),
                rows(&tables)
            );
        }
    }
    Ok(())
}

/// `users list|add|disable`: one change, said on stdout (and in the audit log as done by
/// seqhealth itself, not by a lab's user).
async fn users(pool: &sqlx::AnyPool, action: &UsersAction, public_url: &str) -> Result<(), String> {
    use seqhealth_server::domain::{invitations, people};
    let now = chrono::Utc::now().timestamp();
    let e = |e: seqhealth_server::error::AppError| e.to_string();
    match action {
        UsersAction::List => {
            // Tab-separated: lab, name, email, role, state, last login (UTC).
            for p in people::everyone(pool, now).await.map_err(e)? {
                let last = p
                    .last_login
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map_or_else(
                        || "never".into(),
                        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
                    );
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{last}",
                    p.lab, p.name, p.email, p.role, p.state
                );
            }
        }
        UsersAction::Add { lab, email, role } => {
            let role = seqhealth_api::Role::parse(role)
                .ok_or_else(|| format!("--role must be manager or viewer, not {role:?}"))?;
            let lab_id = invitations::lab_named(pool, lab).await.map_err(e)?;
            let mut tx = db::begin_write(pool).await.map_err(|x| x.to_string())?;
            let link = invitations::invite(&mut tx, lab_id, None, email, role, now)
                .await
                .map_err(e)?;
            tx.commit().await.map_err(|x| x.to_string())?;
            println!(
                "{} is invited to {lab} as a {}. Send them this link (it works once, for 7 days):\n\n  {public_url}/accept/{}\n",
                link.email,
                role.as_str(),
                link.token
            );
        }
        UsersAction::Disable { email } => {
            let (lab_id, user_id) = people::by_email(pool, email).await.map_err(e)?;
            let mut tx = db::begin_write(pool).await.map_err(|x| x.to_string())?;
            people::deactivate(&mut tx, lab_id, None, user_id, now)
                .await
                .map_err(e)?;
            tx.commit().await.map_err(|x| x.to_string())?;
            println!(
                "{} is deactivated: their sessions ended and they cannot log in",
                email.trim()
            );
        }
        UsersAction::ResetLink { email } => {
            let (_, user_id) = people::by_email(pool, email).await.map_err(e)?;
            let mut tx = db::begin_write(pool).await.map_err(|x| x.to_string())?;
            let token = seqhealth_server::domain::resets::issue(
                &mut tx,
                user_id,
                now,
                seqhealth_api::people::RESET_LINK_HOURS,
            )
            .await
            .map_err(e)?;
            tx.commit().await.map_err(|x| x.to_string())?;
            println!(
                "Send {} this link to choose a new password (it works once, for 24 hours; \
                 their sessions end when it is used):\n\n  {public_url}/reset/{token}\n",
                email.trim()
            );
        }
    }
    Ok(())
}
