//! Just enough HTTP/1.1 to ask a Docker daemon `GET /_ping` and `GET /version` over a stream we
//! already hold (the verified TLS connection). Responses are parsed with `httparse`; bodies by
//! Content-Length, chunked transfer coding, or until the peer closes.

use std::io::{self, Read, Write};

/// The largest response accepted: Docker's replies here are a few hundred bytes.
const MAX_RESPONSE: usize = 1 << 20;

/// A parsed HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body, decoded from chunked coding if it was chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Sends `GET path` on `stream` and reads the response. `buffer` carries bytes read past one
/// response into the next on the same connection.
pub fn get<S: Read + Write>(
    stream: &mut S,
    host: &str,
    path: &str,
    buffer: &mut Vec<u8>,
) -> io::Result<Response> {
    send(stream, host, &[path])?;
    read_response(stream, buffer)
}

/// Sends one `GET` per path in a single write (HTTP/1.1 pipelining: the server answers them in
/// order, and the later ones do not wait a round trip); read the answers with [`read_response`].
pub fn send<W: Write>(stream: &mut W, host: &str, paths: &[&str]) -> io::Result<()> {
    let mut requests = String::new();
    for path in paths {
        requests.push_str(&format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: dockcert/{}\r\nAccept: */*\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        ));
    }
    stream.write_all(requests.as_bytes())?;
    stream.flush()
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Reads more bytes into `buffer`; false at end of stream.
fn fill<R: Read>(reader: &mut R, buffer: &mut Vec<u8>) -> io::Result<bool> {
    if buffer.len() > MAX_RESPONSE {
        return Err(invalid("the response is larger than 1 MiB"));
    }
    let mut chunk = [0u8; 8192];
    let n = reader.read(&mut chunk)?;
    buffer.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

/// Reads one response from `reader`, starting with whatever is already in `buffer`.
pub fn read_response<R: Read>(reader: &mut R, buffer: &mut Vec<u8>) -> io::Result<Response> {
    let (status, headers, head_len) = loop {
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut slots);
        match parsed.parse(buffer) {
            Ok(httparse::Status::Complete(len)) => {
                let headers = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).trim().to_string(),
                        )
                    })
                    .collect::<Vec<_>>();
                break (parsed.code.unwrap_or(0), headers, len);
            }
            Ok(httparse::Status::Partial) => {
                if !fill(reader, buffer)? {
                    return Err(invalid(
                        "the connection closed before a complete HTTP response",
                    ));
                }
            }
            Err(err) => return Err(invalid(format!("not an HTTP response ({err})"))),
        }
    };
    buffer.drain(..head_len);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let body = if header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
    {
        read_chunked(reader, buffer)?
    } else if let Some(length) = header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| invalid(format!("bad Content-Length '{length}'")))?;
        if length > MAX_RESPONSE {
            return Err(invalid("the response is larger than 1 MiB"));
        }
        while buffer.len() < length {
            if !fill(reader, buffer)? {
                return Err(invalid("the connection closed in the middle of the body"));
            }
        }
        buffer.drain(..length).collect()
    } else {
        while fill(reader, buffer)? {}
        std::mem::take(buffer)
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn read_chunked<R: Read>(reader: &mut R, buffer: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let (consumed, size) = loop {
            match httparse::parse_chunk_size(buffer) {
                Ok(httparse::Status::Complete((consumed, size))) => break (consumed, size),
                Ok(httparse::Status::Partial) => {
                    if !fill(reader, buffer)? {
                        return Err(invalid("the connection closed inside a chunk header"));
                    }
                }
                Err(_) => return Err(invalid("bad chunk size in a chunked body")),
            }
        };
        let size = usize::try_from(size)
            .ok()
            .filter(|size| body.len() + size <= MAX_RESPONSE)
            .ok_or_else(|| invalid("the response is larger than 1 MiB"))?;
        buffer.drain(..consumed);
        // The chunk's data and its CRLF.
        while buffer.len() < size + 2 {
            if !fill(reader, buffer)? {
                return Err(invalid("the connection closed inside a chunk"));
            }
        }
        body.extend_from_slice(&buffer[..size]);
        buffer.drain(..size + 2);
        if size == 0 {
            // Trailers end with an empty line; Docker sends none, so the CRLF was it.
            return Ok(body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that yields its input a few bytes at a time and records what was written.
    struct Trickle {
        input: Vec<u8>,
        at: usize,
        written: Vec<u8>,
    }

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = (self.input.len() - self.at).min(3).min(out.len());
            out[..n].copy_from_slice(&self.input[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    impl Write for Trickle {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn stream(input: &str) -> Trickle {
        Trickle {
            input: input.as_bytes().to_vec(),
            at: 0,
            written: Vec::new(),
        }
    }

    #[test]
    fn two_responses_on_one_connection() {
        let mut s = stream(
            "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK\
             HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nDate: Sat, 28 Nov 2026 18:00:00 GMT\r\n\r\n\
             4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n",
        );
        let mut buffer = Vec::new();
        let ping = get(&mut s, "h:1", "/_ping", &mut buffer).unwrap();
        assert_eq!((ping.status, ping.body.as_slice()), (200, &b"OK"[..]));
        assert_eq!(ping.header("API-Version"), Some("1.41"));
        let version = get(&mut s, "h:1", "/version", &mut buffer).unwrap();
        assert_eq!(version.body, b"{\"a\":1}");
        assert!(version.header("date").is_some());
        let sent = String::from_utf8(s.written).unwrap();
        assert!(
            sent.starts_with("GET /_ping HTTP/1.1\r\nHost: h:1\r\n"),
            "{sent}"
        );
    }

    #[test]
    fn rejects_what_is_not_http() {
        let mut buffer = Vec::new();
        let err =
            read_response(&mut stream("\x15\x03\x03\x00\x02\x02\x28"), &mut buffer).unwrap_err();
        assert!(err.to_string().contains("not an HTTP response"), "{err}");
        let mut buffer = Vec::new();
        let err = read_response(
            &mut stream("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
            &mut buffer,
        )
        .unwrap_err();
        assert!(err.to_string().contains("closed in the middle"), "{err}");
    }
}
