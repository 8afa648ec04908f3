//! The agent as a Windows service (the `windows-service` crate): `service install` registers
//! `seqhealth-agent service run …` with the Service Control Manager to start at boot
//! (automatic start, as LocalSystem, restarted a minute after a failure), and starts it;
//! `service run` is what the SCM starts: it runs `watch` until told to stop (Stop, or
//! Shutdown when Windows shuts down or reboots); `service uninstall` stops and removes it.
//! On Linux and other systems these commands say to use systemd (see the README).

/// The service's name, unless `--name` says otherwise.
pub const SERVICE_NAME: &str = "seqhealth-agent";

#[cfg(windows)]
pub use imp::{install, run, uninstall, Install};

#[cfg(windows)]
mod imp {
    use std::ffi::{OsStr, OsString};
    use std::io;
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    use tokio::sync::Notify;
    use windows_service::service::{
        ServiceAccess, ServiceAction, ServiceActionType, ServiceControl, ServiceControlAccept,
        ServiceErrorControl, ServiceExitCode, ServiceFailureActions, ServiceFailureResetPeriod,
        ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
    };
    use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
    use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
    use windows_service::{define_windows_service, service_dispatcher};

    fn err(e: windows_service::Error) -> io::Error {
        match e {
            windows_service::Error::Winapi(io) => io,
            other => io::Error::other(other),
        }
    }

    /// What `service install` registers.
    pub struct Install {
        pub name: String,
        /// `seqhealth-agent.exe` itself.
        pub exe: PathBuf,
        /// What follows `service run` on the service's command line (absolute paths).
        pub arguments: Vec<OsString>,
    }

    /// Registers the service (automatic start at boot, LocalSystem, restart on failure) and
    /// starts it. Needs an administrator.
    pub fn install(i: &Install) -> io::Result<()> {
        let manager = ServiceManager::local_computer(
            None::<&str>,
            ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE,
        )
        .map_err(err)?;
        let mut launch_arguments: Vec<OsString> = vec![
            "service".into(),
            "run".into(),
            "--name".into(),
            (&i.name).into(),
        ];
        launch_arguments.extend(i.arguments.iter().cloned());
        let info = ServiceInfo {
            name: OsString::from(&i.name),
            // Display names are unique too.
            display_name: OsString::from(if i.name == super::SERVICE_NAME {
                "seqhealth agent".to_string()
            } else {
                format!("seqhealth agent ({})", i.name)
            }),
            service_type: ServiceType::OWN_PROCESS,
            start_type: ServiceStartType::AutoStart,
            error_control: ServiceErrorControl::Normal,
            executable_path: i.exe.clone(),
            launch_arguments,
            dependencies: vec![],
            account_name: None, // LocalSystem
            account_password: None,
        };
        let service = manager
            .create_service(
                &info,
                ServiceAccess::CHANGE_CONFIG | ServiceAccess::START | ServiceAccess::QUERY_STATUS,
            )
            .map_err(err)?;
        service
            .set_description(
                "Sends this instrument's performance data (allow-listed) to the lab's seqhealth server",
            )
            .map_err(err)?;
        let restart = ServiceAction {
            action_type: ServiceActionType::Restart,
            delay: Duration::from_secs(60),
        };
        // Restart a minute after a failure; a `watch` that ends with an error status (not
        // only a crash) counts too. Wine 8.0 knows neither setting (ERROR_INVALID_LEVEL):
        // said, and the service is installed without them.
        let restarts = service
            .update_failure_actions(ServiceFailureActions {
                reset_period: ServiceFailureResetPeriod::After(Duration::from_secs(24 * 3600)),
                reboot_msg: None,
                command: None,
                actions: Some(vec![restart.clone(), restart.clone(), restart]),
            })
            .and_then(|()| service.set_failure_actions_on_non_crash_failures(true));
        if let Err(e) = restarts {
            crate::log::err(&format!(
                "warning: the service will not be restarted after a failure: {}",
                err(e)
            ));
        }
        // The service manager answers "database locked" (1055) while it is still starting
        // up (right after boot; Wine's on a fresh session): wait for it, up to 30 s.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match service.start(&[] as &[&OsStr]).map_err(err) {
                Err(e) if e.raw_os_error() == Some(1055) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(250));
                }
                done => return done,
            }
        }
    }

    /// Stops the service (waiting up to 30 s) and removes it.
    pub fn uninstall(name: &str) -> io::Result<()> {
        let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)
            .map_err(err)?;
        let service = manager
            .open_service(
                name,
                ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE,
            )
            .map_err(err)?;
        if service.query_status().map_err(err)?.current_state != ServiceState::Stopped {
            let _ = service.stop();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline
                && service.query_status().map_err(err)?.current_state != ServiceState::Stopped
            {
                std::thread::sleep(Duration::from_millis(250));
            }
        }
        service.delete().map_err(err)
    }

    /// The job `service run` hands to the SCM's thread: runs until `stop` is notified, and
    /// returns the exit status (0 for a clean stop).
    type Job = Box<dyn FnOnce(Arc<Notify>) -> u8 + Send>;

    static JOB: Mutex<Option<(String, Job)>> = Mutex::new(None);

    define_windows_service!(ffi_service_main, service_main);

    /// Hands `job` to the Service Control Manager and returns when the service has stopped.
    /// Fails at once (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) when not started by the SCM.
    pub fn run(name: &str, job: Job) -> io::Result<()> {
        *JOB.lock().unwrap_or_else(|p| p.into_inner()) = Some((name.to_string(), job));
        service_dispatcher::start(name, ffi_service_main).map_err(err)
    }

    fn status(state: ServiceState, code: u8) -> ServiceStatus {
        ServiceStatus {
            service_type: ServiceType::OWN_PROCESS,
            current_state: state,
            controls_accepted: if state == ServiceState::Running {
                ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN
            } else {
                ServiceControlAccept::empty()
            },
            exit_code: if code == 0 {
                ServiceExitCode::Win32(0)
            } else {
                ServiceExitCode::ServiceSpecific(code.into())
            },
            checkpoint: 0,
            wait_hint: Duration::from_secs(10),
            process_id: None,
        }
    }

    fn service_main(_arguments: Vec<OsString>) {
        let Some((name, job)) = JOB.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return;
        };
        let stop = Arc::new(Notify::new());
        let told = stop.clone();
        let handler = move |control| match control {
            // Shutdown: Windows is shutting down or rebooting. The spool is on disk already.
            ServiceControl::Stop | ServiceControl::Shutdown => {
                told.notify_one();
                ServiceControlHandlerResult::NoError
            }
            ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
            _ => ServiceControlHandlerResult::NotImplemented,
        };
        let handle = match service_control_handler::register(&name, handler) {
            Ok(h) => h,
            Err(e) => {
                crate::log::err(&format!("cannot register the service {name}: {e}"));
                return;
            }
        };
        let _ = handle.set_service_status(status(ServiceState::Running, 0));
        let code = job(stop);
        let _ = handle.set_service_status(status(ServiceState::Stopped, code));
    }
}
