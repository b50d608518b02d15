//! The ground floor: what dockcert reads from its process environment, and the path helpers every
//! layer uses. It depends on nothing else in the crate, so any module may use it without climbing.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The environment variables dockcert reads, read once (empty values count as unset).
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// `DOCKCERT_HOME`.
    pub dockcert_home: Option<PathBuf>,
    /// `DOCKER_CERT_PATH`.
    pub docker_cert_path: Option<PathBuf>,
    /// The user's home directory (`HOME`).
    pub home_dir: Option<PathBuf>,
    /// `DOCKER_HOST`.
    pub docker_host: Option<String>,
    /// `DOCKER_TLS_VERIFY`.
    pub docker_tls_verify: Option<String>,
    /// `DOCKER_TLS`: TLS without verifying the daemon (docker CLI only).
    pub docker_tls: Option<String>,
    /// `DOCKER_CONTEXT`: the docker CLI's context, unless DOCKER_HOST is set.
    pub docker_context: Option<String>,
    /// `REQUESTS_CA_BUNDLE` (the Python docker SDK's trust store override).
    pub requests_ca_bundle: Option<String>,
    /// `CURL_CA_BUNDLE` (likewise).
    pub curl_ca_bundle: Option<String>,
    /// `DOCKER_CONFIG`: the docker CLI's configuration directory.
    pub docker_config: Option<PathBuf>,
    /// `SHELL`.
    pub shell: Option<String>,
}

impl Env {
    /// Reads the process environment.
    pub fn from_process() -> Env {
        let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
        let text = |name: &str| var(name).map(|value| value.to_string_lossy().into_owned());
        Env {
            dockcert_home: var("DOCKCERT_HOME").map(PathBuf::from),
            docker_cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
            home_dir: directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()),
            docker_host: text("DOCKER_HOST"),
            docker_tls_verify: text("DOCKER_TLS_VERIFY"),
            docker_tls: text("DOCKER_TLS"),
            docker_context: text("DOCKER_CONTEXT"),
            requests_ca_bundle: text("REQUESTS_CA_BUNDLE"),
            curl_ca_bundle: text("CURL_CA_BUNDLE"),
            docker_config: var("DOCKER_CONFIG").map(PathBuf::from),
            shell: text("SHELL"),
        }
    }
}

/// `path` made absolute against the current directory (symlinks are not resolved).
pub fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path)
        .with_context(|| format!("failed to resolve the path {}", path.display()))
}
