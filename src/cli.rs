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
        dockcert init --san docker.example.com --key-type rsa-4096\n  \
        dockcert verify --host tcp://203.0.113.7:2376         live mTLS check, with ~/.docker's files\n\n\
        Exit codes: 0 success, 1 a check failed (verify), 2 error."
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
    /// Check a live mutual-TLS connection to a Docker daemon and name the cause of any failure.
    Verify(VerifyArgs),
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

fn parse_san(value: &str) -> Result<SanArg, String> {
    names::parse_san(value)
}

/// Options of `dockcert verify`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # The daemon in DOCKER_HOST, with DOCKER_CERT_PATH's (or ~/.docker's) ca.pem, cert.pem, key.pem\n  \
    dockcert verify\n\n  \
    # An explicit daemon and certificate directory\n  \
    dockcert verify --host tcp://203.0.113.7:2376 --cert-path ./client\n\n  \
    # Three explicit files, a short timeout, JSON out\n  \
    dockcert verify -H tcp://docker.example.com:2376 --tlscacert ca.pem --tlscert cert.pem --tlskey key.pem \\\n      \
    --timeout 3 --json\n\n\
    Exit codes: 0 the daemon works with these certificates, 1 the check failed (the daemon or the\n\
    certificates are at fault), 2 usage or local error.")]
pub struct VerifyArgs {
    /// The daemon, tcp://HOST[:PORT] (port 2376 by default) [default: $DOCKER_HOST].
    #[arg(long, short = 'H', value_name = "URL")]
    pub host: Option<String>,

    /// Directory with ca.pem, cert.pem and key.pem [default: $DOCKER_CERT_PATH, else ~/.docker].
    #[arg(long, value_name = "DIR", conflicts_with_all = ["tlscacert", "tlscert", "tlskey"])]
    pub cert_path: Option<PathBuf>,

    /// The CA certificate to trust (with --tlscert and --tlskey, instead of --cert-path).
    #[arg(long, value_name = "FILE", requires_all = ["tlscert", "tlskey"])]
    pub tlscacert: Option<PathBuf>,

    /// The client certificate.
    #[arg(long, value_name = "FILE", requires_all = ["tlscacert", "tlskey"])]
    pub tlscert: Option<PathBuf>,

    /// The client key.
    #[arg(long, value_name = "FILE", requires_all = ["tlscacert", "tlscert"])]
    pub tlskey: Option<PathBuf>,

    /// Seconds to wait for the connection and for each answer.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,

    /// Print the result as one JSON document.
    #[arg(long)]
    pub json: bool,
}
