//! The agent's configuration file, written by `enroll` and read by `watch` and `sharing`:
//! where to send, the token file, the CA to trust, and the lab's "send performance data"
//! switch. JSON, replaced atomically, so a crash never leaves half a file.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Default file names, in the agent's working directory.
pub const CONFIG_FILE: &str = "seqhealth-agent.json";
pub const TOKEN_FILE: &str = "seqhealth-token";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub server: String,
    pub token_file: PathBuf,
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// The "send performance data" switch: off, nothing leaves the instrument (runs are
    /// still summarised into the spool, and sent once it is on again).
    pub sharing: bool,
    pub sharing_changed_at: DateTime<Utc>,
    /// Who the server says this instrument is (for people reading the file).
    #[serde(default)]
    pub instrument: Option<String>,
    /// A local feed of sensor readings to tail (JSON lines: a file or a folder of them),
    /// as `watch --feed`; the lab adds it by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<PathBuf>,
    /// The sensors the feed may carry (as `watch --feed-sensor`); others are refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feed_sensors: Vec<String>,
}

impl AgentConfig {
    pub fn load(path: &Path) -> io::Result<AgentConfig> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not a seqhealth agent configuration: {e}",
                    path.display()
                ),
            )
        })
    }

    pub fn save(&self, path: &Path) -> io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        write_atomically(path, text.as_bytes(), false)
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`; with
/// `secret`, the file is created readable and writable by its owner only. On Windows every
/// file written here is owner-only (a protected DACL: see [`crate::access`]).
///
/// The temporary file is always created afresh (`O_CREAT | O_EXCL`, and on Unix
/// `O_NOFOLLOW` with its mode set at creation): a file or symbolic link already at its
/// name (a crash's leftover, or planted by someone who can write the directory) is
/// removed first, never written through, and if one appears again in between, the write
/// fails instead of following it. So the token never lands in a file someone else made,
/// nor in one readable by others.
pub fn write_atomically(path: &Path, bytes: &[u8], secret: bool) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let tmp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
    // `remove_file` removes a symbolic link itself, not what it points to.
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(if secret { 0o600 } else { 0o644 })
            .custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        use windows_sys::Win32::Storage::FileSystem::{
            FILE_FLAG_OPEN_REPARSE_POINT, FILE_GENERIC_WRITE, READ_CONTROL, WRITE_DAC,
        };
        // Nobody else can open the new file while this handle is open (share mode 0), and
        // its owner-only DACL is set through the handle before a byte is written.
        options
            .share_mode(0)
            .access_mode(FILE_GENERIC_WRITE | WRITE_DAC | READ_CONTROL)
            .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
    }
    let mut f = options.open(&tmp).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot create {} afresh: {e}", tmp.display()),
        )
    })?;
    let restricted = if secret || cfg!(windows) {
        crate::access::restrict_file(&f).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot make {} owner-only: {e}", tmp.display()),
            )
        })
    } else {
        Ok(())
    };
    let written = restricted.and_then(|()| f.write_all(bytes).and_then(|()| f.sync_all()));
    drop(f);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_config_loads_back_and_the_token_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let c = AgentConfig {
            server: "https://seqhealth.example".into(),
            token_file: dir.path().join(TOKEN_FILE),
            ca: None,
            sharing: true,
            sharing_changed_at: Utc::now(),
            instrument: Some("Orion (VH09999)".into()),
            feed: Some(dir.path().join("room.jsonl")),
            feed_sensors: vec!["room_temp_c".into()],
        };
        let path = dir.path().join(CONFIG_FILE);
        c.save(&path).unwrap();
        assert_eq!(AgentConfig::load(&path).unwrap(), c);
        write_atomically(&c.token_file, b"secret", true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&c.token_file)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        if !crate::access::dacls_unkept() {
            assert!(!crate::access::readable_by_others(&c.token_file).unwrap());
        }
        std::fs::write(&path, r#"{"server": 1}"#).unwrap();
        assert!(AgentConfig::load(&path)
            .unwrap_err()
            .to_string()
            .contains("not a seqhealth agent configuration"));
    }

    /// On Windows the token and the configuration get a protected DACL that allows the
    /// agent's account (and LocalSystem) only, read back through GetNamedSecurityInfoW; a
    /// file written the ordinary way next to them does not pass the same check.
    #[cfg(windows)]
    #[test]
    fn the_token_and_configuration_have_an_owner_only_dacl() {
        use crate::access::{read_dacl, readable_by_others};
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join(TOKEN_FILE);
        write_atomically(&token, b"secret", true).unwrap();
        let config = dir.path().join(CONFIG_FILE);
        write_atomically(&config, b"{}", false).unwrap();
        assert_eq!(std::fs::read_to_string(&token).unwrap(), "secret");
        if crate::access::dacls_unkept() {
            // Debian's Wine 8.0 wineserver is built without extended-attribute support: it
            // accepts the DACL (SetSecurityInfo succeeds, checked above by the writes) but
            // does not keep it, and answers GetNamedSecurityInfoW with one made from the Unix
            // mode. So the read-back below runs on Windows only.
            eprintln!(
                "Wine does not keep DACLs: the owner-only read-back is checked on Windows only"
            );
            assert!(read_dacl(&token).is_ok());
            return;
        }
        for f in [&token, &config] {
            let dacl = read_dacl(f).unwrap();
            assert!(!dacl.null && dacl.protected, "{}: {dacl:?}", f.display());
            assert!(
                dacl.owners >= 1 && dacl.others == 0,
                "{}: {dacl:?}",
                f.display()
            );
            assert!(!readable_by_others(f).unwrap());
        }
        assert_eq!(std::fs::read_to_string(&token).unwrap(), "secret");
        // Written again (enroll again): still owner-only, the new content.
        write_atomically(&token, b"second", true).unwrap();
        assert_eq!(read_dacl(&token).unwrap().others, 0);
        assert_eq!(std::fs::read_to_string(&token).unwrap(), "second");
        // An ordinary file with an everyone-may-read DACL is reported as readable by others.
        let open = dir.path().join("open");
        std::fs::write(&open, "x").unwrap();
        let everyone = std::process::Command::new("icacls")
            .arg(&open)
            .args(["/grant", "Everyone:R"])
            .output();
        if everyone.is_ok_and(|o| o.status.success()) {
            assert!(readable_by_others(&open).unwrap(), "{:?}", read_dacl(&open));
        } else {
            eprintln!("icacls is not available: the negative check is skipped");
        }
    }

    /// A spool directory is owner-only, and so is what is created in it afterwards.
    #[test]
    fn a_restricted_directory_and_its_new_files_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        std::fs::create_dir(&spool).unwrap();
        crate::access::restrict_dir(&spool).unwrap();
        let inside = spool.join("run.json");
        std::fs::write(&inside, "{}").unwrap();
        if crate::access::dacls_unkept() {
            eprintln!("Wine does not keep DACLs: the read-back is checked on Windows only");
            return;
        }
        assert!(!crate::access::readable_by_others(&spool).unwrap());
        #[cfg(windows)]
        {
            let dacl = crate::access::read_dacl(&inside).unwrap();
            assert!(dacl.owners >= 1 && dacl.others == 0, "{dacl:?}");
        }
        #[cfg(unix)]
        {
            // Unix: the directory's 0700 keeps others out whatever the file's own mode.
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&spool).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    /// A symbolic link planted at the temporary file's name is not followed: the file it
    /// points to keeps its content and the token lands, owner-only, in the token file.
    #[cfg(unix)]
    #[test]
    fn the_temporary_file_does_not_follow_a_planted_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join(TOKEN_FILE);
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "not yours").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join(".seqhealth-token.tmp")).unwrap();
        write_atomically(&token, b"secret", true).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours");
        assert!(!std::fs::symlink_metadata(&token).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&token).unwrap(), "secret");
        let mode = std::fs::metadata(&token).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// A file already at the temporary name (readable by all) is not reused: the token
    /// file is created owner-only whatever was there.
    #[cfg(unix)]
    #[test]
    fn a_leftover_temporary_file_is_not_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join(TOKEN_FILE);
        let tmp = dir.path().join(".seqhealth-token.tmp");
        std::fs::write(&tmp, "left over, and longer than the token").unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomically(&token, b"secret", true).unwrap();
        assert_eq!(std::fs::read_to_string(&token).unwrap(), "secret");
        let mode = std::fs::metadata(&token).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is owner-only");
        assert!(!tmp.exists());
    }
}
