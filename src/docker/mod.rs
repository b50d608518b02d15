//! Docker's conventions: the file names dockerd and the docker CLI expect, where the CLI looks for
//! them, and the flags and environment that use them. Beside them: [`endpoint`] resolves the
//! daemon a client would reach, [`host`] plans the changes that make a remote dockerd serve
//! mutual TLS, [`discover`] finds TLS files on disk, and [`localnames`] collects this machine's
//! names as docker:dind does.

use std::path::{Path, PathBuf};

pub mod daemon_json;
pub mod discover;
pub mod endpoint;
pub mod host;
pub mod localnames;

/// The port Docker's documentation uses for the TLS-protected daemon socket.
pub const TLS_PORT: u16 = 2376;

/// A directory layout of TLS files: which file names a role's files get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A daemon directory: `ca.pem`, `server-cert.pem`, `server-key.pem` (Docker's guide).
    Daemon,
    /// A docker CLI directory (`DOCKER_CERT_PATH`, `~/.docker`): `ca.pem`, `cert.pem`, `key.pem`.
    Client,
    /// A docker context's TLS copies (`contexts/tls/<id>/docker/`): `ca.pem`, `cert.pem`, `key.pem`,
    /// all 0600 as the docker CLI writes them.
    Context,
    /// The server part of a docker:dind `DOCKER_TLS_CERTDIR` (`server/`): `ca.pem`, `cert.pem`,
    /// `key.pem`, read by the dind entrypoint's dockerd.
    DindServer,
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
            Layout::Client | Layout::Context | Layout::DindServer => ("cert.pem", "key.pem"),
        };
        TlsFiles {
            ca: dir.join("ca.pem"),
            cert: dir.join(cert),
            key: dir.join(key),
        }
    }
}

impl Layout {
    /// Whether a dockerd reads it (and must be restarted when it changes).
    pub fn is_daemon(self) -> bool {
        matches!(self, Layout::Daemon | Layout::DindServer)
    }

    /// The mode of its certificate files (`ca.pem` and the certificate).
    pub fn cert_mode(self) -> u32 {
        match self {
            Layout::Context => 0o600,
            _ => crate::store::CERT_MODE,
        }
    }

    /// The mode of its key file.
    pub fn key_mode(self) -> u32 {
        match self {
            Layout::Context => 0o600,
            _ => crate::store::KEY_MODE,
        }
    }
}

/// The docker CLI's configuration directory: `DOCKER_CONFIG`, else `~/.docker`.
pub fn docker_config_dir(docker_config: Option<&Path>, home_dir: Option<&Path>) -> Option<PathBuf> {
    docker_config
        .map(Path::to_path_buf)
        .or_else(|| home_dir.map(|home| home.join(".docker")))
}

/// A context's directory name in the store: the SHA-256 of its name, in hex.
pub fn context_id(name: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, name.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a context name as the docker CLI does (`^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$`, not `default`).
pub fn check_context_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = name.len() >= 2 && chars.all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c));
    if !(first_ok && rest_ok) {
        return Err(format!(
            "context name '{name}' is invalid: the docker CLI accepts ^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$ \
             (at least two characters)"
        ));
    }
    if name == "default" {
        return Err("\"default\" is a reserved context name; choose another".to_string());
    }
    Ok(())
}

/// A context's `meta.json`, byte for byte as `docker context create` writes it.
pub fn context_meta_json(name: &str, description: Option<&str>, host: &str) -> String {
    let mut metadata = serde_json::Map::new();
    if let Some(description) = description {
        metadata.insert("Description".into(), description.into());
    }
    serde_json::json!({
        "Name": name,
        "Metadata": metadata,
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}},
    })
    .to_string()
}

/// Where the docker CLI reads its TLS files: `DOCKER_CERT_PATH`, else its configuration directory
/// (`DOCKER_CONFIG`, else `~/.docker`), as docker/cli's `cli/flags/options.go` sets the default
/// (`dockerCertPath = config.Dir()`).
pub fn client_cert_dir(env: &crate::env::Env) -> Option<PathBuf> {
    env.docker_cert_path
        .clone()
        .or_else(|| docker_config_dir(env.docker_config.as_deref(), env.home_dir.as_deref()))
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

/// A daemon reached over TCP, as `DOCKER_HOST` or `-H` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpHost {
    /// Host name or IP address (without brackets).
    pub host: String,
    /// Port (2376 when not given, as the docker CLI uses with TLS).
    pub port: u16,
}

impl TcpHost {
    /// `tcp://host:port`, with IPv6 addresses bracketed.
    pub fn url(&self) -> String {
        if self.host.contains(':') {
            format!("tcp://[{}]:{}", self.host, self.port)
        } else {
            format!("tcp://{}:{}", self.host, self.port)
        }
    }

    /// `host:port` for a `Host:` header and messages.
    pub fn authority(&self) -> String {
        self.url().trim_start_matches("tcp://").to_string()
    }
}

/// Parses a Docker host (`tcp://host[:port]`, or `host[:port]` as the CLI also accepts). Other
/// schemes are refused with the reason: TLS protects TCP sockets only.
pub fn parse_tcp_host(text: &str) -> Result<TcpHost, String> {
    let text = text.trim();
    let rest = match text.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("tcp") || scheme.eq_ignore_ascii_case("https") =>
        {
            rest
        }
        Some((scheme, _))
            if scheme.eq_ignore_ascii_case("unix")
                || scheme.eq_ignore_ascii_case("npipe")
                || scheme.eq_ignore_ascii_case("fd") =>
        {
            return Err(format!(
                "'{text}' is a local socket; TLS applies to TCP hosts only: give --host tcp://HOST:2376 \
                 (or set DOCKER_HOST to it)"
            ));
        }
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("ssh") => {
            return Err(format!(
                "'{text}' is reached over SSH, which does not use Docker's TLS certificates; give \
                 --host tcp://HOST:2376"
            ));
        }
        Some((scheme, _)) => {
            return Err(format!(
                "'{text}': unknown scheme '{scheme}://'; give --host tcp://HOST:2376"
            ));
        }
        None => text,
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| format!("'{text}': unclosed '[' in the host"))?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return Err(format!("'{text}': unexpected '{after}' after the address")),
        };
        (host, port)
    } else if rest.matches(':').count() > 1 {
        (rest, None) // a bare IPv6 address
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if host.is_empty() || host.contains('/') {
        return Err(format!(
            "'{text}' names no host; give --host tcp://HOST:2376"
        ));
    }
    let port = match port {
        None => TLS_PORT,
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("'{text}': '{port}' is not a valid port"))?,
    };
    Ok(TcpHost {
        host: host.to_string(),
        port,
    })
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
    fn the_cli_directory_follows_docker_cert_path_then_docker_config_then_home() {
        let mut env = crate::env::Env {
            docker_cert_path: Some(PathBuf::from("/certs")),
            docker_config: Some(PathBuf::from("/cfg")),
            home_dir: Some(PathBuf::from("/home/u")),
            ..Default::default()
        };
        assert_eq!(client_cert_dir(&env), Some(PathBuf::from("/certs")));
        env.docker_cert_path = None;
        assert_eq!(client_cert_dir(&env), Some(PathBuf::from("/cfg")));
        env.docker_config = None;
        assert_eq!(
            client_cert_dir(&env),
            Some(PathBuf::from("/home/u/.docker"))
        );
        env.home_dir = None;
        assert_eq!(client_cert_dir(&env), None);
    }

    #[test]
    fn dockerd_flags_and_client_env() {
        let args = dockerd_args(&Layout::Daemon.files_in(Path::new("/d")));
        assert_eq!(args[1..3], ["--tlsverify", "--tlscacert=/d/ca.pem"]);
        assert_eq!(args[5], "-H=0.0.0.0:2376");
        let env = client_env("[::1]", Path::new("/c"));
        assert_eq!(env[0], ("DOCKER_HOST", "tcp://[::1]:2376".to_string()));
    }

    #[test]
    fn contexts_are_stored_as_the_cli_stores_them() {
        // `echo -n ctx1 | sha256sum`, and what `docker context create ctx1 --description "my d"` wrote.
        assert_eq!(
            context_id("ctx1"),
            "8f9d61fac39402898f831bfec31c774438bb77be6a0cbd47c83cf53d31858372"
        );
        assert_eq!(
            context_id("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
        assert_eq!(
            context_meta_json("ctx1", Some("my d"), "tcp://127.0.0.1:2376"),
            r#"{"Name":"ctx1","Metadata":{"Description":"my d"},"Endpoints":{"docker":{"Host":"tcp://127.0.0.1:2376","SkipTLSVerify":false}}}"#
        );
        assert!(context_meta_json("c2", None, "tcp://h:1").contains(r#""Metadata":{}"#));
        assert!(check_context_name("prod-1.eu").is_ok());
        for bad in ["a", "bad/name", "-x", "default", "has space"] {
            assert!(check_context_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn docker_hosts_parse_like_the_cli() {
        let ok = |text: &str| parse_tcp_host(text).unwrap();
        assert_eq!(
            ok("tcp://1.2.3.4:2377"),
            TcpHost {
                host: "1.2.3.4".into(),
                port: 2377
            }
        );
        assert_eq!(ok("tcp://docker.example").port, 2376);
        assert_eq!(ok("tcp://[::1]:9").host, "::1");
        assert_eq!(ok("tcp://[::1]").url(), "tcp://[::1]:2376");
        assert_eq!(ok("host:1/").authority(), "host:1");
        assert_eq!(ok("fe80::1").host, "fe80::1");
        for (text, needle) in [
            (
                "unix:///var/run/docker.sock",
                "TLS applies to TCP hosts only",
            ),
            ("ssh://me@host", "SSH"),
            ("tcp://host:99999", "not a valid port"),
            ("tcp://:2376", "names no host"),
            ("gopher://x", "unknown scheme"),
        ] {
            let err = parse_tcp_host(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
