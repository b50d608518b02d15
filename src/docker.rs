//! Docker's conventions: the file names dockerd and the docker CLI expect, where the CLI looks for
//! them, and the flags and environment that use them.

use std::path::{Path, PathBuf};

/// The port Docker's documentation uses for the TLS-protected daemon socket.
pub const TLS_PORT: u16 = 2376;

/// A directory layout of TLS files: which file names a role's files get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A daemon directory: `ca.pem`, `server-cert.pem`, `server-key.pem` (Docker's guide).
    Daemon,
    /// A docker CLI directory (`DOCKER_CERT_PATH`, `~/.docker`): `ca.pem`, `cert.pem`, `key.pem`.
    Client,
}

/// The three files of one TLS party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA certificate that the party trusts.
    pub ca: PathBuf,
    /// The party's own certificate.
    pub cert: PathBuf,
    /// The party's private key.
    pub key: PathBuf,
}

impl Layout {
    /// The files of this layout inside `dir`.
    pub fn files_in(self, dir: &Path) -> TlsFiles {
        let (cert, key) = match self {
            Layout::Daemon => ("server-cert.pem", "server-key.pem"),
            Layout::Client => ("cert.pem", "key.pem"),
        };
        TlsFiles {
            ca: dir.join("ca.pem"),
            cert: dir.join(cert),
            key: dir.join(key),
        }
    }
}

/// Where the docker CLI reads its TLS files: `DOCKER_CERT_PATH`, else `~/.docker`.
pub fn client_cert_dir(
    docker_cert_path: Option<&Path>,
    home_dir: Option<&Path>,
) -> Option<PathBuf> {
    docker_cert_path
        .map(Path::to_path_buf)
        .or_else(|| home_dir.map(|home| home.join(".docker")))
}

/// The dockerd arguments that serve the API on TCP with mutual TLS using `files`.
pub fn dockerd_args(files: &TlsFiles) -> Vec<String> {
    vec![
        "dockerd".to_string(),
        "--tlsverify".to_string(),
        format!("--tlscacert={}", files.ca.display()),
        format!("--tlscert={}", files.cert.display()),
        format!("--tlskey={}", files.key.display()),
        format!("-H=0.0.0.0:{TLS_PORT}"),
    ]
}

/// The environment that points the docker CLI at `host` with the files in `cert_dir`.
pub fn client_env(host: &str, cert_dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("DOCKER_HOST", format!("tcp://{host}:{TLS_PORT}")),
        ("DOCKER_TLS_VERIFY", "1".to_string()),
        ("DOCKER_CERT_PATH", cert_dir.display().to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_use_the_names_docker_reads() {
        let daemon = Layout::Daemon.files_in(Path::new("/etc/docker/tls"));
        assert_eq!(daemon.cert, Path::new("/etc/docker/tls/server-cert.pem"));
        let client = Layout::Client.files_in(Path::new("/h/.docker"));
        assert_eq!(
            [client.ca, client.cert, client.key],
            [
                "/h/.docker/ca.pem",
                "/h/.docker/cert.pem",
                "/h/.docker/key.pem"
            ]
            .map(PathBuf::from)
        );
    }

    #[test]
    fn the_cli_directory_follows_docker_cert_path_then_home() {
        let env = Some(Path::new("/certs"));
        let home = Some(Path::new("/home/u"));
        assert_eq!(client_cert_dir(env, home), Some(PathBuf::from("/certs")));
        assert_eq!(
            client_cert_dir(None, home),
            Some(PathBuf::from("/home/u/.docker"))
        );
        assert_eq!(client_cert_dir(None, None), None);
    }

    #[test]
    fn dockerd_flags_and_client_env() {
        let args = dockerd_args(&Layout::Daemon.files_in(Path::new("/d")));
        assert_eq!(args[1..3], ["--tlsverify", "--tlscacert=/d/ca.pem"]);
        assert_eq!(args[5], "-H=0.0.0.0:2376");
        let env = client_env("[::1]", Path::new("/c"));
        assert_eq!(env[0], ("DOCKER_HOST", "tcp://[::1]:2376".to_string()));
    }
}
