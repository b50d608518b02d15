//! Everything dockcert prints on stdout: human text and `--json`. One file per command family
//! (certificates, verify, audit and inspect, Docker's configuration, doctor, provision); this
//! module keeps what they share (stdout, notices, shell quoting) and re-exports their reports.

mod audit;
mod certificates;
mod docker_config;
mod doctor;
pub mod provision;
mod verify;

pub use audit::*;
pub use certificates::*;
pub use docker_config::*;
pub use doctor::*;
pub use verify::*;

/// Quotes `word` for a POSIX shell when it needs it.
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,[]".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Writes to stdout; a closed pipe (`dockcert … | head`) is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(err).context("failed to write to stdout"))
        }
        _ => Ok(()),
    }
}

/// Prints text as it is (for `env`).
pub fn print_text(text: &str) -> anyhow::Result<()> {
    write_stdout(text)
}

/// Prints one line on stderr that is not an error: what was recovered from an interrupted run.
/// On stderr, so that it never mixes into `--json` or `env` output.
pub fn print_notice(line: &str) {
    eprintln!("dockcert: {line}");
}

/// The interrupted runs that taking a home's lock finished or undid: one notice line each.
pub fn print_recovered(recovered: &crate::store::home::Recovered) {
    for line in recovered.lines() {
        print_notice(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(shell_quote("/a/b.pem"), "/a/b.pem");
        assert_eq!(shell_quote("--tlscert=/a b/c"), "'--tlscert=/a b/c'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
