//! Where the JWT signing secret comes from: `JWT_SECRET`, `JWT_SECRET_FILE`,
//! or a random secret generated on first start and kept in a file readable by
//! its owner only, so tokens survive restarts with no set-up.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::token::MIN_SECRET_BYTES;

#[derive(Clone)]
pub enum SecretSource {
    Value(String),
    File(PathBuf),
    /// Generate into this file when it does not exist yet.
    Generated(PathBuf),
}

/// Never prints the secret itself.
impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Value(_) => f.write_str("JWT_SECRET (set)"),
            SecretSource::File(p) => write!(f, "JWT_SECRET_FILE {}", p.display()),
            SecretSource::Generated(p) => write!(f, "generated in {}", p.display()),
        }
    }
}

/// Reads or creates the secret; refuses one shorter than 32 bytes.
pub fn load(source: &SecretSource) -> Result<Vec<u8>, String> {
    let secret = match source {
        SecretSource::Value(v) => v.as_bytes().to_vec(),
        SecretSource::File(path) => read(path)?,
        SecretSource::Generated(path) if path.exists() => read(path)?,
        SecretSource::Generated(path) => {
            let mut bytes = [0u8; 48];
            getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for the JWT secret: {e}"))?;
            let text = hex::encode(bytes);
            write_private(path, &text)?;
            log::warn!(
                "generated a JWT signing secret in {} (readable by its owner only); instances that share a database must be given the same secret",
                path.display()
            );
            text.into_bytes()
        }
    };
    if secret.len() < MIN_SECRET_BYTES {
        return Err(format!("the JWT secret must be at least {MIN_SECRET_BYTES} bytes; it is {}", secret.len()));
    }
    Ok(secret)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    let text = read_checked(path, Contents::Secret)?;
    Ok(text.trim().as_bytes().to_vec())
}

/// Reads a file after [`check_permissions`] on the very file opened (its
/// handle's metadata, not a second look-up of the path that a swapped file
/// or link could answer differently).
pub fn read_checked(path: &Path, contents: Contents) -> Result<String, String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let meta = file.metadata().map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    check_permissions(path, &meta, contents)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text)
}

/// What a file holds, which decides who else may read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contents {
    /// The JWT signing secret: whoever reads it can forge any token.
    Secret,
    /// The identity provider's public keys: anyone may read them, but
    /// whoever can change them can sign in as anyone.
    PublicKeys,
}

/// Refuses a file that another user could have written (a local user who
/// can change the signing secret or the key set can forge tokens): one
/// owned by someone other than this process's user or root, or writable by
/// its group or others. Warns when a secret is readable by others.
pub fn check_permissions(path: &Path, meta: &std::fs::Metadata, contents: Contents) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me && meta.uid() != 0 {
            return Err(format!(
                "{} belongs to user {}, not to the user running panel-tracker ({me}) or root: refusing to trust it",
                path.display(),
                meta.uid()
            ));
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o022 != 0 {
            return Err(format!(
                "{} can be changed by other users (mode {mode:03o}): refusing to trust it; `chmod go-w` it",
                path.display()
            ));
        }
        if contents == Contents::Secret && mode & 0o044 != 0 {
            log::warn!(
                "{} can be read by other users (mode {mode:03o}), who could then forge tokens; `chmod 600` it",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta, contents);
    Ok(())
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_then_reused_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        let first = load(&SecretSource::Generated(path.clone())).unwrap();
        let second = load(&SecretSource::Generated(path.clone())).unwrap();
        assert_eq!(first, second);
        assert!(first.len() >= 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_others_can_change_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "s".repeat(48)).unwrap();
        for (mode, secret_ok, keys_ok) in
            [(0o600, true, true), (0o644, true, true), (0o620, false, false), (0o666, false, false)]
        {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(load(&SecretSource::File(path.clone())).is_ok(), secret_ok, "{mode:o}");
            assert_eq!(load(&SecretSource::Generated(path.clone())).is_ok(), secret_ok, "{mode:o}");
            assert_eq!(read_checked(&path, Contents::PublicKeys).is_ok(), keys_ok, "{mode:o}");
        }
    }

    #[test]
    fn weak_secrets_are_refused() {
        assert!(load(&SecretSource::Value("short".into())).is_err());
        assert!(load(&SecretSource::Value("x".repeat(32))).is_ok());
        assert!(!format!("{:?}", SecretSource::Value("hunter2".repeat(8))).contains("hunter2"));
    }
}
