use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

/// Exit code for every error (usage, input, I/O).
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match dockcert::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => return fail(&usage_line(&err)),
    };
    match dockcert::run(cli) {
        Ok(code) => code,
        Err(err) => fail(&format!("{err:#}")),
    }
}

/// The one place errors are printed: one line on stderr.
fn fail(message: &str) -> ExitCode {
    let line = message.replace('\n', " ");
    eprintln!("dockcert: error: {line}");
    ExitCode::from(EXIT_ERROR)
}

/// clap's multi-line message, reduced to its first line plus where to find usage.
fn usage_line(err: &clap::Error) -> String {
    let text = err.to_string();
    let first = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    format!("{first}; see 'dockcert --help'")
}
