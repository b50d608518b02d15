//! Subject alternative names: parsing what a person types after `--san`, validating it the way Go's
//! crypto/x509 (dockerd, the docker CLI) will later match it, and the defaults every server gets.
//!
//! Pure: strings in, values or one-line errors out.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One subject alternative name of a server certificate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum San {
    /// A DNS name in its ASCII (punycode) form, lower case, possibly `*.x.y`.
    Dns(String),
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
}

impl fmt::Display for San {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            San::Dns(name) => write!(f, "DNS:{name}"),
            San::Ip(ip) => write!(f, "IP:{ip}"),
        }
    }
}

impl San {
    /// The name as it goes into a URL's host part (`[::1]` for IPv6).
    pub fn url_host(&self) -> String {
        match self {
            San::Dns(name) => name.clone(),
            San::Ip(IpAddr::V6(ip)) => format!("[{ip}]"),
            San::Ip(ip) => ip.to_string(),
        }
    }

    /// The DNS name, if this is one.
    pub fn dns_name(&self) -> Option<&str> {
        match self {
            San::Dns(name) => Some(name),
            San::Ip(_) => None,
        }
    }
}

/// A SAN as the user gave it, and what it became.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SanArg {
    /// The parsed name.
    pub san: San,
    /// The text the user typed, kept so that a punycode conversion can be shown.
    pub input: String,
}

impl SanArg {
    /// `Some("bücher.example -> xn--bcher-kva.example")` when an internationalised name was converted.
    pub fn conversion(&self) -> Option<(String, String)> {
        let San::Dns(ascii) = &self.san else {
            return None;
        };
        let typed = strip_prefix_ci(&self.input, "DNS:").unwrap_or(&self.input);
        (!typed.is_ascii()).then(|| (typed.to_string(), ascii.clone()))
    }
}

/// A `--san` value: a name, or `auto` (this machine's names, found at run time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SanSpec {
    /// One name.
    Name(SanArg),
    /// This machine's host name, fully qualified name and interface addresses.
    Auto,
}

/// Parses a `--san` value; `auto` asks for this machine's names (write `DNS:auto` for a host
/// really called auto).
pub fn parse_san_spec(input: &str) -> Result<SanSpec, String> {
    if input.trim().eq_ignore_ascii_case("auto") {
        return Ok(SanSpec::Auto);
    }
    parse_san(input).map(SanSpec::Name)
}

/// The names of `specs`, `auto` replaced by what `discover` finds (asked at most once), and the
/// names `auto` added.
pub fn expand(specs: &[SanSpec], discover: impl FnOnce() -> Vec<San>) -> (Vec<SanArg>, Vec<San>) {
    let mut discover = Some(discover);
    let mut names = Vec::new();
    let mut added = Vec::new();
    for spec in specs {
        match spec {
            SanSpec::Name(arg) => names.push(arg.clone()),
            SanSpec::Auto => {
                for san in discover.take().map(|f| f()).unwrap_or_default() {
                    if !names.iter().any(|a: &SanArg| a.san == san) {
                        added.push(san.clone());
                        names.push(SanArg {
                            input: san.to_string(),
                            san,
                        });
                    }
                }
            }
        }
    }
    (names, added)
}

/// The names every server certificate gets, so that a local `docker` works at once.
pub fn default_sans() -> [San; 3] {
    [
        San::Dns("localhost".to_string()),
        San::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        San::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ]
}

/// The user's SANs first (without duplicates), then the defaults they did not already give.
pub fn with_defaults(user: &[San]) -> Vec<San> {
    let mut all: Vec<San> = Vec::with_capacity(user.len() + 3);
    for san in user.iter().cloned().chain(default_sans()) {
        if !all.contains(&san) {
            all.push(san);
        }
    }
    all
}

/// Parses one `--san` value: `DNS:name`, `IP:addr`, or a bare value classified automatically.
pub fn parse_san(input: &str) -> Result<SanArg, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(
            "empty SAN: give a name such as DNS:docker.example.com or IP:192.0.2.10".into(),
        );
    }
    let san = if let Some(rest) = strip_prefix_ci(text, "DNS:") {
        San::Dns(parse_dns_name(rest)?)
    } else if let Some(rest) = strip_prefix_ci(text, "IP:") {
        San::Ip(parse_ip(rest)?)
    } else if let Some(ip) = parse_bare_ip(text) {
        San::Ip(ip?)
    } else if let Some((prefix, _)) = text.split_once(':') {
        return Err(format!(
            "unknown SAN prefix '{prefix}:' in '{text}': dockerd and the docker CLI match only DNS names and IP \
             addresses; write DNS:name or IP:address"
        ));
    } else {
        San::Dns(parse_dns_name(text)?)
    };
    Ok(SanArg {
        san,
        input: text.to_string(),
    })
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// A bare value is an IP when it parses as one, is bracketed, or carries a zone id.
fn parse_bare_ip(text: &str) -> Option<Result<IpAddr, String>> {
    if text.parse::<IpAddr>().is_ok() || text.starts_with('[') || text.contains('%') {
        return Some(parse_ip(text));
    }
    // A word before the first colon that is not hex (URI:, email:) is a prefix; otherwise two or
    // more colons make a (malformed) IPv6 literal.
    let head = text.split(':').next().unwrap_or_default();
    let is_prefix = !head.is_empty()
        && head.chars().all(|c| c.is_ascii_alphabetic())
        && !head.chars().all(|c| c.is_ascii_hexdigit());
    (!is_prefix && text.matches(':').count() >= 2).then(|| parse_ip(text))
}

fn parse_ip(raw: &str) -> Result<IpAddr, String> {
    let text = raw.trim();
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    if inner.contains('%') {
        return Err(format!(
            "IP SAN '{text}' has a zone id ('%…'), which a certificate cannot encode; give the address \
             without it, e.g. IP:{}",
            inner.split('%').next().unwrap_or_default()
        ));
    }
    inner.parse::<IpAddr>().map_err(|_| {
        format!("'{text}' is not a valid IPv4 or IPv6 address; write e.g. IP:192.0.2.10 or IP:2001:db8::1")
    })
}

/// Validates a DNS name (LDH labels, lengths, a wildcard only as the whole leftmost label) and converts
/// an internationalised name to its ASCII form. Returns the name in lower case.
pub fn parse_dns_name(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    let name = text.strip_suffix('.').unwrap_or(text);
    if name.is_empty() {
        return Err(format!(
            "empty DNS name '{raw}': give a host name such as docker.example.com"
        ));
    }
    let (wildcard, base) = match name.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    if base.contains('*') || name == "*" {
        return Err(format!(
            "DNS name '{text}': a wildcard must be the whole leftmost label of at least three, as in \
             *.example.com ('*', 'f*.example' and '*.*.example' are not matched by Go clients)"
        ));
    }
    let ascii = if base.is_ascii() {
        base.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(base).map_err(|_| {
            format!("DNS name '{text}' is not a valid internationalised domain name")
        })?
    };
    let labels: Vec<&str> = ascii.split('.').collect();
    for label in &labels {
        check_label(text, label)?;
    }
    if wildcard && labels.len() < 2 {
        return Err(format!(
            "DNS name '{text}': a wildcard needs at least two labels after it, as in *.example.com"
        ));
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "'{text}' is neither a valid IP address nor a DNS name (its last label is a number); \
             check the address and write it as IP:…"
        ));
    }
    let full = if wildcard {
        format!("*.{ascii}")
    } else {
        ascii
    };
    if full.len() > 253 {
        return Err(format!(
            "DNS name '{text}' is {} characters long; the limit is 253",
            full.len()
        ));
    }
    Ok(full)
}

fn check_label(name: &str, label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err(format!(
            "DNS name '{name}' has an empty label ('..' or a leading dot)"
        ));
    }
    if label.len() > 63 {
        return Err(format!(
            "DNS name '{name}': the label '{label}' is {} characters long; the limit is 63",
            label.len()
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!(
            "DNS name '{name}': the label '{label}' starts or ends with '-', which host names may not"
        ));
    }
    // Underscores are allowed because Go's crypto/x509 matches them (Compose service names use them).
    if let Some(bad) = label
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "DNS name '{name}' contains '{bad}'; host names use only letters, digits, '-' and '.'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> San {
        parse_san(input)
            .unwrap_or_else(|e| panic!("{input}: {e}"))
            .san
    }

    fn err(input: &str) -> String {
        match parse_san(input) {
            Ok(arg) => panic!("{input} was accepted as {}", arg.san),
            Err(e) => e,
        }
    }

    #[test]
    fn classifies_bare_values() {
        assert_eq!(ok("1.2.3.4"), San::Ip("1.2.3.4".parse().unwrap()));
        assert_eq!(ok("::1"), San::Ip("::1".parse().unwrap()));
        assert_eq!(ok("[2001:db8::1]"), San::Ip("2001:db8::1".parse().unwrap()));
        assert_eq!(
            ok("Docker.Example.COM"),
            San::Dns("docker.example.com".into())
        );
        assert_eq!(ok("dns:host"), San::Dns("host".into()));
        assert_eq!(ok("IP:[::1]"), San::Ip("::1".parse().unwrap()));
        assert_eq!(ok("*.example.com"), San::Dns("*.example.com".into()));
        assert_eq!(ok("host.example."), San::Dns("host.example".into()));
        assert_eq!(ok("my_service"), San::Dns("my_service".into()));
    }

    #[test]
    fn converts_internationalised_names_to_punycode() {
        let arg = parse_san("bücher.example").unwrap();
        assert_eq!(arg.san, San::Dns("xn--bcher-kva.example".into()));
        assert_eq!(
            arg.conversion(),
            Some(("bücher.example".into(), "xn--bcher-kva.example".into()))
        );
        assert_eq!(parse_san("plain.example").unwrap().conversion(), None);
    }

    #[test]
    fn rejects_bad_input_with_the_value_named() {
        for (input, needle) in [
            ("", "empty SAN"),
            ("  ", "empty SAN"),
            ("IP:999.1.1.1", "'999.1.1.1' is not a valid"),
            ("999.1.1.1", "last label is a number"),
            ("IP:fe80::1%eth0", "zone id"),
            ("fe80::1%eth0", "zone id"),
            ("IP:host", "'host' is not a valid"),
            ("DNS:bad name", "contains ' '"),
            ("DNS:a..b", "empty label"),
            ("DNS:-x.example", "starts or ends with '-'"),
            ("*.*.example", "wildcard"),
            ("f*.example", "wildcard"),
            ("*", "wildcard"),
            ("*.com", "at least two labels"),
            ("URI:https://x", "unknown SAN prefix 'URI:'"),
            ("email:a@b.c", "unknown SAN prefix 'email:'"),
            ("DNS:", "empty DNS name"),
            ("1:2:3", "not a valid"),
        ] {
            let message = err(input);
            assert!(message.contains(needle), "{input:?}: {message}");
        }
        let long_label = "a".repeat(64);
        assert!(err(&format!("{long_label}.example")).contains("limit is 63"));
        let long_name = vec!["a".repeat(60); 5].join(".");
        assert!(err(&long_name).contains("limit is 253"));
    }

    #[test]
    fn auto_is_expanded_once_in_place() {
        let specs = [
            parse_san_spec("IP:1.2.3.4").unwrap(),
            parse_san_spec("AUTO").unwrap(),
            parse_san_spec("auto").unwrap(),
        ];
        let mut calls = 0;
        let (names, added) = expand(&specs, || {
            calls += 1;
            vec![
                San::Dns("host.example".into()),
                San::Ip("1.2.3.4".parse().unwrap()),
            ]
        });
        assert_eq!(calls, 1);
        assert_eq!(added, [San::Dns("host.example".into())]);
        assert_eq!(names.len(), 2);
        assert_eq!(
            parse_san_spec("DNS:auto").unwrap(),
            SanSpec::Name(parse_san("DNS:auto").unwrap())
        );
    }

    #[test]
    fn defaults_come_after_the_users_names_without_duplicates() {
        let user = [ok("IP:1.2.3.4"), ok("localhost"), ok("IP:1.2.3.4")];
        let all: Vec<String> = with_defaults(&user).iter().map(San::to_string).collect();
        assert_eq!(
            all,
            ["IP:1.2.3.4", "DNS:localhost", "IP:127.0.0.1", "IP:::1"]
        );
        assert_eq!(San::Ip("::1".parse().unwrap()).url_host(), "[::1]");
    }
}
