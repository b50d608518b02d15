//! The command line, declared with clap. Doc comments here are the help text. Value parsers only
//! validate and convert single values; the commands combine them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::names::{self, SanArg};
use crate::pki::KeyType;

/// Secure a Docker daemon's remote API with mutual TLS: certificates made right, in one command.
#[derive(Debug, Parser)]
#[command(
    name = "dockcert",
    version,
    after_help = "Examples:\n  \
        dockcert init --san IP:203.0.113.7             CA, server and client certificates\n  \
        dockcert init --san docker.example.com --key-type rsa-4096\n\n\
        Exit codes: 0 success, 2 error."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a CA, a dockerd server certificate and a docker CLI client certificate.
    Init(InitArgs),
    /// Check existing Docker TLS files for every problem dockerd or the docker CLI will hit.
    Audit(AuditArgs),
    /// Show what a certificate or key file holds.
    Inspect(InspectArgs),
}

/// Options of `dockcert init`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # A daemon reached as 203.0.113.7 and docker.example.com; client files go to ~/.docker\n  \
    dockcert init --san IP:203.0.113.7 --san docker.example.com\n\n  \
    # RSA like Docker's openssl guide, files in explicit places\n  \
    dockcert init --san 10.0.0.5 --key-type rsa-4096 --daemon-dir /etc/docker/tls --client-dir ./client\n\n  \
    # Replace an existing set (old files are kept as timestamped backups)\n  \
    dockcert init --san IP:203.0.113.7 --force\n\n\
    localhost, 127.0.0.1 and ::1 are always added to the server certificate, after your names.\n\
    Keys are written 0400 and certificates 0444; directories are created 0700.")]
pub struct InitArgs {
    /// A name the daemon is reached by: DNS:name, IP:address, or a bare name or address.
    /// Repeat it or separate names with commas.
    #[arg(long = "san", value_name = "SAN", value_delimiter = ',', value_parser = parse_san)]
    pub sans: Vec<SanArg>,

    /// The server certificate's common name [default: the first DNS SAN you gave, else localhost].
    #[arg(long, value_name = "NAME")]
    pub cn: Option<String>,

    /// The client certificate's common name.
    #[arg(long, value_name = "NAME", default_value = "client")]
    pub client_cn: String,

    /// Key algorithm for the CA and both certificates: ecdsa-p256, ecdsa-p384, ed25519, rsa-2048,
    /// rsa-3072 or rsa-4096.
    #[arg(long, value_name = "TYPE", default_value = "ecdsa-p256")]
    pub key_type: KeyType,

    /// Validity of the server and client certificates, in days.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 365,
        allow_negative_numbers = true
    )]
    pub days: i64,

    /// Validity of the CA certificate, in days.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3650,
        allow_negative_numbers = true
    )]
    pub ca_days: i64,

    /// dockcert's home, where the CA is kept [default: $DOCKCERT_HOME, else ~/.local/share/dockcert].
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Where to write the daemon's ca.pem, server-cert.pem and server-key.pem [default: <home>/daemon].
    #[arg(long, value_name = "DIR")]
    pub daemon_dir: Option<PathBuf>,

    /// Where to write the client's ca.pem, cert.pem and key.pem [default: $DOCKER_CERT_PATH, else
    /// ~/.docker].
    #[arg(long, value_name = "DIR")]
    pub client_dir: Option<PathBuf>,

    /// Replace existing files (each is first kept as a timestamped backup next to it).
    #[arg(long)]
    pub force: bool,

    /// Print the summary as one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// Options of `dockcert audit`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # The docker CLI's files, dockcert's home and every docker context\n  \
    dockcert audit\n\n  \
    # A daemon directory, a docker:dind certs directory and a daemon.json\n  \
    dockcert audit /etc/docker/tls /certs /etc/docker/daemon.json --host docker.example.com\n\n  \
    # One chain, explicitly: a client certificate as of a given moment\n  \
    dockcert audit --ca ca.pem --cert cert.pem --key key.pem --purpose client --at 2027-01-01T00:00:00Z\n\n\
    PATH may be a client directory (ca.pem, cert.pem, key.pem), a daemon directory (ca.pem,\n\
    server-cert.pem, server-key.pem), dockcert's home, a docker:dind DOCKER_TLS_CERTDIR (ca/, server/,\n\
    client/), a docker context store (~/.docker/contexts) or a daemon.json.\n\n\
    Exit codes: 0 no errors (warnings allowed), 1 at least one error found, 2 usage or I/O error.")]
pub struct AuditArgs {
    /// Directories or daemon.json files to check [default: $DOCKER_CERT_PATH or ~/.docker,
    /// dockcert's home, and the docker context store].
    #[arg(value_name = "PATH", conflicts_with_all = ["ca", "cert", "key", "intermediates"])]
    pub paths: Vec<PathBuf>,

    /// The trust anchors (CA certificates, PEM or DER) of the explicit form.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub ca: Option<PathBuf>,

    /// The certificate to check (explicit form); intermediates may follow it in the same file.
    #[arg(long, value_name = "FILE", requires = "ca")]
    pub cert: Option<PathBuf>,

    /// The certificate's private key (explicit form).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Intermediate CA certificates for path building (explicit form).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub intermediates: Option<PathBuf>,

    /// What the certificate is for in the explicit form: server (serverAuth) or client
    /// (clientAuth).
    #[arg(long, value_name = "PURPOSE", value_enum, default_value_t = PurposeArg::Server)]
    pub purpose: PurposeArg,

    /// The name or address clients use for the daemon; server certificates must cover it
    /// [default: the host of $DOCKER_HOST when it is tcp://].
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    /// Check validity as of this moment (RFC 3339, e.g. 2027-01-01T00:00:00Z) [default: now].
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub at: Option<time::OffsetDateTime>,

    /// Warn about certificates that expire within this many days.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub warn_days: u32,

    /// Print the findings as one JSON document (schema in the README).
    #[arg(long)]
    pub json: bool,
}

/// `--purpose` of `dockcert audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PurposeArg {
    /// A dockerd server certificate (serverAuth).
    Server,
    /// A docker CLI client certificate (clientAuth).
    Client,
}

impl From<PurposeArg> for crate::audit::Purpose {
    fn from(arg: PurposeArg) -> Self {
        match arg {
            PurposeArg::Server => crate::audit::Purpose::Server,
            PurposeArg::Client => crate::audit::Purpose::Client,
        }
    }
}

/// Options of `dockcert inspect`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    dockcert inspect ~/.docker/cert.pem\n  \
    dockcert inspect /etc/docker/tls/server-key.pem     # key type, and which certificate it matches\n  \
    openssl s_client -connect host:2376 -showcerts </dev/null | dockcert inspect -\n\n\
    Exit codes: 0 success, 2 error (unreadable or unparsable input).")]
pub struct InspectArgs {
    /// A PEM (bundles too) or DER certificate or private key file; - reads standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

fn parse_rfc3339(value: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).map_err(
        |err| format!("'{value}' is not an RFC 3339 time such as 2027-01-01T00:00:00Z ({err})"),
    )
}

fn parse_san(value: &str) -> Result<SanArg, String> {
    names::parse_san(value)
}
