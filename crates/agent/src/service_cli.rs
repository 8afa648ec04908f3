//! `seqhealth-agent service install|uninstall|run`: the agent as a Windows service (its
//! `watch` with absolute paths, started at boot); elsewhere, a pointer to systemd.

#[cfg(windows)]
use super::{fail, log, open_log, read_token, service, watch, Path, Target, WatchArgs};
use super::{ExitCode, ServiceCommand};
#[cfg(not(windows))]
use std::io::Write;

/// `service install|uninstall|run`: Windows only; elsewhere, a pointer to systemd.
#[cfg(not(windows))]
pub(super) async fn service_command(_action: ServiceCommand) -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "seqhealth-agent: `service` is for Windows; on Linux run `watch` from a systemd unit (see the README: \"Connect an instrument\")"
    );
    ExitCode::from(2)
}

#[cfg(windows)]
pub(super) async fn service_command(action: ServiceCommand) -> ExitCode {
    match action {
        ServiceCommand::Install { name, watch } => {
            let watch = match service_paths(watch) {
                Ok(w) => w,
                Err(e) => return fail(&format!("cannot make the paths absolute: {e}")),
            };
            // Checked now, not at boot: the configuration loads and the token is there.
            let target = match Target::from_args(&watch) {
                Ok(t) => t,
                Err(code) => return code,
            };
            if let Err(e) = read_token(&target.token_file) {
                return fail(&e);
            }
            let exe = match std::env::current_exe() {
                Ok(e) => e,
                Err(e) => return fail(&format!("cannot find seqhealth-agent.exe: {e}")),
            };
            let i = service::Install {
                name: name.clone(),
                exe,
                arguments: service_arguments(&watch),
            };
            if let Err(e) = service::install(&i) {
                return fail(&format!(
                    "cannot install the service {name}: {e} (run as administrator)"
                ));
            }
            println!(
                "Installed and started the Windows service {name}: it starts at boot and watches {}.\nSpool: {}\nLog: {}",
                watch.runs_dir.display(),
                watch.spool.display(),
                watch.log_dir.as_deref().unwrap_or(Path::new("")).join(log::LOG_FILE).display()
            );
            ExitCode::SUCCESS
        }
        ServiceCommand::Uninstall { name } => match service::uninstall(&name) {
            Ok(()) => {
                println!("Stopped and removed the Windows service {name}; the spool, configuration, token and logs stay.");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&format!("cannot remove the service {name}: {e}")),
        },
        ServiceCommand::Run { name, watch } => {
            // The SCM starts services in C:\Windows\System32: relative paths in an older
            // configuration are taken from the configuration's folder.
            if let Some(dir) = watch.config.as_deref().and_then(Path::parent) {
                let _ = std::env::set_current_dir(dir);
            }
            if let Some(dir) = &watch.log_dir {
                if let Err(code) = open_log(dir) {
                    return code;
                }
            }
            let runtime = tokio::runtime::Handle::current();
            let said = name.clone();
            let job = Box::new(move |stop: std::sync::Arc<tokio::sync::Notify>| {
                runtime.block_on(async move {
                    log::out(&format!("service {said} started"));
                    let target = match Target::from_args(&watch) {
                        Ok(t) => t,
                        Err(_) => return 1,
                    };
                    tokio::select! {
                        _ = stop.notified() => {
                            log::out("service stopping: the spool keeps what was not sent");
                            0
                        }
                        code = watch_status(&watch, &target) => code,
                    }
                })
            });
            // run() blocks this thread until the service stops; the runtime's other
            // threads drive `watch`.
            match tokio::task::block_in_place(|| service::run(&name, job)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&format!(
                    "`service run` is started by Windows' Service Control Manager ({e}); to run in this window use `watch`"
                )),
            }
        }
    }
}

/// `watch` for the service: its exit status as a number (the service's exit code).
#[cfg(windows)]
async fn watch_status(args: &WatchArgs, target: &Target) -> u8 {
    let feed = match args.local_feed() {
        Ok(f) => f,
        Err(e) => {
            log::err(&e);
            return 1;
        }
    };
    let code = watch(
        &args.runs_dir,
        target,
        &args.spool,
        args.every,
        false,
        feed.as_ref(),
    )
    .await;
    if code == ExitCode::SUCCESS {
        0
    } else {
        1
    }
}

/// The service's `watch` arguments with every path absolute (the SCM starts it elsewhere),
/// and a log folder (default: `logs` beside the spool).
#[cfg(windows)]
fn service_paths(mut w: WatchArgs) -> std::io::Result<WatchArgs> {
    use std::path::absolute;
    w.runs_dir = absolute(&w.runs_dir)?;
    w.spool = absolute(&w.spool)?;
    w.config = w.config.as_deref().map(absolute).transpose()?;
    w.token_file = w.token_file.as_deref().map(absolute).transpose()?;
    w.ca = w.ca.as_deref().map(absolute).transpose()?;
    w.feed = w.feed.as_deref().map(absolute).transpose()?;
    let logs = match &w.log_dir {
        Some(d) => absolute(d)?,
        None => w.spool.parent().unwrap_or(Path::new("")).join("logs"),
    };
    w.log_dir = Some(logs);
    w.once = false;
    Ok(w)
}

/// `watch`'s flags for the service's command line.
#[cfg(windows)]
fn service_arguments(w: &WatchArgs) -> Vec<std::ffi::OsString> {
    let mut a: Vec<std::ffi::OsString> = vec![w.runs_dir.clone().into()];
    let mut flag = |name: &str, value: std::ffi::OsString| {
        a.push(name.into());
        a.push(value);
    };
    if let Some(c) = &w.config {
        flag("--config", c.clone().into());
    }
    if let Some(s) = &w.server {
        flag("--server", s.into());
    }
    if let Some(t) = &w.token_file {
        flag("--token-file", t.clone().into());
    }
    if let Some(c) = &w.ca {
        flag("--ca", c.clone().into());
    }
    flag("--spool", w.spool.clone().into());
    flag("--every", w.every.to_string().into());
    if let Some(d) = &w.log_dir {
        flag("--log-dir", d.clone().into());
    }
    if let Some(f) = &w.feed {
        flag("--feed", f.clone().into());
    }
    for sensor in &w.feed_sensor {
        flag("--feed-sensor", sensor.into());
    }
    a
}
