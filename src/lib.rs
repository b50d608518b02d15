//! dockcert: secure a Docker daemon's remote API with mutual TLS.
//!
//! `main.rs` parses the command line and prints the one error line; [`run`] dispatches to the
//! command modules.

pub mod audit;
pub mod certinfo;
pub mod cli;
pub mod commands;
pub mod discover;
pub mod docker;
pub mod finding;
pub mod home;
pub mod inspect;
pub mod load;
pub mod names;
pub mod pki;
pub mod report;
pub mod store;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use cli::{Cli, Command};

/// The environment variables dockcert reads, read once (empty values count as unset).
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// `DOCKCERT_HOME`.
    pub dockcert_home: Option<PathBuf>,
    /// `DOCKER_CERT_PATH`.
    pub docker_cert_path: Option<PathBuf>,
    /// The user's home directory (`HOME`).
    pub home_dir: Option<PathBuf>,
}

impl Env {
    /// Reads the process environment.
    pub fn from_process() -> Env {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        Env {
            dockcert_home: var("DOCKCERT_HOME"),
            docker_cert_path: var("DOCKER_CERT_PATH"),
            home_dir: directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()),
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let env = Env::from_process();
    let now = time::OffsetDateTime::now_utc();
    match cli.command {
        Command::Init(args) => {
            let report = commands::init::run(&args, &env, now)?;
            report::print_init(&report, args.json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(args) => {
            let report = commands::audit::run(&args, &env, now)?;
            report::print_audit(&report, args.json, report::use_color())?;
            // 1: the check found something; errors (exit 2) are Err.
            Ok(if report.summary.errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Inspect(args) => {
            let inspection = commands::inspect::run(&args, now)?;
            report::print_inspect(&inspection, args.json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `path` made absolute against the current directory (symlinks are not resolved).
pub fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path)
        .with_context(|| format!("failed to resolve the path {}", path.display()))
}
