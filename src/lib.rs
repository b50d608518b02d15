//! dockcert: secure a Docker daemon's remote API with mutual TLS.
//!
//! `main.rs` parses the command line and prints the one error line; [`run`] dispatches to the
//! command modules. Data flows down: `commands` use the domains (`pki`, `x509`, `docker`, `store`,
//! `net`, `report`), and every layer may use the ground floor (`env`, `bounded`, `finding`,
//! `engine`), which uses nothing above it.

pub mod bounded;
pub mod cli;
pub mod commands;
pub mod docker;
pub mod engine;
pub mod env;
pub mod finding;
pub mod net;
pub mod pki;
pub mod report;
pub mod store;
pub mod x509;

use std::process::ExitCode;

use anyhow::Result;

use cli::{Cli, Command};
use env::Env;

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
        Command::Issue(kind) => {
            let (report, json) = match &kind {
                cli::IssueKind::Client(args) => {
                    (commands::issue::client(args, &env, now)?, args.common.json)
                }
                cli::IssueKind::Server(args) => {
                    (commands::issue::server(args, &env, now)?, args.common.json)
                }
            };
            report::print_issue(&report, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::List(args) => {
            let report = commands::list::run(&args, &env, now)?;
            report::print_list(&report, args.json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Renew(args) => {
            let report = commands::renew::run(&args, &env, now)?;
            report::print_renew(&report, args.json)?;
            // 1: a push to a provisioned host failed (it keeps its previous certificate).
            Ok(if report.pushed.iter().all(|host| host.ok) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::RotateCa(args) => {
            let report = commands::rotate::run(&args, &env, now)?;
            report::print_rotate(&report, args.json)?;
            // 1: a push to a provisioned host failed (it keeps its previous files).
            Ok(if report.pushed.iter().all(|host| host.ok) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::ImportCa(args) => {
            let report = commands::import::run(&args, &env, now)?;
            report::print_import(&report, args.json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Context(cli::ContextAction::Create(args)) => {
            let report = commands::context::create(&args, &env, now)?;
            report::print_context(&report, args.json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Env(args) => {
            let text = commands::env::run(&args, &env)?;
            report::print_text(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::DaemonConfig(args) => {
            let report = commands::daemon_config::run(&args, &env, now)?;
            report::print_daemon_config(&report, args.json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Provision(args) => {
            let report = commands::provision::run(&args, &env, now)?;
            report::provision::print(&report, args.json)?;
            // 1: some host failed (each one's reason is in the report).
            Ok(if report.all_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Completions(args) => {
            let text = cli::completions(args.shell)?;
            report::print_text(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            report::print_text(&cli::man_page()?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify(args) => {
            let report = commands::verify::run(&args, &env, now)?;
            report::print_verify(&report, args.json)?;
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
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
        Command::Doctor(args) => {
            let report = commands::doctor::run(&args, &env, now)?;
            report::print_doctor(&report, args.json)?;
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Inspect(args) => {
            let inspection = commands::inspect::run(&args, now)?;
            report::print_inspect(&inspection, args.json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
