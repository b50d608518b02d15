//! dockcert's own state directory ("home"): where the CA lives and, by default, the daemon's files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use zeroize::Zeroizing;

use crate::pki::Ca;
use crate::store::inventory::Inventory;

/// The interrupted runs that taking a home's lock finished or undid, oldest first: the store
/// only returns them; whoever prints says so (one line each).
#[must_use = "an interrupted run that was recovered must be reported"]
#[derive(Debug, Default)]
pub struct Recovered(pub Vec<crate::store::Recovery>);

impl Recovered {
    /// One line for each recovered run, as printed on stderr.
    pub fn lines(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

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
            root: crate::env::absolute(&root)?,
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

    /// The default directory of client NAME (`issue client`).
    pub fn client_dir(&self, name: &str) -> PathBuf {
        self.root.join("clients").join(name)
    }

    /// The default directory of server HOST (`issue server`).
    pub fn server_dir(&self, host: &str) -> PathBuf {
        self.root.join("servers").join(host)
    }

    /// The inventory of everything issued.
    pub fn inventory_path(&self) -> PathBuf {
        self.root.join("inventory.json")
    }

    /// The lock that serialises dockcert runs on this home.
    pub fn lock_path(&self) -> PathBuf {
        self.root.join(".lock")
    }

    /// Where a run's transaction journal is kept while it writes.
    pub fn journal_dir(&self) -> PathBuf {
        self.root.join("journal")
    }

    /// An empty plan journaled in this home: the caller holds [`Home::lock`] while applying it.
    pub fn plan(&self) -> crate::store::Plan {
        crate::store::Plan::journaled(self.journal_dir())
    }

    /// Waits for, then holds, this home's lock: concurrent runs never interleave their reads and
    /// writes of the CA store and the inventory. An interrupted run's journal found there is
    /// finished or undone first, and returned, for the caller to say so (one line on stderr:
    /// `commands::lock_home`).
    pub fn lock(&self) -> Result<(crate::store::Lock, Recovered)> {
        let lock = crate::store::lock(&self.lock_path())?;
        let recovered = Recovered(crate::store::recover_all(&self.journal_dir())?);
        Ok((lock, recovered))
    }

    /// The state of a CA rotation.
    pub fn rotation_path(&self) -> PathBuf {
        self.root.join("rotation.json")
    }

    /// The old and new CA together, while a rotation is in progress.
    pub fn bundle_path(&self) -> PathBuf {
        self.root.join("ca").join("bundle.pem")
    }

    /// The rotation in progress or last finished, if any.
    pub fn read_rotation(&self) -> Result<Option<Rotation>> {
        let path = self.rotation_path();
        match crate::bounded::read_state_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .with_context(|| format!("{} is not a valid rotation state", path.display())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("failed to read {}", path.display())),
        }
    }

    /// What every `ca.pem` written now must hold: the CA, or the old and new CA together while a
    /// rotation is in progress.
    pub fn trust_pem(&self) -> Result<String> {
        let in_progress = self
            .read_rotation()?
            .is_some_and(|r| r.phase != Phase::Finished);
        let path = if in_progress {
            self.bundle_path()
        } else {
            self.ca_cert()
        };
        crate::bounded::read_to_string(&path)
            .with_context(|| format!("failed to read {}", path.display()))
    }

    /// The inventory (empty when there is none yet).
    pub fn read_inventory(&self) -> Result<Inventory> {
        let path = self.inventory_path();
        match crate::bounded::read_state_to_string(&path) {
            Ok(text) => Inventory::from_json(&text, &path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Inventory::new()),
            Err(err) => Err(err).with_context(|| format!("failed to read {}", path.display())),
        }
    }

    /// The CA kept in this home, ready to sign (its key decrypted with `passphrase` if it is
    /// stored encrypted).
    pub fn read_ca(&self, passphrase: &crate::pki::passphrase::Source) -> Result<Ca> {
        let (cert_path, key_path) = (self.ca_cert(), self.ca_key());
        if !cert_path.exists() && !key_path.exists() {
            bail!(
                "there is no CA in {} yet; make one with 'dockcert init', adopt one with 'dockcert \
                 import-ca', or point --home (or DOCKCERT_HOME) at the right place",
                self.root.display()
            );
        }
        let cert = crate::bounded::read_to_string(&cert_path)
            .with_context(|| format!("failed to read {}", cert_path.display()))?;
        let bytes = Zeroizing::new(
            crate::bounded::read(&key_path)
                .with_context(|| format!("failed to read {}", key_path.display()))?,
        );
        let key = match crate::x509::load::parse_private_key(&key_path, &bytes) {
            Ok(key) => key,
            Err(crate::x509::load::LoadError::EncryptedKey { .. }) => {
                let secret = passphrase.get("to decrypt the CA key", false)?;
                crate::pki::keycrypt::decrypt_key_file(&key_path, &bytes, secret.as_bytes())?
            }
            Err(err) => return Err(err.into()),
        };
        let der = crate::x509::load::to_pkcs8(&key)?;
        Ca::from_pem(&cert, &crate::pki::keycrypt::pkcs8_pem(&der)).with_context(|| {
            format!(
                "cannot use the CA in {} ({})",
                self.root.join("ca").display(),
                key_path.display()
            )
        })
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

/// Where a CA rotation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// `--begin` done: every ca.pem trusts both CAs; leaves are still from the old CA.
    Begun,
    /// `--reissue` done: every leaf is from the new CA; ca.pem still trusts both.
    Reissued,
    /// `--finish` done: only the new CA is trusted; the old key is archived.
    Finished,
}

/// A CA rotation's state (`rotation.json` in the home).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rotation {
    /// Where it stands.
    pub phase: Phase,
    /// The old CA's serial.
    pub old_serial: String,
    /// The old CA's certificate, PEM.
    pub old_cert_pem: String,
    /// Where the old CA's key is archived (0400, never deleted).
    pub old_key_archive: PathBuf,
    /// The new CA's serial.
    pub new_serial: String,
    /// When the rotation began.
    #[serde(with = "time::serde::rfc3339")]
    pub started: time::OffsetDateTime,
}
