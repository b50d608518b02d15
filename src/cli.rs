//! The command line, declared with clap. Doc comments here are the help text. Value parsers only
//! validate and convert single values; the commands combine them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::pki::KeyType;
use crate::pki::names::{self, SanSpec};

/// Secure a Docker daemon's remote API with mutual TLS: certificates made right, in one command.
#[derive(Debug, Parser)]
#[command(
    name = "dockcert",
    version,
    after_help = "Examples:\n  \
        dockcert init --san IP:203.0.113.7              CA, server and client certificates\n  \
        dockcert verify --host tcp://203.0.113.7:2376   live mTLS check with ~/.docker's files\n  \
        dockcert audit                                  every problem in the TLS files found here\n  \
        dockcert doctor                                 which daemon and files docker and the Python SDK use, and why it fails\n  \
        dockcert issue client --name alice              one more client from the same CA\n  \
        dockcert context create prod --host tcp://203.0.113.7:2376 --use\n  \
        dockcert provision root@203.0.113.7             secure a remote host over ssh, with rollback\n\n\
        Exit codes: 0 success; 1 a check found a problem (verify, audit, doctor) or a host failed \
        (provision, a push of renew or rotate-ca); 2 error."
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
    /// Issue another client or server certificate from dockcert's CA.
    #[command(subcommand)]
    Issue(IssueKind),
    /// Show every certificate issued from dockcert's CA, with days left.
    List(ListArgs),
    /// Re-issue the certificates that expire soon, in every place they were written.
    Renew(RenewArgs),
    /// Replace the CA in three steps without cutting anyone off.
    RotateCa(RotateArgs),
    /// Adopt an existing CA, such as one made with Docker's openssl guide.
    ImportCa(ImportArgs),
    /// Write a docker CLI context that uses a client's certificates.
    #[command(subcommand)]
    Context(ContextAction),
    /// Print the shell commands that point the docker CLI at a TLS daemon (eval "$(dockcert env)").
    Env(EnvArgs),
    /// Check existing Docker TLS files for every problem dockerd or the docker CLI will hit.
    Audit(AuditArgs),
    /// Why doesn't it work? Where the docker CLI and the Python docker SDK connect, with which
    /// files, whether that works, and the commands that fix it.
    Doctor(DoctorArgs),
    /// Show what a certificate or key file holds.
    Inspect(InspectArgs),
    /// Produce (and with --apply, write) the daemon.json that serves the API with mutual TLS.
    DaemonConfig(DaemonConfigArgs),
    /// Secure remote Docker hosts over ssh, end to end: certificate, daemon.json, restart, check,
    /// rollback on failure, and a docker context per host.
    Provision(ProvisionArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the man page (roff); `make install` installs it.
    #[command(hide = true)]
    Man,
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
    /// A name the daemon is reached by: DNS:name, IP:address, or a bare name or address; `auto`
    /// adds this machine's host name, FQDN and interface addresses. Repeat it or separate names
    /// with commas.
    #[arg(long = "san", value_name = "SAN", value_delimiter = ',', value_parser = parse_san_spec)]
    pub sans: Vec<SanSpec>,

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

    /// `docker` (the three usual places) or `dind` (a docker:dind DOCKER_TLS_CERTDIR tree).
    #[arg(long, value_enum, default_value = "docker")]
    pub layout: InitLayout,

    /// With --layout dind: the directory mounted as the dind container's DOCKER_TLS_CERTDIR.
    #[arg(long, value_name = "DIR", required_if_eq("layout", "dind"), conflicts_with_all = ["daemon_dir", "client_dir"])]
    pub certdir: Option<PathBuf>,

    /// Where to write the client's ca.pem, cert.pem and key.pem [default: $DOCKER_CERT_PATH, else
    /// $DOCKER_CONFIG, else ~/.docker: where the docker CLI looks].
    #[arg(long, value_name = "DIR")]
    pub client_dir: Option<PathBuf>,

    /// Replace existing files (each is first kept as a timestamped backup next to it).
    #[arg(long)]
    pub force: bool,

    /// Store the CA key encrypted (PKCS#8 PBES2, PBKDF2-HMAC-SHA256 600,000 iterations,
    /// AES-256-CBC); the passphrase comes from --passphrase-file, $DOCKCERT_CA_PASSPHRASE or a prompt.
    #[arg(long)]
    pub encrypt_ca_key: bool,

    /// A file whose first line is the CA key's passphrase (with --encrypt-ca-key).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,

    /// Print the summary as one JSON document.
    #[arg(long)]
    pub json: bool,
}

fn parse_san_spec(value: &str) -> Result<SanSpec, String> {
    names::parse_san_spec(value)
}

/// Where `init` writes the daemon's and the client's files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InitLayout {
    /// --daemon-dir (ca.pem, server-cert.pem, server-key.pem) and --client-dir (ca.pem, cert.pem,
    /// key.pem).
    Docker,
    /// A docker:dind DOCKER_TLS_CERTDIR under --certdir: ca/cert.pem, server/, client/.
    Dind,
}

/// Options of `dockcert verify`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Exactly what `docker version` would use now (context, DOCKER_HOST, DOCKER_TLS_VERIFY ...)\n  \
    dockcert verify\n\n  \
    # The docker context prod, with the context's own copies of the files\n  \
    dockcert verify --context prod\n\n  \
    # An explicit daemon and certificate directory\n  \
    dockcert verify --host tcp://203.0.113.7:2376 --cert-path ./client\n\n  \
    # Three explicit files, a short timeout, JSON out\n  \
    dockcert verify -H tcp://docker.example.com:2376 --tlscacert ca.pem --tlscert cert.pem --tlskey key.pem \\\n      \
    --timeout 3 --json\n\n\
    Exit codes: 0 the daemon works with these certificates, 1 the check failed (the daemon or the\n\
    certificates are at fault), 2 usage or local error.")]
pub struct VerifyArgs {
    /// The daemon, tcp://HOST[:PORT] (port 2376 by default) [default: the endpoint the docker CLI
    /// would use: --context, DOCKER_HOST, DOCKER_CONTEXT, currentContext, the default context].
    #[arg(long, short = 'H', value_name = "URL")]
    pub host: Option<String>,

    /// Check the docker context NAME, as `docker --context NAME` would use it (its host and its
    /// own copies of the TLS files).
    #[arg(long, short = 'c', value_name = "NAME")]
    pub context: Option<String>,

    /// Directory with ca.pem, cert.pem and key.pem [default: the files the docker CLI would use:
    /// the context's copies, or $DOCKER_CERT_PATH, else $DOCKER_CONFIG, else ~/.docker].
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

/// Options every command that uses dockcert's CA takes.
#[derive(Debug, Args)]
pub struct HomeArgs {
    /// dockcert's home, where the CA is kept [default: $DOCKCERT_HOME, else ~/.local/share/dockcert].
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// A file whose first line is the passphrase of an encrypted CA key [default:
    /// $DOCKCERT_CA_PASSPHRASE, else a prompt].
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

impl HomeArgs {
    /// Where the CA key's passphrase comes from.
    pub fn passphrase(&self) -> crate::pki::passphrase::Source {
        crate::pki::passphrase::Source {
            file: self.passphrase_file.clone(),
        }
    }
}

/// What `dockcert issue` makes.
#[derive(Debug, Subcommand)]
pub enum IssueKind {
    /// A client certificate (clientAuth) for one person or CI runner.
    Client(IssueClientArgs),
    /// A server certificate (serverAuth) for one more daemon, or many with --from.
    Server(IssueServerArgs),
}

/// Options of `dockcert issue client`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    dockcert issue client --name alice                 # <home>/clients/alice/{ca,cert,key}.pem\n  \
    dockcert issue client --name ci-runner-3 --days 30 --out ./ci-certs\n\n\
    dockerd checks no revocation lists: a separate, short-lived certificate per client is the only\n\
    way to cut one off (let it expire).")]
pub struct IssueClientArgs {
    /// The client's name: its certificate's CN and its directory's name.
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// Where to write ca.pem, cert.pem and key.pem (a ready DOCKER_CERT_PATH) [default:
    /// <home>/clients/NAME].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: IssueCommon,
}

/// Options of `dockcert issue server`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    dockcert issue server --name docker2.example.com --san IP:203.0.113.8\n  \
    dockcert issue server --from hosts.txt             # one host per line: NAME [SAN...]\n\n\
    localhost, 127.0.0.1 and ::1 are always added, after the host's own names.")]
pub struct IssueServerArgs {
    /// The daemon's host name or address: the first SAN, the CN and the directory's name.
    #[arg(
        long,
        value_name = "HOST",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub name: Option<String>,

    /// More names the daemon is reached by (as for init; `auto` for this machine's names).
    #[arg(long = "san", value_name = "SAN", value_delimiter = ',', value_parser = parse_san_spec, conflicts_with = "from")]
    pub sans: Vec<SanSpec>,

    /// A file with one host per line, `NAME [SAN...]` ('#' starts a comment): all are issued in
    /// one run, in parallel, each into <home>/servers/NAME.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// Where to write ca.pem, server-cert.pem and server-key.pem [default: <home>/servers/HOST].
    #[arg(long, value_name = "DIR", conflicts_with = "from")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: IssueCommon,
}

/// Options shared by `issue client` and `issue server`.
#[derive(Debug, Args)]
pub struct IssueCommon {
    /// Validity in days [default: 365, or until the CA expires if that is sooner].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub days: Option<i64>,

    /// Key algorithm: ecdsa-p256, ecdsa-p384, ed25519, rsa-2048, rsa-3072 or rsa-4096.
    #[arg(long, value_name = "TYPE", default_value = "ecdsa-p256")]
    pub key_type: KeyType,

    /// Replace existing files (each is first kept as a timestamped backup next to it).
    #[arg(long)]
    pub force: bool,

    /// Print the result as one JSON document.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub home: HomeArgs,
}

/// Options of `dockcert list`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  dockcert list\n  dockcert list --all --json")]
pub struct ListArgs {
    /// Also show certificates that were replaced (renewed or rotated).
    #[arg(long)]
    pub all: bool,

    /// Print the inventory as one JSON document.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub home: HomeArgs,
}

/// Options of `dockcert renew`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    dockcert renew --dry-run              # what expires within 30 days\n  \
    dockcert renew --within 60\n  \
    dockcert renew --name alice --within 400\n\n\
    dockerd does not reload its TLS files: restart the daemons listed afterwards.")]
pub struct RenewArgs {
    /// Renew what expires within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub within: i64,

    /// Renew only the certificates with this name (CN).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Say what would be renewed, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not push renewed server certificates to the hosts `provision` set up.
    #[arg(long)]
    pub no_push: bool,

    /// Print the result as one JSON document.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub home: HomeArgs,
}

/// Options of `dockcert rotate-ca`.
#[derive(Debug, Args)]
#[command(
    after_help = "The three steps, so that no daemon or client is ever cut off:\n  \
    dockcert rotate-ca --begin     new CA; every ca.pem trusts old and new; restart the daemons,\n  \
    \x20                              copy ca.pem to the clients\n  \
    dockcert rotate-ca --reissue   every certificate re-issued by the new CA; restart the daemons,\n  \
    \x20                              copy cert.pem and key.pem to the clients\n  \
    dockcert rotate-ca --finish    only the new CA is trusted; restart the daemons, copy ca.pem\n  \
    dockcert rotate-ca             where the rotation stands and what to do next"
)]
pub struct RotateArgs {
    /// Step 1: make the new CA and make every known ca.pem trust both CAs.
    #[arg(long, conflicts_with_all = ["reissue", "finish"])]
    pub begin: bool,

    /// Step 2: re-issue every known certificate under the new CA.
    #[arg(long, conflicts_with_all = ["begin", "finish"])]
    pub reissue: bool,

    /// Step 3: drop the old CA from every ca.pem.
    #[arg(long, conflicts_with_all = ["begin", "reissue"])]
    pub finish: bool,

    /// Validity of the new CA, in days (with --begin).
    #[arg(long, value_name = "N", default_value_t = 3650)]
    pub ca_days: i64,

    /// Key algorithm of the new CA (with --begin).
    #[arg(long, value_name = "TYPE", default_value = "ecdsa-p256")]
    pub key_type: KeyType,

    /// Store the new CA key encrypted (with --begin; the default when the current one is).
    #[arg(long)]
    pub encrypt_ca_key: bool,

    /// Print the result as one JSON document.
    #[arg(long)]
    pub json: bool,

    /// Do not push `ca.pem` (--begin, --finish) or the re-issued server certificates (--reissue)
    /// to the hosts `provision` set up.
    #[arg(long)]
    pub no_push: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub home: HomeArgs,
}

/// Options of `dockcert import-ca`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # The CA made with Docker's openssl guide (its key may be encrypted: -aes256)\n  \
    DOCKCERT_CA_PASSPHRASE=... dockcert import-ca --cert ca.pem --key ca-key.pem\n  \
    dockcert import-ca --cert ca.pem --key ca-key.pem --encrypt-ca-key --passphrase-file pass.txt\n\n\
    Accepted keys: PKCS#8 (plain or ENCRYPTED PRIVATE KEY), PKCS#1 RSA and SEC1 EC keys, and\n\
    OpenSSL's legacy 'Proc-Type: 4,ENCRYPTED' form.")]
pub struct ImportArgs {
    /// The CA certificate (PEM or DER).
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,

    /// The CA's private key.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    /// Store the CA key encrypted (PKCS#8 PBES2, PBKDF2-HMAC-SHA256 600,000 iterations,
    /// AES-256-CBC).
    #[arg(long)]
    pub encrypt_ca_key: bool,

    /// Replace a CA already in the home (the old files are kept as timestamped backups).
    #[arg(long)]
    pub force: bool,

    /// Print the result as one JSON document.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub home: HomeArgs,
}

/// What `dockcert context` does.
#[derive(Debug, Subcommand)]
pub enum ContextAction {
    /// Create a context in the docker CLI's store, exactly as `docker context create` would.
    Create(ContextCreateArgs),
}

/// Options of `dockcert context create`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    dockcert context create prod --host tcp://203.0.113.7:2376 --use\n  \
    dockcert context create ci --host tcp://docker.example.com:2376 --cert-path ~/.local/share/dockcert/clients/ci\n  \
    docker --context prod version\n\n\
    The context holds copies of the files; 'dockcert renew' refreshes them.")]
pub struct ContextCreateArgs {
    /// The context's name (as the docker CLI allows: ^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$).
    pub name: String,

    /// The daemon, tcp://HOST[:PORT].
    #[arg(long, short = 'H', value_name = "URL")]
    pub host: String,

    /// The client files to copy into the context [default: $DOCKER_CERT_PATH, else $DOCKER_CONFIG, else ~/.docker].
    #[arg(long, value_name = "DIR")]
    pub cert_path: Option<PathBuf>,

    /// A description shown by `docker context ls`.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// Make it the current context (`currentContext` in config.json; other keys are kept).
    #[arg(long = "use")]
    pub use_it: bool,

    /// Replace a context of the same name (its old files are kept as backups).
    #[arg(long)]
    pub force: bool,

    /// Print the result as one JSON document.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub home: HomeArgs,
}

/// The shells `dockcert env` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// bash (and sh, ksh).
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Windows cmd.exe.
    Cmd,
}

/// Options of `dockcert env`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    eval \"$(dockcert env --host tcp://203.0.113.7:2376)\"\n  \
    dockcert env --shell fish --host tcp://203.0.113.7:2376 | source\n  \
    eval \"$(dockcert env --unset)\"")]
pub struct EnvArgs {
    /// The daemon, tcp://HOST[:PORT] [default: $DOCKER_HOST].
    #[arg(long, short = 'H', value_name = "URL")]
    pub host: Option<String>,

    /// The client files' directory [default: $DOCKER_CERT_PATH, else $DOCKER_CONFIG, else ~/.docker].
    #[arg(long, value_name = "DIR")]
    pub cert_path: Option<PathBuf>,

    /// The shell to write for [default: from $SHELL, else bash].
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,

    /// Print the commands that unset the variables instead.
    #[arg(long)]
    pub unset: bool,
}

/// Options of `dockcert doctor`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Everything as it stands: the docker CLI's context or DOCKER_HOST, and the Python SDK's view\n  \
    dockcert doctor\n\n  \
    # As `docker --context prod` would see it\n  \
    dockcert doctor --context prod\n\n  \
    dockcert doctor --json\n\n\
    Exit codes: 0 every client works, 1 a client fails, 2 usage or local error.")]
pub struct DoctorArgs {
    /// Resolve the docker CLI's endpoint as `docker --host URL` would.
    #[arg(long, short = 'H', value_name = "URL")]
    pub host: Option<String>,

    /// Resolve the docker CLI's endpoint as `docker --context NAME` would.
    #[arg(long, short = 'c', value_name = "NAME")]
    pub context: Option<String>,

    /// Seconds to wait for each connection and answer.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,

    /// Print the result as one JSON document.
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

    /// Judge by the RFC 5280 profile as strict verifiers apply it (openssl verify -x509_strict,
    /// rustls-webpki): what Docker accepts but they refuse (missing key identifiers, v1
    /// certificates, a CA:TRUE leaf, …) becomes an error instead of a warning.
    #[arg(long)]
    pub strict: bool,
}

/// `--purpose` of `dockcert audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PurposeArg {
    /// A dockerd server certificate (serverAuth).
    Server,
    /// A docker CLI client certificate (clientAuth).
    Client,
}

impl From<PurposeArg> for crate::x509::audit::Purpose {
    fn from(arg: PurposeArg) -> Self {
        match arg {
            PurposeArg::Server => crate::x509::audit::Purpose::Server,
            PurposeArg::Client => crate::x509::audit::Purpose::Client,
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

/// Options of `dockcert daemon-config`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    dockcert daemon-config                          # show the merged /etc/docker/daemon.json and the changes\n  \
    sudo dockcert daemon-config --apply             # write it (backup kept) and the systemd drop-in if needed\n  \
    dockcert daemon-config --daemon-dir /etc/docker/tls --host tcp://0.0.0.0:2376 --host unix:///var/run/docker.sock\n\n\
    dockerd refuses to start when 'hosts' is both in daemon.json and on its command line (systemd's\n\
    '-H fd://'): the drop-in clears ExecStart and keeps --containerd. dockcert never restarts dockerd.")]
pub struct DaemonConfigArgs {
    /// The daemon's ca.pem, server-cert.pem and server-key.pem [default: <home>/daemon].
    #[arg(long, value_name = "DIR")]
    pub daemon_dir: Option<PathBuf>,

    /// An address to listen on; repeat it [default: unix:///var/run/docker.sock and
    /// tcp://0.0.0.0:2376].
    #[arg(long = "host", short = 'H', value_name = "ADDR")]
    pub hosts: Vec<String>,

    /// The daemon.json to merge into.
    #[arg(long, value_name = "FILE", default_value = "/etc/docker/daemon.json")]
    pub config: PathBuf,

    /// Write the merged daemon.json (and the systemd drop-in when needed).
    #[arg(long)]
    pub apply: bool,

    /// Where systemd is not running (image builds, chroots): read docker.service's ExecStart from
    /// the unit files and drop-ins on disk instead of asking systemctl.
    #[arg(long)]
    pub systemd: bool,

    /// Where systemd units live (the drop-in goes to <DIR>/docker.service.d/).
    #[arg(long, value_name = "DIR", default_value = "/etc/systemd/system")]
    pub systemd_dir: PathBuf,

    /// With --systemd: read the unit files under this root (a chroot or an image being built).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub unit_root: PathBuf,

    /// dockcert's home [default: $DOCKCERT_HOME, else ~/.local/share/dockcert].
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Print the result as one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// The shells `dockcert completions` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// Options of `dockcert completions`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    dockcert completions bash > /etc/bash_completion.d/dockcert\n  \
    dockcert completions zsh > \"${fpath[1]}/_dockcert\"\n  \
    dockcert completions fish > ~/.config/fish/completions/dockcert.fish")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// The completion script for `shell`.
pub fn completions(shell: CompletionShell) -> anyhow::Result<String> {
    use clap::CommandFactory;
    use clap_complete::Shell as Target;
    let target = match shell {
        CompletionShell::Bash => Target::Bash,
        CompletionShell::Zsh => Target::Zsh,
        CompletionShell::Fish => Target::Fish,
        CompletionShell::Powershell => Target::PowerShell,
    };
    let mut out = Vec::new();
    clap_complete::generate(target, &mut Cli::command(), "dockcert", &mut out);
    Ok(String::from_utf8(out)?)
}

/// The man page, roff, generated from these definitions.
pub fn man_page() -> anyhow::Result<String> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    Ok(String::from_utf8(out)?)
}

/// Options of `dockcert provision`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    dockcert provision root@203.0.113.7                 # one host; then: docker --context 203.0.113.7 ps\n  \
    dockcert provision deploy@web1:2222 --san web1.example.com --context web1\n  \
    dockcert provision --from hosts.txt --parallel 16   # a fleet: one host a line, [USER@]HOST[:PORT] [SAN...]\n  \
    dockcert provision web1 --dry-run                   # the plan: files (with the daemon.json diff) and commands\n\n\
    ssh is the system's OpenSSH client: ~/.ssh/config, the agent, ProxyJump and known_hosts apply. Host keys\n\
    are checked strictly. A user other than root needs passwordless sudo (sudo -n). The server key goes to\n\
    the host over ssh's stdin only, and is never written on this machine. If dockerd does not come back\n\
    serving mutual TLS, every changed file is restored and dockerd restarted. Exit code: 0 when every host\n\
    succeeded, 1 when any failed, 2 for errors before any host was touched.")]
pub struct ProvisionArgs {
    /// The hosts: [USER@]HOST[:SSH_PORT] (an ssh Host alias works too).
    #[arg(value_name = "HOST")]
    pub hosts: Vec<String>,

    /// A file with one host a line: [USER@]HOST[:SSH_PORT] [SAN...] ('#' starts a comment).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// An extra name for every host's certificate (DNS:name, IP:address, or bare). The host's
    /// address, `hostname -f` and its non-link-local IPs are always added.
    #[arg(long = "san", value_name = "SAN", value_delimiter = ',')]
    pub sans: Vec<String>,

    /// The TLS port dockerd listens on.
    #[arg(long, value_name = "PORT", default_value_t = 2376)]
    pub port: u16,

    /// The docker context's name (one host only) [default: the host's name].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Always run the changes under `sudo -n` [default: when the ssh user is not root].
    #[arg(long, conflicts_with = "no_sudo")]
    pub sudo: bool,

    /// Never use sudo (the ssh user must be root).
    #[arg(long)]
    pub no_sudo: bool,

    /// How many hosts at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub parallel: usize,

    /// ssh's configuration file (`ssh -F FILE`).
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,

    /// Look at each host and print the plan: every file with the daemon.json diff, every command.
    #[arg(long)]
    pub dry_run: bool,

    /// The server's files on the host.
    #[arg(long, value_name = "DIR", default_value = "/etc/docker/tls")]
    pub tls_dir: PathBuf,

    /// The client files for the check and the contexts [default: $DOCKER_CERT_PATH, else $DOCKER_CONFIG, else ~/.docker].
    #[arg(long, value_name = "DIR")]
    pub cert_path: Option<PathBuf>,

    /// Seconds to wait for dockerd to serve TLS after its restart.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub wait: u64,

    /// The server keys' type.
    #[arg(long, value_name = "TYPE", default_value = "ecdsa-p256")]
    pub key_type: KeyType,

    /// Print the result as one JSON document.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub home: HomeArgs,
}
