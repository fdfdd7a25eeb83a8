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
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text.trim().as_bytes().to_vec())
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

    #[test]
    fn weak_secrets_are_refused() {
        assert!(load(&SecretSource::Value("short".into())).is_err());
        assert!(load(&SecretSource::Value("x".repeat(32))).is_ok());
        assert!(!format!("{:?}", SecretSource::Value("hunter2".repeat(8))).contains("hunter2"));
    }
}
