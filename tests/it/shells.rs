//! `dockcert env` for each shell, with hostile directory names: evaluated in the real bash, zsh
//! and fish, which must give back the exact bytes and run nothing; PowerShell (not in Debian) and
//! cmd.exe are checked against their quoting rules, written down here as data.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::*;

/// Names that break naive quoting: command substitution in each shell's syntax, quotes of every
/// kind, backslashes (fish's single quotes treat `\\` and `\'` specially), globbing, a line break.
const HOSTILE: &[&str] = &[
    "plain",
    "it's",
    "$(touch PWNED)",
    "`touch PWNED`",
    "(touch PWNED)",
    "a\\",
    "back\\\\slash\\'q",
    "semi;colon & amp | pipe > gt < lt ^ caret",
    "*?[glob]~{a,b}",
    "\u{2018}curly\u{2019} \u{201A}low\u{201B}",
    "$HOME $Env:PATH ${x}",
    "line\nbreak",
    "dollar$ paren) \"dq\"",
];

/// A client directory with that name (the files only have to exist for `env`).
fn client_dir(sb: &Sandbox, name: &str) -> PathBuf {
    let dir = sb.root.join("dirs").join(name);
    fs::create_dir_all(&dir).unwrap();
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        fs::write(dir.join(f), "x").unwrap();
    }
    dir
}

fn env_output(sb: &Sandbox, shell: &str, dir: &Path) -> std::process::Output {
    sb.dockcert()
        .args([
            "env",
            "--shell",
            shell,
            "--host",
            "tcp://h.example:2376",
            "--cert-path",
        ])
        .arg(dir)
        .output()
        .unwrap()
}

/// Evaluates `dockcert env` in the real shell and returns DOCKER_CERT_PATH as it comes out.
fn evaluated(sb: &Sandbox, shell: &str, script: &str) -> Vec<u8> {
    let out_file = sb.root.join("value.out");
    let _ = fs::remove_file(&out_file);
    let program = match shell {
        "fish" => format!(
            "cat script | source; and printf '%s' \"$DOCKER_CERT_PATH\" > {}",
            out_file.display()
        ),
        _ => format!(
            "eval \"$(cat script)\" && printf '%s' \"$DOCKER_CERT_PATH\" > '{}'",
            out_file.display()
        ),
    };
    fs::write(sb.root.join("script"), script).unwrap();
    let mut cmd = Command::new(shell);
    sb.isolate(&mut cmd);
    let status = cmd
        .current_dir(&sb.root)
        .args(if shell == "fish" {
            vec!["--no-config", "-c"]
        } else {
            vec!["-c"]
        })
        .arg(&program)
        .status()
        .unwrap();
    assert!(status.success(), "{shell} failed on:\n{script}");
    fs::read(&out_file).unwrap()
}

#[test]
fn env_output_survives_hostile_directory_names_in_real_shells() {
    for shell in ["bash", "zsh", "fish"] {
        if !require_peer(
            shell,
            "env_output_survives_hostile_directory_names_in_real_shells",
        ) {
            continue;
        }
        let sb = Sandbox::new();
        for name in HOSTILE {
            let dir = client_dir(&sb, name);
            let out = env_output(&sb, shell, &dir);
            assert_success(&out, &format!("dockcert env --shell {shell} for {name:?}"));
            let value = evaluated(&sb, shell, &stdout(&out));
            assert_eq!(
                String::from_utf8_lossy(&value),
                dir.display().to_string(),
                "{shell}: {name:?}: output was\n{}",
                stdout(&out)
            );
            assert!(
                !sb.root.join("PWNED").exists(),
                "{shell} ran a command hidden in {name:?}"
            );
        }
    }
}

/// PowerShell's single-quoted string, as its tokenizer reads it (`TokenizeStringLiteral`): the
/// string ends at a single-quote character (' ‘ ’ ‚ ‛) not followed by another one; a pair gives
/// the second one. Nothing else is special: no `$(…)`, no `$var`, no backtick escapes. Returns
/// the value and what follows the closing quote.
fn powershell_single_quoted(text: &str) -> (String, String) {
    const QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
    let mut chars = text.chars().peekable();
    assert!(
        chars.next().is_some_and(|c| QUOTES.contains(&c)),
        "starts with a quote: {text}"
    );
    let mut value = String::new();
    while let Some(c) = chars.next() {
        if QUOTES.contains(&c) {
            match chars.peek() {
                Some(next) if QUOTES.contains(next) => {
                    value.push(*next);
                    chars.next();
                }
                _ => return (value, chars.collect()),
            }
        } else {
            value.push(c);
        }
    }
    panic!("unterminated string: {text}");
}

#[test]
fn powershell_gets_verbatim_strings() {
    let sb = Sandbox::new();
    for name in HOSTILE {
        let dir = client_dir(&sb, name);
        let out = env_output(&sb, "powershell", &dir);
        assert_success(&out, "dockcert env --shell powershell");
        let text = stdout(&out);
        let line = text
            .split_inclusive('\n')
            .scan(String::new(), |_, l| Some(l.to_string()))
            .collect::<String>();
        let rest = line
            .split_once("$Env:DOCKER_CERT_PATH = ")
            .unwrap_or_else(|| panic!("{text}"))
            .1;
        let (value, after) = powershell_single_quoted(rest);
        assert_eq!(value, dir.display().to_string(), "{name:?}: {text}");
        assert!(
            after.starts_with('\n'),
            "nothing after the string: {after:?}"
        );
    }
}

/// cmd.exe's reading of `SET "NAME=value"`: a `"` toggles quoting; outside quotes & | < > ^ ( )
/// are operators; `%` is expanded when the line is pasted or run from a .bat. The value is what
/// SET gets between `NAME=` and the last quote.
fn cmd_set_value(line: &str) -> Result<String, String> {
    let rest = line
        .strip_prefix("SET \"")
        .ok_or_else(|| format!("not a quoted SET: {line}"))?;
    if line.contains('%') {
        return Err("a % would be expanded".into());
    }
    let mut quoted = true;
    for c in rest.chars() {
        match c {
            '"' => quoted = !quoted,
            '&' | '|' | '<' | '>' | '^' | '(' | ')' if !quoted => {
                return Err(format!("'{c}' outside quotes in {line}"));
            }
            _ => {}
        }
    }
    let inner = rest
        .strip_suffix('"')
        .ok_or_else(|| format!("no closing quote: {line}"))?;
    if inner.contains('"') {
        return Err(format!("a quote inside the value: {line}"));
    }
    Ok(inner
        .split_once('=')
        .ok_or_else(|| format!("no '=': {line}"))?
        .1
        .to_string())
}

#[test]
fn cmd_gets_quoted_set_or_a_refusal() {
    let sb = Sandbox::new();
    for name in HOSTILE.iter().chain(&["100%", "a\"b"]) {
        let dir = client_dir(&sb, name);
        let out = env_output(&sb, "cmd", &dir);
        let value = dir.display().to_string();
        if value.contains(['%', '"', '\n']) {
            let err = assert_one_line_error(&out);
            assert!(err.contains("cmd.exe cannot be given safely"), "{err}");
            continue;
        }
        assert_success(&out, &format!("dockcert env --shell cmd for {name:?}"));
        let text = stdout(&out);
        let line = text
            .lines()
            .find(|l| l.starts_with("SET \"DOCKER_CERT_PATH="))
            .unwrap_or_else(|| panic!("{text}"));
        assert_eq!(cmd_set_value(line), Ok(value), "{name:?}");
        for line in text.lines().filter(|l| l.starts_with("SET ")) {
            assert!(cmd_set_value(line).is_ok(), "{line}");
        }
    }
}
