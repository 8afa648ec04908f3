//! Who may read the agent's files: the token, the configuration and the spool are the
//! agent's account's alone.
//!
//! - Unix: file modes (0600 for the token, set when it is created; 0700 for the spool).
//! - Windows: a protected DACL (no inherited entries) that allows only the current user and
//!   LocalSystem. LocalSystem is the account the Windows service runs as, and it can read
//!   any file anyway (backup privilege), so naming it lets the service read what `enroll`
//!   wrote as an administrator without opening the file to anyone new. On Windows the
//!   configuration file is owner-only too (it says where the token is): an instrument PC's
//!   `C:\ProgramData` and `D:\` let every local user read by default.

use std::fs::File;
use std::io;
use std::path::Path;

/// Makes a file just created (and still empty) readable and writable by the agent's account
/// only. On Unix its mode was set at creation (see `config::write_atomically`); on Windows
/// the handle must have been opened with `WRITE_DAC`.
pub fn restrict_file(f: &File) -> io::Result<()> {
    #[cfg(windows)]
    {
        win::restrict_handle(f)
    }
    #[cfg(not(windows))]
    {
        let _ = f;
        Ok(())
    }
}

/// Makes a directory (and what is created in it from now on) the agent's account's only:
/// mode 0700 on Unix; on Windows a protected DACL whose entries are inherited by the files
/// and folders inside.
pub fn restrict_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(windows)]
    {
        win::restrict_path(dir)
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Whether someone besides the agent's account may read `path`: on Unix any group or other
/// permission bit; on Windows no DACL at all, or an entry allowing anyone besides the
/// current user, LocalSystem and the Administrators group (who can take any file anyway;
/// a file in a user's profile allows them by default).
pub fn readable_by_others(path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 != 0)
    }
    #[cfg(windows)]
    {
        let dacl = win::read_dacl(path)?;
        Ok(dacl.null || dacl.others > 0)
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = path;
        Ok(false)
    }
}

/// What to tell a person whose token file others can read.
pub const MAKE_PRIVATE_HINT: &str = if cfg!(windows) {
    "`icacls <file> /inheritance:r /grant:r \"%USERNAME%:F\"` it, or enroll again"
} else {
    "`chmod 600` it"
};

#[cfg(windows)]
pub use win::{read_dacl, Dacl};

/// Whether this system accepts DACLs without keeping them: Wine (Debian's 8.0 wineserver is
/// built without extended-attribute support, where Wine keeps security descriptors), found
/// by ntdll's `wine_get_version`. Only tests ask; the agent sets DACLs the same either way.
pub fn dacls_unkept() -> bool {
    #[cfg(windows)]
    {
        use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
        // SAFETY: NUL-terminated names; ntdll is loaded in every process.
        unsafe {
            let ntdll = GetModuleHandleA(c"ntdll.dll".as_ptr().cast());
            !ntdll.is_null() && GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast()).is_some()
        }
    }
    #[cfg(not(windows))]
    {
        false
    }
}

#[cfg(windows)]
mod win {
    use std::ffi::c_void;
    use std::fs::File;
    use std::io;
    use std::os::windows::ffi::OsStrExt;
    use std::os::windows::io::AsRawHandle;
    use std::path::Path;
    use std::ptr::null_mut;
    use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, HANDLE};
    use windows_sys::Win32::Security::Authorization::{
        GetNamedSecurityInfoW, SetNamedSecurityInfoW, SetSecurityInfo, SE_FILE_OBJECT,
    };
    use windows_sys::Win32::Security::{
        AclSizeInformation, AddAccessAllowedAceEx, CreateWellKnownSid, EqualSid, GetAce,
        GetAclInformation, GetLengthSid, GetSecurityDescriptorControl, GetTokenInformation,
        InitializeAcl, TokenUser, WinBuiltinAdministratorsSid, WinLocalSystemSid,
        ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, ACL_REVISION, ACL_SIZE_INFORMATION,
        CONTAINER_INHERIT_ACE, DACL_SECURITY_INFORMATION, OBJECT_INHERIT_ACE,
        PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SECURITY_MAX_SID_SIZE,
        SE_DACL_PROTECTED, TOKEN_QUERY, TOKEN_USER, WELL_KNOWN_SID_TYPE,
    };
    use windows_sys::Win32::Storage::FileSystem::FILE_ALL_ACCESS;
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

    /// ACCESS_ALLOWED_ACE_TYPE
    const ALLOWED: u8 = 0;

    /// A SID in DWORD-aligned storage.
    struct Sid(Vec<u32>);

    impl Sid {
        fn ptr(&self) -> PSID {
            self.0.as_ptr() as PSID
        }
        fn len(&self) -> usize {
            // SAFETY: the buffer holds a valid SID.
            unsafe { GetLengthSid(self.ptr()) as usize }
        }
    }

    fn os_error(code: u32) -> io::Error {
        io::Error::from_raw_os_error(code as i32)
    }

    /// The current user's SID, from the process token.
    fn current_user() -> io::Result<Sid> {
        // SAFETY: plain Win32 calls on a buffer of the size the first call asks for.
        unsafe {
            let mut token: HANDLE = null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
                return Err(io::Error::last_os_error());
            }
            let mut len = 0u32;
            GetTokenInformation(token, TokenUser, null_mut(), 0, &mut len);
            let mut buf = vec![0u64; (len as usize).div_ceil(8).max(1)];
            let ok = GetTokenInformation(token, TokenUser, buf.as_mut_ptr().cast(), len, &mut len);
            let err = io::Error::last_os_error();
            CloseHandle(token);
            if ok == 0 {
                return Err(err);
            }
            let user = &*(buf.as_ptr() as *const TOKEN_USER);
            let n = GetLengthSid(user.User.Sid) as usize;
            let mut sid = vec![0u32; n.div_ceil(4)];
            std::ptr::copy_nonoverlapping(user.User.Sid as *const u8, sid.as_mut_ptr().cast(), n);
            Ok(Sid(sid))
        }
    }

    fn well_known(kind: WELL_KNOWN_SID_TYPE) -> io::Result<Sid> {
        let mut sid = vec![0u32; (SECURITY_MAX_SID_SIZE as usize).div_ceil(4)];
        let mut size = (sid.len() * 4) as u32;
        // SAFETY: the buffer is SECURITY_MAX_SID_SIZE bytes.
        if unsafe { CreateWellKnownSid(kind, null_mut(), sid.as_mut_ptr().cast(), &mut size) } == 0
        {
            return Err(io::Error::last_os_error());
        }
        Ok(Sid(sid))
    }

    /// The SIDs the agent's files are for: the current user, and LocalSystem.
    fn owners() -> io::Result<Vec<Sid>> {
        let user = current_user()?;
        let system = well_known(WinLocalSystemSid)?;
        // SAFETY: both are valid SIDs.
        Ok(if unsafe { EqualSid(user.ptr(), system.ptr()) } != 0 {
            vec![user]
        } else {
            vec![user, system]
        })
    }

    /// A DACL allowing full access to [`owners`] only; `inherit`: for a directory, its
    /// entries pass on to what is created inside.
    fn owner_only_acl(inherit: bool) -> io::Result<Vec<u32>> {
        let sids = owners()?;
        let size = std::mem::size_of::<ACL>()
            + sids
                .iter()
                .map(|s| std::mem::size_of::<ACCESS_ALLOWED_ACE>() - 4 + s.len())
                .sum::<usize>();
        let mut acl = vec![0u32; size.div_ceil(4)];
        let p = acl.as_mut_ptr() as *mut ACL;
        let flags = if inherit {
            OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE
        } else {
            0
        };
        // SAFETY: `acl` is as large as the ACL header and the entries added.
        unsafe {
            if InitializeAcl(p, (acl.len() * 4) as u32, ACL_REVISION) == 0 {
                return Err(io::Error::last_os_error());
            }
            for s in &sids {
                if AddAccessAllowedAceEx(p, ACL_REVISION, flags, FILE_ALL_ACCESS, s.ptr()) == 0 {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        Ok(acl)
    }

    const WHAT: u32 = DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION;

    pub fn restrict_handle(f: &File) -> io::Result<()> {
        let mut acl = owner_only_acl(false)?;
        // SAFETY: a live handle and a valid ACL.
        let code = unsafe {
            SetSecurityInfo(
                f.as_raw_handle() as HANDLE,
                SE_FILE_OBJECT,
                WHAT,
                null_mut(),
                null_mut(),
                acl.as_mut_ptr() as *const ACL,
                null_mut(),
            )
        };
        match code {
            0 => Ok(()),
            e => Err(os_error(e)),
        }
    }

    fn wide(path: &Path) -> Vec<u16> {
        path.as_os_str().encode_wide().chain([0]).collect()
    }

    pub fn restrict_path(path: &Path) -> io::Result<()> {
        let mut acl = owner_only_acl(path.is_dir())?;
        let name = wide(path);
        // SAFETY: a NUL-terminated name and a valid ACL.
        let code = unsafe {
            SetNamedSecurityInfoW(
                name.as_ptr(),
                SE_FILE_OBJECT,
                WHAT,
                null_mut(),
                null_mut(),
                acl.as_mut_ptr() as *const ACL,
                null_mut(),
            )
        };
        match code {
            0 => Ok(()),
            e => Err(os_error(e)),
        }
    }

    /// A file's DACL as read back from Windows.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Dacl {
        /// No DACL at all: everyone has full access.
        pub null: bool,
        /// Inherited entries are blocked (the DACL is the file's own).
        pub protected: bool,
        /// Entries allowing access to the current user or LocalSystem.
        pub owners: usize,
        /// Entries allowing access to the Administrators group.
        pub admins: usize,
        /// Entries allowing access to anyone else.
        pub others: usize,
    }

    /// Reads `path`'s DACL back (GetNamedSecurityInfoW).
    pub fn read_dacl(path: &Path) -> io::Result<Dacl> {
        let mine = owners()?;
        let name = wide(path);
        let mut dacl: *mut ACL = null_mut();
        let mut sd: PSECURITY_DESCRIPTOR = null_mut();
        // SAFETY: out-pointers to locals; the descriptor is freed with LocalFree below.
        unsafe {
            let code = GetNamedSecurityInfoW(
                name.as_ptr(),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION,
                null_mut(),
                null_mut(),
                &mut dacl,
                null_mut(),
                &mut sd,
            );
            if code != 0 {
                return Err(os_error(code));
            }
            let result = describe(sd, dacl, &mine, &well_known(WinBuiltinAdministratorsSid)?);
            LocalFree(sd);
            result
        }
    }

    /// SAFETY: `sd` and `dacl` come from GetNamedSecurityInfoW and are still alive.
    unsafe fn describe(
        sd: PSECURITY_DESCRIPTOR,
        dacl: *mut ACL,
        mine: &[Sid],
        admins: &Sid,
    ) -> io::Result<Dacl> {
        let mut control = 0u16;
        let mut revision = 0u32;
        if GetSecurityDescriptorControl(sd, &mut control, &mut revision) == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut out = Dacl {
            null: dacl.is_null(),
            protected: control & SE_DACL_PROTECTED != 0,
            owners: 0,
            admins: 0,
            others: 0,
        };
        if dacl.is_null() {
            return Ok(out);
        }
        let mut info: ACL_SIZE_INFORMATION = std::mem::zeroed();
        if GetAclInformation(
            dacl,
            (&mut info as *mut ACL_SIZE_INFORMATION).cast(),
            std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
            AclSizeInformation,
        ) == 0
        {
            return Err(io::Error::last_os_error());
        }
        for i in 0..info.AceCount {
            let mut ace: *mut c_void = null_mut();
            if GetAce(dacl, i, &mut ace) == 0 {
                return Err(io::Error::last_os_error());
            }
            let header = &*(ace as *const ACE_HEADER);
            if header.AceType != ALLOWED {
                // Deny and audit entries do not let anyone read.
                continue;
            }
            let allowed = &*(ace as *const ACCESS_ALLOWED_ACE);
            let sid = &allowed.SidStart as *const u32 as PSID;
            if mine.iter().any(|m| EqualSid(m.ptr(), sid) != 0) {
                out.owners += 1;
            } else if EqualSid(admins.ptr(), sid) != 0 {
                out.admins += 1;
            } else {
                out.others += 1;
            }
        }
        Ok(out)
    }
}
