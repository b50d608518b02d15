//! dockcert's own state directory ("home"): where the CA lives and, by default, the daemon's files.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

/// dockcert's home directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `--home`, else `$DOCKCERT_HOME`, else the platform data directory
    /// (`~/.local/share/dockcert` on Linux). The result is absolute.
    pub fn resolve(flag: Option<&Path>, env_home: Option<&Path>) -> Result<Home> {
        let root = match flag.or(env_home) {
            Some(dir) => dir.to_path_buf(),
            None => directories::ProjectDirs::from("", "", "dockcert")
                .map(|dirs| dirs.data_dir().to_path_buf())
                .ok_or_else(|| {
                    anyhow!("cannot find a home directory for dockcert's CA; pass --home DIR or set DOCKCERT_HOME")
                })?,
        };
        Ok(Home {
            root: crate::absolute(&root)?,
        })
    }

    /// The home directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The CA certificate.
    pub fn ca_cert(&self) -> PathBuf {
        self.root.join("ca").join("ca.pem")
    }

    /// The CA private key.
    pub fn ca_key(&self) -> PathBuf {
        self.root.join("ca").join("ca-key.pem")
    }

    /// The default directory for the daemon's files.
    pub fn daemon_dir(&self) -> PathBuf {
        self.root.join("daemon")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_environment() {
        let home = Home::resolve(Some(Path::new("/a")), Some(Path::new("/b"))).unwrap();
        assert_eq!(home.ca_key(), Path::new("/a/ca/ca-key.pem"));
        let home = Home::resolve(None, Some(Path::new("/b"))).unwrap();
        assert_eq!(home.daemon_dir(), Path::new("/b/daemon"));
    }
}
