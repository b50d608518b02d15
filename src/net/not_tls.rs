//! Naming what a port answered when it does not speak TLS: a plain-HTTP dockerd, another web
//! server, an SSH server, Redis, or bytes of no known kind. Pure: the first bytes in, a
//! description out.

/// Whether `first` (the first bytes the peer sent) can be the start of a TLS record: a content
/// type of 20–24 followed by major version 3 (RFC 8446 §5.1; SSL 3.0 to TLS 1.3 all use 3).
pub fn looks_like_tls(first: &[u8]) -> bool {
    match first {
        [] => true,
        [kind] => (20..=24).contains(kind),
        [kind, major, ..] => (20..=24).contains(kind) && *major == 3,
    }
}

/// What a non-TLS reply is, for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotTls {
    /// e.g. "an HTTP reply", "an SSH server's banner".
    pub what: String,
    /// The first bytes (of an HTTP reply: its status line), printable (non-printable bytes as
    /// `\xNN`), at most 60 characters.
    pub shown: String,
    /// Whether it is most likely dockerd itself listening without TLS.
    pub plain_dockerd: bool,
    /// The `Server:` header of an HTTP reply, when there is one.
    pub server: Option<String>,
}

/// Describes `first`, the first bytes a peer sent, when they are not TLS.
pub fn describe(first: &[u8]) -> Option<NotTls> {
    if looks_like_tls(first) {
        return None;
    }
    let text = String::from_utf8_lossy(first);
    let lower = text.to_ascii_lowercase();
    let mut server = None;
    let mut plain_dockerd = false;
    let what = if first.starts_with(b"HTTP/") {
        server = text
            .split("\r\n")
            .skip(1)
            .take_while(|line| !line.is_empty())
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("server")
                    .then(|| printable(value.trim().as_bytes(), 60))
            });
        // Go's net/http answers a TLS ClientHello on a plain port with exactly this status line
        // and no Server header; dockerd without --tls is the usual one.
        plain_dockerd = server.is_none() && text.starts_with("HTTP/1.1 400 Bad Request");
        match &server {
            Some(server) => format!("an HTTP reply from a web server ({server})"),
            None => "an HTTP reply".to_string(),
        }
    } else if lower.trim_start().starts_with('<') {
        "an HTML or XML page without an HTTP status line".to_string()
    } else if first.starts_with(b"SSH-") {
        "an SSH server's banner".to_string()
    } else if first.starts_with(b"-ERR")
        || first.starts_with(b"-DENIED")
        || first.starts_with(b"-NOAUTH")
    {
        "a Redis error reply".to_string()
    } else if first.starts_with(b"220 ") || first.starts_with(b"220-") {
        "a mail or FTP server's greeting".to_string()
    } else if first
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        "text".to_string()
    } else {
        "bytes that are not a TLS record".to_string()
    };
    // An HTTP reply is best shown by its status line; anything else by its first bytes.
    let shown = if first.starts_with(b"HTTP/") {
        let end = first
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap_or(first.len());
        printable(&first[..end], 60)
    } else {
        printable(first, 60)
    };
    Some(NotTls {
        what,
        shown,
        plain_dockerd,
        server,
    })
}

/// `bytes` with every non-printable byte as `\xNN` (CR and LF as `\r`, `\n`) and runs of spaces
/// (an HTML page's indentation) as one, cut after `max` characters with an ellipsis.
pub fn printable(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b' ' && i > 0 && bytes[i - 1] == b' ' {
            continue;
        }
        let piece = match b {
            b'\r' => "\\r".to_string(),
            b'\n' => "\\n".to_string(),
            b'\\' => "\\\\".to_string(),
            b' '..=b'~' => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        };
        if out.len() + piece.len() > max {
            out.push('…');
            break;
        }
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_records_are_recognised() {
        assert!(looks_like_tls(&[0x16, 0x03, 0x03, 0x00, 0x7a]));
        assert!(looks_like_tls(&[0x15, 0x03, 0x01]));
        assert!(looks_like_tls(&[]));
        assert!(!looks_like_tls(b"HTTP/1.1 400 Bad Request"));
        assert!(!looks_like_tls(&[0x16, 0x48]));
    }

    #[test]
    fn each_kind_of_reply_is_named() {
        let dockerd = describe(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request").unwrap();
        assert_eq!(dockerd.what, "an HTTP reply");
        assert!(dockerd.plain_dockerd);
        let python = describe(b"HTTP/1.0 400 Bad request version ('\x16\x03')\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\n").unwrap();
        assert_eq!(
            python.what,
            "an HTTP reply from a web server (SimpleHTTP/0.6 Python/3.11.2)"
        );
        assert!(!python.plain_dockerd);
        assert!(
            python
                .shown
                .starts_with("HTTP/1.0 400 Bad request version ('\\x16\\x03')")
        );
        assert_eq!(
            describe(b"<html><body>hi</body></html>").unwrap().what,
            "an HTML or XML page without an HTTP status line"
        );
        let ssh = describe(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n").unwrap();
        assert_eq!(ssh.what, "an SSH server's banner");
        assert_eq!(ssh.shown, "SSH-2.0-OpenSSH_9.2p1 Debian-2\\r\\n");
        assert_eq!(
            describe(b"-ERR unknown command\r\n").unwrap().what,
            "a Redis error reply"
        );
        let random = describe(&[0x00, 0xff, 0x41, 0x7f]).unwrap();
        assert_eq!(random.what, "bytes that are not a TLS record");
        assert_eq!(random.shown, "\\x00\\xffA\\x7f");
        assert_eq!(printable(&[b'a'; 100], 10), "aaaaaaaaaa…");
        assert_eq!(printable(b"<html>\n    <head>", 60), "<html>\\n <head>");
    }
}
