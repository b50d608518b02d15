//! Where the CA key's passphrase comes from: `--passphrase-file`, else `DOCKCERT_CA_PASSPHRASE`,
//! else a prompt without echo when there is a terminal. It is never printed or logged.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

/// The environment variable that may hold the CA key's passphrase.
pub const ENV_VAR: &str = "DOCKCERT_CA_PASSPHRASE";

/// How to obtain the passphrase.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// `--passphrase-file`: its first line is the passphrase.
    pub file: Option<PathBuf>,
}

impl Source {
    /// The passphrase, for `purpose` ("to decrypt the CA key"); asked twice on a terminal when
    /// `confirm` (a new passphrase).
    pub fn get(&self, purpose: &str, confirm: bool) -> Result<Zeroizing<String>> {
        if let Some(file) = &self.file {
            let text = Zeroizing::new(std::fs::read_to_string(file).with_context(|| {
                format!("failed to read the passphrase file {}", file.display())
            })?);
            let line = text.lines().next().unwrap_or_default();
            if line.is_empty() {
                bail!("the passphrase file {} is empty", file.display());
            }
            return Ok(Zeroizing::new(line.to_string()));
        }
        if let Ok(value) = std::env::var(ENV_VAR)
            && !value.is_empty()
        {
            return Ok(Zeroizing::new(value));
        }
        if !std::io::stdin().is_terminal() {
            bail!("a passphrase is needed {purpose}: set {ENV_VAR} or pass --passphrase-file FILE");
        }
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("Passphrase {purpose}: "))
                .context("failed to read the passphrase")?,
        );
        if first.is_empty() {
            bail!("the passphrase is empty");
        }
        if confirm {
            let second = Zeroizing::new(
                rpassword::prompt_password("Repeat the passphrase: ")
                    .context("failed to read the passphrase")?,
            );
            if *first != *second {
                bail!("the two passphrases differ; nothing was written");
            }
        }
        Ok(first)
    }
}
