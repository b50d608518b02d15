//! `dockcert env`: the shell commands that point the docker CLI at a TLS daemon, like
//! `docker-machine env`.

use anyhow::{Result, anyhow, bail};

use crate::cli::{EnvArgs, Shell};
use crate::docker::{self, Layout};
use crate::env::Env;

const VARS: [&str; 3] = ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"];

/// The text to print.
pub fn run(args: &EnvArgs, env: &Env) -> Result<String> {
    let shell = args
        .shell
        .unwrap_or_else(|| shell_from(env.shell.as_deref()));
    if args.unset {
        return Ok(unset(shell));
    }
    let host_text = args
        .host
        .clone()
        .or_else(|| env.docker_host.clone())
        .ok_or_else(|| {
            anyhow!("no Docker host: give --host tcp://HOST:2376 (or set DOCKER_HOST)")
        })?;
    let host = docker::parse_tcp_host(&host_text).map_err(|err| anyhow!(err))?;
    let dir = args
        .cert_path
        .clone()
        .or_else(|| docker::client_cert_dir(env))
        .ok_or_else(|| anyhow!("no certificate directory: give --cert-path DIR"))?;
    let dir = crate::env::absolute(&dir)?;
    let files = Layout::Client.files_in(&dir);
    for file in [&files.ca, &files.cert, &files.key] {
        if !file.is_file() {
            bail!(
                "{} does not exist: the docker CLI needs ca.pem, cert.pem and key.pem in {}; give --cert-path DIR",
                file.display(),
                dir.display()
            );
        }
    }
    let values = [host.url(), "1".to_string(), dir.display().to_string()];
    let mut out = String::new();
    for (name, value) in VARS.iter().zip(&values) {
        out.push_str(&set(shell, name, value)?);
        out.push('\n');
    }
    out.push_str(&comment(
        shell,
        &format!("Run this command to configure your shell: {}", usage(shell)),
    ));
    out.push('\n');
    Ok(out)
}

/// The shell named by `$SHELL` (bash when unknown).
pub fn shell_from(shell: Option<&str>) -> Shell {
    let name = shell
        .and_then(|path| path.rsplit('/').next())
        .unwrap_or_default()
        .trim_end_matches(".exe")
        .to_ascii_lowercase();
    match name.as_str() {
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        "pwsh" | "powershell" => Shell::Powershell,
        "cmd" => Shell::Cmd,
        _ => Shell::Bash,
    }
}

/// POSIX single quotes: everything literal; a `'` closes, is escaped, and reopens.
fn posix_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// fish single quotes: unlike POSIX, `\\` and `\'` are escapes inside them (fish-shell docs,
/// "Quotes"), so a backslash must be doubled too, or `a\` would swallow the closing quote.
fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

/// The characters PowerShell's tokenizer takes as a single quote: ' and the typographic
/// ‘ ’ ‚ ‛ (`CharExtensions.IsSingleQuote` in PowerShell's source).
pub const POWERSHELL_SINGLE_QUOTES: [char; 5] =
    ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// A PowerShell verbatim (single-quoted) string: no `$(…)`, `$var` or backtick is interpreted;
/// each quote character is doubled, as `CodeGeneration.EscapeSingleQuotedStringContent` does.
fn powershell_quote(value: &str) -> String {
    let mut out = String::from("'");
    for c in value.chars() {
        if POWERSHELL_SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// cmd.exe: `SET "NAME=value"`. Inside the quotes `&`, `|`, `<`, `>`, `^`, `(` and `)` are
/// literal, both when the line is pasted or run from a .bat and when it comes through the
/// `FOR /f … DO @%i` that the usage line shows (where FOR-variable expansion happens after the
/// special characters are parsed, so they are literal anyway). `SET` itself strips the outer
/// quotes. What no quoting can protect in every one of those three ways is refused: `%`
/// (expanded when pasted, must be `%%` in a .bat, must not be doubled through FOR), `"` (ends the
/// quoting) and line breaks. (`!` matters only with delayed expansion, which cmd has off by
/// default.)
fn cmd_set(name: &str, value: &str) -> Result<String> {
    if let Some(c) = value.chars().find(|c| matches!(c, '%' | '"' | '\n' | '\r')) {
        bail!(
            "{name}={value} contains {}, which cmd.exe cannot be given safely in every way the \
             line is run (pasted, in a .bat file, or through FOR /f); use --shell powershell, or a \
             directory name without it",
            match c {
                '%' => "'%'",
                '"' => "a double quote",
                _ => "a line break",
            }
        );
    }
    Ok(format!("SET \"{name}={value}\""))
}

fn set(shell: Shell, name: &str, value: &str) -> Result<String> {
    Ok(match shell {
        Shell::Bash | Shell::Zsh => format!("export {name}={}", posix_quote(value)),
        Shell::Fish => format!("set -gx {name} {};", fish_quote(value)),
        Shell::Powershell => format!("$Env:{name} = {}", powershell_quote(value)),
        Shell::Cmd => cmd_set(name, value)?,
    })
}

fn unset(shell: Shell) -> String {
    let mut out = String::new();
    match shell {
        Shell::Bash | Shell::Zsh => out.push_str(&format!("unset {}\n", VARS.join(" "))),
        Shell::Fish => VARS
            .iter()
            .for_each(|v| out.push_str(&format!("set -e {v};\n"))),
        Shell::Powershell => VARS
            .iter()
            .for_each(|v| out.push_str(&format!("Remove-Item Env:\\{v}\n"))),
        Shell::Cmd => VARS
            .iter()
            .for_each(|v| out.push_str(&format!("SET {v}=\n"))),
    }
    out
}

fn comment(shell: Shell, text: &str) -> String {
    match shell {
        Shell::Cmd => format!("REM {text}"),
        _ => format!("# {text}"),
    }
}

fn usage(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash | Shell::Zsh => "eval \"$(dockcert env)\"",
        Shell::Fish => "dockcert env --shell fish | source",
        Shell::Powershell => "dockcert env --shell powershell | Invoke-Expression",
        Shell::Cmd => "@FOR /f \"tokens=*\" %i IN ('dockcert env --shell cmd') DO @%i",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shell_gets_its_own_syntax() {
        let set = |shell, name, value| set(shell, name, value).unwrap();
        assert_eq!(set(Shell::Bash, "A", "it's"), r"export A='it'\''s'");
        assert_eq!(set(Shell::Fish, "A", "x"), "set -gx A 'x';");
        assert_eq!(set(Shell::Fish, "A", r"a\'b\"), r"set -gx A 'a\\\'b\\';");
        assert_eq!(set(Shell::Powershell, "A", "x\"y"), "$Env:A = 'x\"y'");
        assert_eq!(
            set(Shell::Powershell, "A", "$(rm x) it's \u{2019}"),
            "$Env:A = '$(rm x) it''s \u{2019}\u{2019}'"
        );
        assert_eq!(set(Shell::Cmd, "A", "a&b|c<d>e^f"), "SET \"A=a&b|c<d>e^f\"");
        for bad in ["100%", "a\"b", "a\nb"] {
            assert!(cmd_set("A", bad).is_err(), "{bad}");
        }
        assert_eq!(
            unset(Shell::Bash),
            "unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH\n"
        );
        assert_eq!(shell_from(Some("/usr/bin/fish")), Shell::Fish);
        assert_eq!(shell_from(Some("/bin/zsh")), Shell::Zsh);
        assert_eq!(shell_from(None), Shell::Bash);
    }
}
