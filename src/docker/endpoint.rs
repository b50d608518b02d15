//! Where a Docker client will connect, and with which TLS files, resolved exactly as that client
//! resolves it. Every value remembers where it came from, so every report can say so.
//!
//! Two clients are modelled, from their source:
//!
//! - **the docker CLI 28** (docker/cli v28.2.2): `cli/command/cli.go` (`Initialize` refuses
//!   `--host` with `--context`; `resolveContextName` picks the context: `--context`, then `--host`
//!   or `DOCKER_HOST` mean the `default` context, then `DOCKER_CONTEXT`, then `currentContext` in
//!   `config.json`; `resolveDefaultDockerEndpoint` and `getServerHost` build the default context's
//!   endpoint), `cli/flags/options.go` (`DOCKER_TLS_VERIFY` or `DOCKER_TLS` turn TLS on;
//!   `DOCKER_CERT_PATH`, else the configuration directory, holds ca.pem/cert.pem/key.pem; a missing
//!   cert.pem or key.pem is dropped silently, a missing ca.pem is an error), `opts/hosts.go`
//!   (`ParseHost`: a tcp host without a port gets **2375**, even with TLS), `cli/config/config.go`
//!   (`DOCKER_CONFIG`, else `~/.docker`), `cli/context/tlsdata.go` and `cli/context/docker/load.go`
//!   (a context brings its own TLS files from `contexts/tls/<sha256>/docker/`, TLS is used when it
//!   has any or `SkipTLSVerify` is set, sockets never use TLS).
//! - **the Python docker SDK 7.2** (docker/docker-py 7.2.0, as installed by
//!   `tests/install-peers.sh`): `docker/utils/utils.py` `kwargs_from_env` (the environment: TLS when
//!   `DOCKER_TLS_VERIFY` or `DOCKER_CERT_PATH` is set, files from `DOCKER_CERT_PATH` else
//!   `~/.docker`, never `DOCKER_CONFIG`), `parse_host` (a tcp host needs a port; `https://` is
//!   accepted and means TLS), `docker/client.py` `from_env` (since 7.2, when `DOCKER_HOST` is unset it
//!   falls back to the CLI's current context: `docker/context/api.py` `kwargs_from_context`),
//!   `docker/tls.py` (`TLSConfig`), and requests' `Session.merge_environment_settings`:
//!   `REQUESTS_CA_BUNDLE`, else `CURL_CA_BUNDLE`, replaces the CA the SDK configured.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::env::Env;

/// The local socket both clients use when nothing else is configured (Linux).
pub const DEFAULT_UNIX_SOCKET: &str = "unix:///var/run/docker.sock";

/// The docker CLI's own name for its built-in context.
pub const DEFAULT_CONTEXT: &str = "default";

/// Which client an endpoint was resolved for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Client {
    /// The docker CLI (28.x).
    DockerCli,
    /// The Python docker SDK (`docker.from_env()`, 7.2).
    PythonSdk,
}

impl Client {
    /// Its name in sentences.
    pub fn name(self) -> &'static str {
        match self {
            Client::DockerCli => "docker CLI",
            Client::PythonSdk => "Python docker SDK",
        }
    }
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag (`--host`, `--context`, `--cert-path` …).
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// `currentContext` in this `config.json`.
    CurrentContext(PathBuf),
    /// A context's store: its `meta.json` or its TLS directory.
    Context {
        /// The context's name.
        name: String,
        /// The file or directory in the store.
        path: PathBuf,
    },
    /// A built-in default, described.
    Default(String),
}

impl Origin {
    /// The origin in words: "DOCKER_HOST", "the context 'prod' (…/meta.json)".
    pub fn describe(&self) -> String {
        match self {
            Origin::Flag(flag) => format!("the {flag} flag"),
            Origin::Env(var) => var.to_string(),
            Origin::CurrentContext(path) => format!("currentContext in {}", path.display()),
            Origin::Context { name, path } if path.ends_with("docker") => {
                format!("the context '{name}''s TLS store")
            }
            Origin::Context { name, path } => {
                format!("the context '{name}' ({})", path.display())
            }
            Origin::Default(text) => text.clone(),
        }
    }
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub origin: Origin,
}

impl<T> Sourced<T> {
    fn new(value: T, origin: Origin) -> Sourced<T> {
        Sourced { value, origin }
    }
}

impl<T: Serialize> Serialize for Sourced<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Sourced", 2)?;
        s.serialize_field("value", &self.value)?;
        s.serialize_field("from", &self.origin.describe())?;
        s.end()
    }
}

/// How the connection is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// TCP (`tcp://`, or `https://`/`http://` for the SDK): the only one where TLS applies.
    Tcp,
    /// A unix socket: no TLS.
    Unix,
    /// A Windows named pipe: no TLS.
    Npipe,
    /// `ssh://`: the docker CLI runs `ssh`, no TLS certificates involved.
    Ssh,
    /// `fd://`: an inherited socket, no TLS.
    Fd,
}

impl Transport {
    /// Whether Docker's TLS certificates can be involved at all.
    pub fn uses_tls_files(self) -> bool {
        self == Transport::Tcp
    }
}

/// Whether and how the client uses TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tls {
    /// Plain HTTP (or a socket).
    Off,
    /// TLS, verifying the daemon's certificate.
    Verify,
    /// TLS without verifying the daemon's certificate.
    NoVerify,
}

/// Where one client connects and with which files.
#[derive(Clone, Debug, Serialize)]
pub struct Endpoint {
    /// The client this is for.
    pub client: Client,
    /// The docker CLI's context (always set for the CLI; for the SDK only when it used one).
    pub context: Option<Sourced<String>>,
    /// The daemon, normalised as the client normalises it (`tcp://host:port`, `unix:///path`).
    pub host: Sourced<String>,
    /// How it connects.
    pub transport: Transport,
    /// Whether TLS is used, and why.
    pub tls: Sourced<Tls>,
    /// The CA certificate the client trusts (None: the system's trust store).
    pub ca: Option<Sourced<PathBuf>>,
    /// The client certificate (None: none is sent).
    pub cert: Option<Sourced<PathBuf>>,
    /// The client key.
    pub key: Option<Sourced<PathBuf>>,
    /// The Python SDK's trust store when `REQUESTS_CA_BUNDLE`/`CURL_CA_BUNDLE` replaces `ca`.
    pub trust_override: Option<Sourced<PathBuf>>,
    /// Things the client does silently, said aloud (precedences, ignored settings).
    pub notes: Vec<String>,
}

impl Endpoint {
    /// The CA file the client really trusts: the override when there is one.
    pub fn effective_ca(&self) -> Option<&Sourced<PathBuf>> {
        self.trust_override.as_ref().or(self.ca.as_ref())
    }

    /// "host tcp://…:2376 from DOCKER_HOST" and one line per file: where everything came from.
    pub fn origin_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(context) = &self.context {
            lines.push(format!(
                "context '{}', chosen by {}",
                context.value,
                context.origin.describe()
            ));
        }
        lines.push(format!(
            "host {} from {}",
            self.host.value,
            self.host.origin.describe()
        ));
        let tls = match self.tls.value {
            Tls::Off => "no TLS",
            Tls::Verify => "TLS, verifying the daemon",
            Tls::NoVerify => "TLS without verifying the daemon",
        };
        lines.push(format!("{tls}: {}", self.tls.origin.describe()));
        let together = match (&self.ca, &self.cert, &self.key) {
            (Some(ca), Some(cert), Some(key)) => {
                let dir = ca.value.parent();
                (dir == cert.value.parent()
                    && dir == key.value.parent()
                    && ca.origin == cert.origin
                    && ca.origin == key.origin)
                    .then(|| {
                        (
                            dir.map(Path::to_path_buf).unwrap_or_default(),
                            ca.origin.describe(),
                        )
                    })
            }
            _ => None,
        };
        if self.tls.value != Tls::Off
            && let Some((dir, origin)) = together
        {
            lines.push(format!(
                "ca.pem, cert.pem and key.pem in {} from {origin}",
                dir.display()
            ));
        } else if self.tls.value != Tls::Off {
            for (what, file) in [
                ("ca.pem", &self.ca),
                ("cert.pem", &self.cert),
                ("key.pem", &self.key),
            ] {
                match file {
                    Some(file) => lines.push(format!(
                        "{what} {} from {}",
                        file.value.display(),
                        file.origin.describe()
                    )),
                    None => lines.push(format!("{what}: none")),
                }
            }
        }
        if self.tls.value != Tls::Off
            && let Some(trust) = &self.trust_override
        {
            lines.push(format!(
                "trusted CAs {} from {} (replaces ca.pem)",
                trust.value.display(),
                trust.origin.describe()
            ));
        }
        lines
    }

    /// How `other` differs from this endpoint, in sentences naming both clients ("" when same).
    pub fn differences(&self, other: &Endpoint) -> Vec<String> {
        let (a, b) = (self.client.name(), other.client.name());
        let mut out = Vec::new();
        if self.host.value != other.host.value {
            out.push(format!(
                "the {a} connects to {} ({}), the {b} to {} ({})",
                self.host.value,
                self.host.origin.describe(),
                other.host.value,
                other.host.origin.describe()
            ));
        }
        if self.tls.value != other.tls.value {
            let says = |t: Tls| match t {
                Tls::Off => "no TLS",
                Tls::Verify => "TLS verifying the daemon",
                Tls::NoVerify => "TLS without verifying the daemon",
            };
            out.push(format!(
                "the {a} uses {}, the {b} {}",
                says(self.tls.value),
                says(other.tls.value)
            ));
        } else if self.tls.value != Tls::Off {
            let path = |f: Option<&Sourced<PathBuf>>| {
                f.map(|s| s.value.display().to_string())
                    .unwrap_or_else(|| "none".into())
            };
            for (what, x, y) in [
                ("trusts", self.effective_ca(), other.effective_ca()),
                ("presents", self.cert.as_ref(), other.cert.as_ref()),
                ("signs with", self.key.as_ref(), other.key.as_ref()),
            ] {
                if x.map(|s| &s.value) != y.map(|s| &s.value) {
                    out.push(format!("the {a} {what} {}, the {b} {}", path(x), path(y)));
                }
            }
        }
        out
    }

    /// What decides whether two clients reach the same daemon the same way.
    pub fn same_as(&self, other: &Endpoint) -> bool {
        let files = |e: &Endpoint| {
            (
                e.effective_ca().map(|s| s.value.clone()),
                e.cert.as_ref().map(|s| s.value.clone()),
                e.key.as_ref().map(|s| s.value.clone()),
            )
        };
        self.host.value == other.host.value
            && self.tls.value == other.tls.value
            && (self.tls.value == Tls::Off || files(self) == files(other))
    }
}

/// A configuration the client refuses to start with, in the client's own words.
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    /// The client that refuses.
    pub client: Client,
    /// Its message, as it prints it (after "Failed to initialize: " for the CLI).
    pub message: String,
    /// What in the configuration causes it.
    pub cause: String,
    /// Whether it is a usage error (conflicting flags) rather than a configuration problem.
    pub usage: bool,
    /// Notes gathered before the refusal (which context, which precedence).
    pub notes: Vec<String>,
}

/// The docker CLI's global flags that choose the endpoint.
#[derive(Clone, Debug, Default)]
pub struct CliFlags {
    /// `--host`/`-H`.
    pub host: Option<String>,
    /// `--context`/`-c`.
    pub context: Option<String>,
}

/// The docker CLI's configuration directory and where it came from (`cli/config/config.go Dir`).
pub fn cli_config_dir(env: &Env) -> Option<Sourced<PathBuf>> {
    if let Some(dir) = &env.docker_config {
        return Some(Sourced::new(dir.clone(), Origin::Env("DOCKER_CONFIG")));
    }
    env.home_dir.as_ref().map(|home| {
        Sourced::new(
            home.join(".docker"),
            Origin::Default("the default configuration directory ~/.docker".into()),
        )
    })
}

/// `currentContext` of `config.json`: Ok(None) when the file or the key is absent. A file that
/// does not parse is ignored with a warning by the CLI (`LoadDefaultConfigFile`), so it is a note.
fn current_context(config_json: &Path, notes: &mut Vec<String>) -> Option<String> {
    let text = std::fs::read_to_string(config_json).ok()?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value) => value
            .get("currentContext")
            .and_then(|v| v.as_str())
            .filter(|name| !name.is_empty())
            .map(str::to_string),
        Err(_) => {
            notes.push(format!(
                "{} is not valid JSON: the docker CLI warns and ignores it (and its currentContext)",
                config_json.display()
            ));
            None
        }
    }
}

/// The endpoint the docker CLI 28 uses, or its refusal.
pub fn docker_cli(flags: &CliFlags, env: &Env) -> Result<Endpoint, Refusal> {
    let mut notes = Vec::new();
    let refuse = |message: String, cause: &str, usage: bool, notes: &[String]| Refusal {
        client: Client::DockerCli,
        message,
        cause: cause.to_string(),
        usage,
        notes: notes.to_vec(),
    };
    // cli/command/cli.go Initialize: checked before anything is read.
    if flags.context.is_some() && flags.host.is_some() {
        return Err(refuse(
            "conflicting options: cannot specify both --host and --context".into(),
            "--host and --context were both given",
            true,
            &notes,
        ));
    }
    let config = cli_config_dir(env);
    let config_json = config.as_ref().map(|c| c.value.join("config.json"));
    let current = config_json
        .as_deref()
        .and_then(|path| current_context(path, &mut notes));

    // cli/command/cli.go resolveContextName.
    let context = if let Some(name) = &flags.context {
        Sourced::new(name.clone(), Origin::Flag("--context"))
    } else if flags.host.is_some() {
        Sourced::new(DEFAULT_CONTEXT.into(), Origin::Flag("--host"))
    } else if env.docker_host.is_some() {
        if let Some(name) = &env.docker_context {
            notes.push(format!(
                "DOCKER_HOST wins over DOCKER_CONTEXT={name}: the docker CLI ignores DOCKER_CONTEXT \
                 silently when DOCKER_HOST is set"
            ));
        }
        if let (Some(name), Some(path)) = (&current, &config_json)
            && name != DEFAULT_CONTEXT
        {
            notes.push(format!(
                "DOCKER_HOST wins over currentContext '{name}' in {}: the docker CLI ignores the \
                 current context silently when DOCKER_HOST is set",
                path.display()
            ));
        }
        Sourced::new(DEFAULT_CONTEXT.into(), Origin::Env("DOCKER_HOST"))
    } else if let Some(name) = &env.docker_context {
        if let (Some(current), Some(path)) = (&current, &config_json)
            && current != name
        {
            notes.push(format!(
                "DOCKER_CONTEXT={name} wins over currentContext '{current}' in {}",
                path.display()
            ));
        }
        Sourced::new(name.clone(), Origin::Env("DOCKER_CONTEXT"))
    } else if let (Some(name), Some(path)) = (&current, &config_json) {
        Sourced::new(name.clone(), Origin::CurrentContext(path.clone()))
    } else {
        Sourced::new(
            DEFAULT_CONTEXT.into(),
            Origin::Default(
                "no --context, DOCKER_HOST, DOCKER_CONTEXT or currentContext: the default context"
                    .into(),
            ),
        )
    };

    if context.value == DEFAULT_CONTEXT {
        cli_default_endpoint(flags, env, config.as_ref(), context, notes)
            .map_err(|(message, cause, notes)| refuse(message, &cause, false, &notes))
    } else {
        let Some(config) = config else {
            return Err(refuse(
                "cannot find the configuration directory".into(),
                "neither DOCKER_CONFIG nor HOME is set",
                false,
                &notes,
            ));
        };
        cli_context_endpoint(env, &config.value, context, notes)
            .map_err(|(message, cause, notes)| refuse(message, &cause, false, &notes))
    }
}

type Refused = (String, String, Vec<String>);

/// `resolveDefaultDockerEndpoint` (cli/command/cli.go) with the TLS options of
/// cli/flags/options.go.
fn cli_default_endpoint(
    flags: &CliFlags,
    env: &Env,
    config: Option<&Sourced<PathBuf>>,
    context: Sourced<String>,
    mut notes: Vec<String>,
) -> Result<Endpoint, Refused> {
    // options.go: TLSVerify from DOCKER_TLS_VERIFY (any non-empty value), TLS from DOCKER_TLS or
    // implied by TLSVerify; InsecureSkipVerify = !TLSVerify.
    let tls = if env.docker_tls_verify.is_some() {
        Sourced::new(Tls::Verify, Origin::Env("DOCKER_TLS_VERIFY"))
    } else if env.docker_tls.is_some() {
        notes.push(
            "DOCKER_TLS is set without DOCKER_TLS_VERIFY: the docker CLI uses TLS but does not \
             verify the daemon's certificate"
                .into(),
        );
        Sourced::new(Tls::NoVerify, Origin::Env("DOCKER_TLS"))
    } else {
        Sourced::new(
            Tls::Off,
            Origin::Default("DOCKER_TLS_VERIFY (and DOCKER_TLS) is not set".into()),
        )
    };
    // getServerHost: the flag, else DOCKER_HOST, else the default for TLS or not.
    let (raw, origin) = match (&flags.host, &env.docker_host) {
        (Some(host), _) => (Some(host.clone()), Origin::Flag("--host")),
        (None, Some(host)) => (Some(host.clone()), Origin::Env("DOCKER_HOST")),
        (None, None) => (None, Origin::Default(String::new())),
    };
    let host = match raw {
        Some(raw) => {
            let host = parse_cli_host(&raw).map_err(|message| {
                (
                    message,
                    format!(
                        "{} is '{raw}', which the docker CLI does not accept",
                        origin.describe()
                    ),
                    notes.clone(),
                )
            })?;
            if tcp_without_port(&raw) {
                notes.push(format!(
                    "'{raw}' has no port: the docker CLI uses port 2375 (the plain-HTTP port), even \
                     with TLS; write {host} or the TLS port explicitly"
                ));
            }
            Sourced::new(host, origin)
        }
        None if tls.value != Tls::Off => Sourced::new(
            "tcp://localhost:2376".to_string(),
            Origin::Default("the docker CLI's default with TLS (DOCKER_HOST is not set)".into()),
        ),
        None => Sourced::new(
            DEFAULT_UNIX_SOCKET.to_string(),
            Origin::Default("the docker CLI's default (DOCKER_HOST is not set)".into()),
        ),
    };
    let transport = transport_of(&host.value);
    let (mut ca, mut cert, mut key) = (None, None, None);
    if tls.value != Tls::Off {
        // options.go InstallFlags: DOCKER_CERT_PATH, else config.Dir() (DOCKER_CONFIG or ~/.docker).
        let dir = match (&env.docker_cert_path, config) {
            (Some(dir), _) => Sourced::new(dir.clone(), Origin::Env("DOCKER_CERT_PATH")),
            (None, Some(config)) => Sourced::new(
                config.value.clone(),
                Origin::Default(format!(
                    "the configuration directory (DOCKER_CERT_PATH is not set; {})",
                    config.origin.describe()
                )),
            ),
            (None, None) => {
                return Err((
                    "cannot find the directory of ca.pem".into(),
                    "neither DOCKER_CERT_PATH, DOCKER_CONFIG nor HOME is set".into(),
                    notes,
                ));
            }
        };
        let file = |name: &str| Sourced::new(dir.value.join(name), dir.origin.clone());
        // tlsdata.go TLSDataFromFiles reads ca.pem whenever TLS is on; a missing one fails.
        let ca_file = file("ca.pem");
        if !ca_file.value.is_file() {
            return Err((
                format!(
                    "unable to resolve docker endpoint: open {}: no such file or directory",
                    ca_file.value.display()
                ),
                format!(
                    "TLS is on ({}) and the docker CLI reads ca.pem from {} ({})",
                    tls.origin.describe(),
                    dir.value.display(),
                    dir.origin.describe()
                ),
                notes,
            ));
        }
        ca = Some(ca_file);
        // options.go SetDefaultOptions: a missing cert.pem or key.pem is dropped silently.
        for (name, slot) in [("cert.pem", &mut cert), ("key.pem", &mut key)] {
            let f = file(name);
            if f.value.exists() {
                *slot = Some(f);
            } else {
                notes.push(format!(
                    "{} does not exist: the docker CLI connects without a client certificate",
                    f.value.display()
                ));
            }
        }
    } else if env.docker_cert_path.is_some() && transport == Transport::Tcp {
        notes.push(
            "DOCKER_CERT_PATH is ignored: neither DOCKER_TLS_VERIFY nor DOCKER_TLS is set, so the \
             docker CLI talks plain HTTP"
                .into(),
        );
    }
    let tls = socket_means_no_tls(tls, transport, &mut notes);
    if tls.value == Tls::Off {
        (ca, cert, key) = (None, None, None);
    }
    Ok(Endpoint {
        client: Client::DockerCli,
        context: Some(context),
        host,
        transport,
        tls,
        ca,
        cert,
        key,
        trust_override: None,
        notes,
    })
}

/// A named context: `resolveDockerEndpoint` (cli/command/cli.go), `WithTLSData` and `tlsConfig`
/// (cli/context/docker/load.go).
fn cli_context_endpoint(
    env: &Env,
    config: &Path,
    context: Sourced<String>,
    mut notes: Vec<String>,
) -> Result<Endpoint, Refused> {
    let name = context.value.clone();
    let id = super::context_id(&name);
    let meta_path = config
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = match std::fs::read_to_string(&meta_path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err((
                format!(
                    "unable to resolve docker endpoint: context \"{name}\": context not found: open {}: \
                     no such file or directory",
                    meta_path.display()
                ),
                format!(
                    "the docker CLI uses the context '{name}' ({}), which does not exist in {}",
                    context.origin.describe(),
                    config.join("contexts").display()
                ),
                notes,
            ));
        }
        Err(err) => {
            return Err((
                format!(
                    "unable to resolve docker endpoint: context \"{name}\": cannot read {}: {err}",
                    meta_path.display()
                ),
                format!("the context '{name}' cannot be read"),
                notes,
            ));
        }
    };
    let meta: serde_json::Value = serde_json::from_str(&text).map_err(|err| {
        (
            format!(
                "unable to resolve docker endpoint: context \"{name}\": parsing {}: {err}",
                meta_path.display()
            ),
            format!("the context '{name}' has a damaged meta.json"),
            notes.clone(),
        )
    })?;
    let docker = meta
        .get("Endpoints")
        .and_then(|e| e.get("docker"))
        .ok_or_else(|| {
            (
                "unable to resolve docker endpoint: cannot find docker endpoint in context"
                    .to_string(),
                format!("the context '{name}' has no docker endpoint"),
                notes.clone(),
            )
        })?;
    let meta_origin = Origin::Context {
        name: name.clone(),
        path: meta_path.clone(),
    };
    let host_text = docker
        .get("Host")
        .and_then(|h| h.as_str())
        .unwrap_or_default();
    let host = if host_text.is_empty() {
        Sourced::new(
            DEFAULT_UNIX_SOCKET.to_string(),
            Origin::Default(format!(
                "the Docker client's default (the context '{name}' names no host)"
            )),
        )
    } else {
        Sourced::new(host_text.to_string(), meta_origin.clone())
    };
    let skip_verify = docker
        .get("SkipTLSVerify")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let tls_dir = config.join("contexts").join("tls").join(&id).join("docker");
    let tls_origin = Origin::Context {
        name: name.clone(),
        path: tls_dir.clone(),
    };
    let file = |file: &str| {
        let path = tls_dir.join(file);
        path.is_file()
            .then(|| Sourced::new(path, tls_origin.clone()))
    };
    let (ca, cert, key) = (file("ca.pem"), file("cert.pem"), file("key.pem"));
    let has_material = ca.is_some() || cert.is_some() || key.is_some();
    let transport = transport_of(&host.value);
    let tls = if !has_material && !skip_verify {
        Sourced::new(
            Tls::Off,
            Origin::Default(format!(
                "the context '{name}' has no TLS material ({} is empty or missing) and does not set \
                 SkipTLSVerify",
                tls_dir.display()
            )),
        )
    } else if skip_verify {
        Sourced::new(Tls::NoVerify, meta_origin.clone())
    } else {
        Sourced::new(Tls::Verify, tls_origin.clone())
    };
    if tls.value != Tls::Off {
        if ca.is_none() {
            notes.push(format!(
                "the context '{name}' has no ca.pem: the docker CLI checks the daemon against the \
                 system's trust store"
            ));
        }
        if cert.is_none() || key.is_none() {
            notes.push(format!(
                "the context '{name}' lacks cert.pem or key.pem: the docker CLI sends no client \
                 certificate"
            ));
        }
    }
    for (var, set) in [
        ("DOCKER_TLS_VERIFY", env.docker_tls_verify.is_some()),
        ("DOCKER_CERT_PATH", env.docker_cert_path.is_some()),
        ("DOCKER_TLS", env.docker_tls.is_some()),
    ] {
        if set {
            notes.push(format!(
                "{var} is ignored: the context '{name}' brings its own endpoint and TLS material"
            ));
        }
    }
    let tls = socket_means_no_tls(tls, transport, &mut notes);
    let mut host = host;
    if transport == Transport::Tcp && tcp_without_port(host_text) {
        // The context's host is used as written (no ParseHost); Go's net/http then dials the
        // scheme's port: 443 with TLS, 80 without (checked with the real CLI 28.2).
        let port = if tls.value == Tls::Off { 80 } else { 443 };
        notes.push(format!(
            "the context's host '{host_text}' has no port: the docker CLI connects to port {port}              (the https/http default), not 2376; give the port: docker context update {name}              --docker host=tcp://HOST:2376"
        ));
        let authority = host_text
            .trim_start_matches("tcp://")
            .split('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(':');
        host.value = format!("tcp://{authority}:{port}");
    }
    let keep = |f: Option<Sourced<PathBuf>>| if tls.value == Tls::Off { None } else { f };
    Ok(Endpoint {
        client: Client::DockerCli,
        context: Some(context),
        host,
        transport,
        tls: tls.clone(),
        ca: keep(ca),
        cert: keep(cert),
        key: keep(key),
        trust_override: None,
        notes,
    })
}

/// load.go `isSocket`: unix, npipe and fd never use TLS; ssh goes through `ssh`.
fn socket_means_no_tls(
    tls: Sourced<Tls>,
    transport: Transport,
    notes: &mut Vec<String>,
) -> Sourced<Tls> {
    if transport.uses_tls_files() {
        return tls;
    }
    if tls.value != Tls::Off {
        notes.push(format!(
            "TLS settings ({}) do not apply: the endpoint is a local socket or ssh, which never uses \
             Docker's TLS certificates",
            tls.origin.describe()
        ));
    }
    Sourced::new(
        Tls::Off,
        Origin::Default(
            "no TLS is involved for a unix socket, named pipe, fd or ssh endpoint".into(),
        ),
    )
}

/// How a host string is reached.
pub fn transport_of(host: &str) -> Transport {
    match host
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase())
    {
        Some(scheme) if scheme == "unix" || scheme == "http+unix" => Transport::Unix,
        Some(scheme) if scheme == "npipe" => Transport::Npipe,
        Some(scheme) if scheme == "ssh" => Transport::Ssh,
        Some(scheme) if scheme == "fd" => Transport::Fd,
        _ => Transport::Tcp,
    }
}

/// Whether a TCP host names no port (`tcp://h`, `h`, `tcp://[::1]`).
fn tcp_without_port(text: &str) -> bool {
    let text = text.trim();
    let rest = match text.split_once("://") {
        Some((scheme, rest)) if ["tcp", "http", "https"].contains(&scheme) => rest,
        Some(_) => return false,
        None => text,
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return false;
    }
    if let Some(inner) = authority.strip_prefix('[') {
        return !inner.contains("]:");
    }
    !authority.contains(':')
}

/// `opts.ParseHost` / `parseDockerDaemonHost` (opts/hosts.go) for a non-empty host: the
/// normalised host, or the CLI's error text.
pub fn parse_cli_host(raw: &str) -> Result<String, String> {
    let addr = raw.trim();
    let (proto, rest) = match addr.split_once("://") {
        Some((proto, rest)) => (proto, rest),
        None => ("tcp", addr),
    };
    let invalid = || format!("invalid bind address format: {addr}");
    match proto {
        "tcp" => {
            // ParseTCPAddr with defaultTCPHost tcp://localhost:2375.
            if rest.is_empty() {
                return Ok("tcp://localhost:2375".into());
            }
            if rest.contains("://") {
                return Err(format!("invalid proto, expected tcp: {addr}"));
            }
            let (authority, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            };
            let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
                let (host, after) = inner.split_once(']').ok_or_else(invalid)?;
                match after {
                    "" | ":" => (format!("[{host}]"), "2375"),
                    _ => (
                        format!("[{host}]"),
                        after.strip_prefix(':').ok_or_else(invalid)?,
                    ),
                }
            } else {
                match authority.matches(':').count() {
                    0 => (authority.to_string(), "2375"),
                    1 => {
                        let (h, p) = authority.split_once(':').unwrap_or((authority, ""));
                        (h.to_string(), if p.is_empty() { "2375" } else { p })
                    }
                    _ => return Err(invalid()),
                }
            };
            let host = if host.is_empty() {
                "localhost".to_string()
            } else {
                host
            };
            if port.parse::<u16>().is_err() {
                return Err(invalid());
            }
            Ok(format!("tcp://{host}:{port}{path}"))
        }
        "unix" | "npipe" => {
            if rest.contains("://") {
                return Err(format!("invalid proto, expected {proto}: {rest}"));
            }
            let default = if proto == "unix" {
                "/var/run/docker.sock"
            } else {
                "//./pipe/docker_engine"
            };
            Ok(format!(
                "{proto}://{}",
                if rest.is_empty() { default } else { rest }
            ))
        }
        "fd" | "ssh" => Ok(addr.to_string()),
        _ => Err(invalid()),
    }
}

/// The endpoint `docker.from_env()` of the Python docker SDK 7.2 uses, or the exception it raises.
pub fn python_sdk(env: &Env) -> Result<Endpoint, Refusal> {
    let mut notes = Vec::new();
    let refuse = |message: String, cause: String, notes: &[String]| Refusal {
        client: Client::PythonSdk,
        message,
        cause,
        usage: false,
        notes: notes.to_vec(),
    };
    // kwargs_from_env: DOCKER_TLS_VERIFY (non-empty) means verify; TLS when it or
    // DOCKER_CERT_PATH is set; the files are in DOCKER_CERT_PATH, else ~/.docker.
    let verify = env.docker_tls_verify.is_some();
    let env_tls = verify || env.docker_cert_path.is_some();
    let mut tls = Sourced::new(
        Tls::Off,
        Origin::Default("neither DOCKER_TLS_VERIFY nor DOCKER_CERT_PATH is set".into()),
    );
    let (mut ca, mut cert, mut key) = (None, None, None);
    if env_tls {
        let dir = match (&env.docker_cert_path, &env.home_dir) {
            (Some(dir), _) => Sourced::new(dir.clone(), Origin::Env("DOCKER_CERT_PATH")),
            (None, Some(home)) => Sourced::new(
                home.join(".docker"),
                Origin::Default(
                    "~/.docker, the SDK's default (DOCKER_CERT_PATH is not set; DOCKER_CONFIG is \
                     never used for certificates)"
                        .into(),
                ),
            ),
            (None, None) => {
                return Err(refuse(
                    "cannot find the home directory".into(),
                    "HOME is not set".into(),
                    &notes,
                ));
            }
        };
        let file = |name: &str| Sourced::new(dir.value.join(name), dir.origin.clone());
        let (c, k, a) = (file("cert.pem"), file("key.pem"), file("ca.pem"));
        // tls.py TLSConfig.__init__.
        if !c.value.is_file() || !k.value.is_file() {
            return Err(refuse(
                "docker.errors.TLSParameterError: Path to a certificate and key files must be provided \
                 through the client_cert param"
                    .into(),
                format!(
                    "{} or {} does not exist ({})",
                    c.value.display(),
                    k.value.display(),
                    dir.origin.describe()
                ),
                &notes,
            ));
        }
        if verify && !a.value.is_file() {
            return Err(refuse(
                "docker.errors.TLSParameterError: Invalid CA certificate provided for `ca_cert`."
                    .into(),
                format!("{} does not exist", a.value.display()),
                &notes,
            ));
        }
        tls = if verify {
            Sourced::new(Tls::Verify, Origin::Env("DOCKER_TLS_VERIFY"))
        } else {
            notes.push(
                "DOCKER_CERT_PATH is set without DOCKER_TLS_VERIFY: the SDK uses TLS but does not \
                 verify the daemon's certificate"
                    .into(),
            );
            Sourced::new(Tls::NoVerify, Origin::Env("DOCKER_CERT_PATH"))
        };
        ca = verify.then_some(a);
        cert = Some(c);
        key = Some(k);
    }
    if env.docker_tls.is_some() && !env_tls {
        notes.push(
            "DOCKER_TLS is set: the Python SDK does not read it (only the docker CLI does)".into(),
        );
    }

    let mut context = None;
    let raw_host = match &env.docker_host {
        Some(host) => Sourced::new(host.clone(), Origin::Env("DOCKER_HOST")),
        None => {
            // client.py from_env, since 7.2: the CLI's current context when DOCKER_HOST is unset.
            let (name, origin, config_json) = sdk_context_name(env);
            match name {
                Some(name) if name != DEFAULT_CONTEXT => {
                    let contexts = config_json
                        .as_deref()
                        .and_then(Path::parent)
                        .map(|dir| dir.join("contexts"));
                    match contexts.and_then(|dir| sdk_load_context(&dir, &name)) {
                        Some((host, files, meta, skip)) => {
                            context = Some(Sourced::new(name.clone(), origin));
                            if !env_tls && let Some(dir) = files {
                                let o = Origin::Context {
                                    name: name.clone(),
                                    path: dir.clone(),
                                };
                                ca = Some(Sourced::new(dir.join("ca.pem"), o.clone()));
                                cert = Some(Sourced::new(dir.join("cert.pem"), o.clone()));
                                key = Some(Sourced::new(dir.join("key.pem"), o.clone()));
                                tls = if skip {
                                    Sourced::new(Tls::NoVerify, o)
                                } else {
                                    Sourced::new(Tls::Verify, o)
                                };
                            } else if env_tls {
                                notes.push(format!(
                                    "the SDK takes the host from the context '{name}' but its TLS \
                                     files from the environment ({})",
                                    tls.origin.describe()
                                ));
                            }
                            Sourced::new(
                                host,
                                Origin::Context {
                                    name: name.clone(),
                                    path: meta,
                                },
                            )
                        }
                        None => {
                            notes.push(format!(
                                "the context '{name}' ({}) does not exist where the SDK looks: it \
                                 silently uses the local socket (the docker CLI refuses instead)",
                                origin.describe()
                            ));
                            Sourced::new(
                                DEFAULT_UNIX_SOCKET.to_string(),
                                Origin::Default("the SDK's default".into()),
                            )
                        }
                    }
                }
                _ => Sourced::new(
                    DEFAULT_UNIX_SOCKET.to_string(),
                    Origin::Default(
                        "the SDK's default (DOCKER_HOST is not set and the current context is \
                         'default')"
                            .into(),
                    ),
                ),
            }
        }
    };
    if env.docker_host.is_some() && env.docker_context.is_some() {
        notes.push(
            "DOCKER_HOST is set: the SDK ignores DOCKER_CONTEXT and the current context".into(),
        );
    }

    // utils.py parse_host.
    let text = raw_host.value.trim().to_string();
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme.chars().all(|c| c.is_ascii_alphabetic() || c == '+') =>
        {
            (scheme.to_string(), rest.to_string())
        }
        _ => ("tcp".to_string(), text.clone()),
    };
    let transport;
    let host_value;
    match scheme.as_str() {
        "tcp" | "http" | "https" => {
            transport = Transport::Tcp;
            let authority = rest.split('/').next().unwrap_or_default().to_string();
            if authority.is_empty() {
                return Err(refuse(
                    format!("docker.errors.DockerException: Invalid bind address format: {text}"),
                    format!("{} names no host", raw_host.origin.describe()),
                    &notes,
                ));
            }
            if tcp_without_port(&text) {
                return Err(refuse(
                    format!(
                        "docker.errors.DockerException: Invalid bind address format: port is required: {text}"
                    ),
                    format!(
                        "{} is '{text}' without a port: the SDK refuses it (the docker CLI would use 2375)",
                        raw_host.origin.describe()
                    ),
                    &notes,
                ));
            }
            if scheme == "https" && tls.value == Tls::Off {
                notes.push(format!(
                    "'{text}' makes the SDK use TLS with no Docker CA and no client certificate: it \
                     checks the daemon against certifi's public CAs and sends no certificate"
                ));
                tls = Sourced::new(Tls::Verify, raw_host.origin.clone());
            }
            host_value = format!("tcp://{authority}");
        }
        "unix" | "http+unix" => {
            transport = Transport::Unix;
            host_value = if rest.is_empty() {
                DEFAULT_UNIX_SOCKET.to_string()
            } else {
                format!("unix://{rest}")
            };
        }
        "npipe" => {
            transport = Transport::Npipe;
            host_value = text.clone();
        }
        "ssh" => {
            transport = Transport::Ssh;
            host_value = text.clone();
        }
        "fd" => {
            return Err(refuse(
                "docker.errors.DockerException: fd protocol is not implemented".into(),
                format!("{} is '{text}'", raw_host.origin.describe()),
                &notes,
            ));
        }
        _ => {
            return Err(refuse(
                format!("docker.errors.DockerException: Invalid bind address protocol: {text}"),
                format!("{} is '{text}'", raw_host.origin.describe()),
                &notes,
            ));
        }
    }
    let host = Sourced::new(host_value, raw_host.origin);
    let mut tls = socket_means_no_tls(tls, transport, &mut notes);
    // requests' merge_environment_settings: the bundle replaces whatever `verify` the SDK set,
    // and even turns verification on where the SDK had it off.
    let mut trust_override = None;
    if tls.value != Tls::Off {
        let bundle = env
            .requests_ca_bundle
            .as_ref()
            .map(|b| (b, "REQUESTS_CA_BUNDLE"))
            .or(env.curl_ca_bundle.as_ref().map(|b| (b, "CURL_CA_BUNDLE")));
        if let Some((bundle, var)) = bundle {
            trust_override = Some(Sourced::new(PathBuf::from(bundle), Origin::Env(var)));
            if tls.value == Tls::NoVerify {
                notes.push(format!(
                    "{var} turns the SDK's verification on: requests verifies against the bundle \
                     even though DOCKER_TLS_VERIFY is not set"
                ));
                tls = Sourced::new(Tls::Verify, Origin::Env(var));
            }
        }
    }
    let keep = |f: Option<Sourced<PathBuf>>| if tls.value == Tls::Off { None } else { f };
    Ok(Endpoint {
        client: Client::PythonSdk,
        context,
        host,
        transport,
        tls: tls.clone(),
        ca: keep(ca),
        cert: keep(cert),
        key: keep(key),
        trust_override,
        notes,
    })
}

/// The SDK's context name and where it came from (context/api.py `kwargs_from_context`,
/// context/config.py `get_current_context_name`), and the config.json it found
/// (utils/config.py `find_config_file`: DOCKER_CONFIG/config.json, else ~/.docker/config.json,
/// whichever exists first).
fn sdk_context_name(env: &Env) -> (Option<String>, Origin, Option<PathBuf>) {
    let candidates = [
        env.docker_config.as_ref().map(|d| d.join("config.json")),
        env.home_dir
            .as_ref()
            .map(|h| h.join(".docker").join("config.json")),
        env.home_dir.as_ref().map(|h| h.join(".dockercfg")),
    ];
    let config_json = candidates.into_iter().flatten().find(|p| p.exists());
    if let Some(name) = &env.docker_context {
        return (
            Some(name.clone()),
            Origin::Env("DOCKER_CONTEXT"),
            config_json,
        );
    }
    let name = config_json.as_ref().and_then(|path| {
        let text = std::fs::read_to_string(path).ok()?;
        let value: serde_json::Value = serde_json::from_str(&text).ok()?;
        value
            .get("currentContext")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    });
    let origin = match &config_json {
        Some(path) => Origin::CurrentContext(path.clone()),
        None => Origin::Default("no config.json".into()),
    };
    (name, origin, config_json)
}

/// context/context.py `load_context`: the host, the TLS directory when it holds all three files,
/// the meta.json path and SkipTLSVerify. None when the context does not exist.
fn sdk_load_context(
    contexts: &Path,
    name: &str,
) -> Option<(String, Option<PathBuf>, PathBuf, bool)> {
    let id = super::context_id(name);
    let meta = contexts.join("meta").join(&id).join("meta.json");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta).ok()?).ok()?;
    let docker = value.get("Endpoints")?.get("docker")?;
    let host = docker
        .get("Host")
        .and_then(|h| h.as_str())
        .unwrap_or(DEFAULT_UNIX_SOCKET)
        .to_string();
    let skip = docker
        .get("SkipTLSVerify")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    let dir = contexts.join("tls").join(&id).join("docker");
    let complete = ["ca.pem", "cert.pem", "key.pem"]
        .iter()
        .all(|f| dir.join(f).is_file());
    Some((host, complete.then_some(dir), meta, skip))
}

/// Environment pitfalls about how the two clients read the environment, beyond those `verify`
/// knows (`verify::env_warnings`): DOCKER_TLS for DOCKER_TLS_VERIFY, a DOCKER_CERT_PATH without
/// the three files, a DOCKER_HOST with https:// or without a port.
pub fn env_pitfalls(env: &Env) -> Vec<crate::finding::Finding> {
    use crate::finding::Finding;
    let mut out = Vec::new();
    if let Some(value) = &env.docker_tls
        && env.docker_tls_verify.is_none()
    {
        out.push(
            Finding::warning(
                "env-docker-tls",
                "DOCKER_TLS",
                format!(
                    "DOCKER_TLS={value} is set but DOCKER_TLS_VERIFY is not: the docker CLI uses TLS                      without verifying the daemon's certificate, and the Python SDK ignores DOCKER_TLS                      altogether"
                ),
            )
            .with_fix("unset DOCKER_TLS; export DOCKER_TLS_VERIFY=1"),
        );
    }
    if let Some(dir) = &env.docker_cert_path {
        let missing: Vec<&str> = ["ca.pem", "cert.pem", "key.pem"]
            .into_iter()
            .filter(|f| !dir.join(f).is_file())
            .collect();
        if !missing.is_empty() {
            out.push(
                Finding::error(
                    "env-cert-path-incomplete",
                    dir.display().to_string(),
                    format!(
                        "DOCKER_CERT_PATH={} lacks {}: the docker CLI fails without ca.pem and sends no                          client certificate without cert.pem and key.pem; the Python SDK refuses to start",
                        dir.display(),
                        missing.join(", ")
                    ),
                )
                .with_fix(
                    "export DOCKER_CERT_PATH=DIR with the directory that holds ca.pem, cert.pem and                      key.pem (dockcert list shows where clients were written)",
                ),
            );
        }
    }
    if let Some(host) = &env.docker_host {
        let lower = host.trim().to_ascii_lowercase();
        let fixed = |authority: &str| {
            let authority = authority.split('/').next().unwrap_or_default();
            if tcp_without_port(authority) {
                format!("tcp://{authority}:2376")
            } else {
                format!("tcp://{authority}")
            }
        };
        if let Some(rest) = lower.strip_prefix("https://") {
            out.push(
                Finding::warning(
                    "env-host-https",
                    "DOCKER_HOST",
                    format!(
                        "DOCKER_HOST={host} uses https://: the docker CLI refuses it ('invalid bind                          address format'), while the Python SDK accepts it"
                    ),
                )
                .with_fix(format!("export DOCKER_HOST={}", fixed(rest))),
            );
        } else if transport_of(host) == Transport::Tcp && tcp_without_port(host) {
            let rest = lower.strip_prefix("tcp://").unwrap_or(&lower);
            out.push(
                Finding::warning(
                    "env-host-no-port",
                    "DOCKER_HOST",
                    format!(
                        "DOCKER_HOST={host} has no port: the docker CLI then uses 2375 (the plain-HTTP                          port, even with TLS) and the Python SDK refuses it ('port is required')"
                    ),
                )
                .with_fix(format!("export DOCKER_HOST={}", fixed(rest))),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
