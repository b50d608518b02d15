//! `--san auto`: this machine's names, as the docker:dind entrypoint collects them — the host
//! name, the fully qualified name, and every interface address except loopback and IPv6
//! link-local (which needs a zone to be reached).

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::pki::names::{self, San};

/// The names found, in order: host name, fully qualified name, addresses.
pub fn local_names() -> Vec<San> {
    let mut found = Vec::new();
    let mut push = |san: San| {
        if !found.contains(&san) {
            found.push(san);
        }
    };
    if let Some(host) = host_name() {
        if let Ok(name) = names::parse_dns_name(&host) {
            push(San::Dns(name));
        }
        if let Some(fqdn) = canonical_name(&host)
            && let Ok(name) = names::parse_dns_name(&fqdn)
        {
            push(San::Dns(name));
        }
    }
    for ip in interface_addresses() {
        push(San::Ip(ip));
    }
    found
}

fn host_name() -> Option<String> {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is writable for its length; gethostname NUL-terminates within it.
    let rc = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if rc != 0 {
        return None;
    }
    let name = CStr::from_bytes_until_nul(&buffer)
        .ok()?
        .to_str()
        .ok()?
        .trim()
        .to_string();
    (!name.is_empty()).then_some(name)
}

/// The canonical (fully qualified) name of `host`, as `hostname -f` finds it.
fn canonical_name(host: &str) -> Option<String> {
    let c_host = CString::new(host).ok()?;
    // SAFETY: a zeroed addrinfo is a valid "no hints" value; we set the fields we use.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_flags = libc::AI_CANONNAME;
    hints.ai_family = libc::AF_UNSPEC;
    let mut result: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: valid C strings and out-pointer; the result is freed below.
    let rc = unsafe { libc::getaddrinfo(c_host.as_ptr(), std::ptr::null(), &hints, &mut result) };
    if rc != 0 || result.is_null() {
        return None;
    }
    // SAFETY: result points to at least one addrinfo; ai_canonname is NUL-terminated when set.
    let name = unsafe {
        let canon = (*result).ai_canonname;
        let name = (!canon.is_null()).then(|| CStr::from_ptr(canon).to_string_lossy().into_owned());
        libc::freeaddrinfo(result);
        name
    };
    name.filter(|n| n.contains('.') && n != host)
}

fn interface_addresses() -> Vec<IpAddr> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: out-pointer; freed with freeifaddrs below.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut cursor = list;
    while !cursor.is_null() {
        // SAFETY: cursor walks the list getifaddrs returned, until its NULL end.
        let entry = unsafe { &*cursor };
        cursor = entry.ifa_next;
        if entry.ifa_addr.is_null() || entry.ifa_flags & (libc::IFF_LOOPBACK as u32) != 0 {
            continue;
        }
        // SAFETY: ifa_addr is non-null and its sa_family says which sockaddr it is.
        let ip = unsafe {
            match i32::from((*entry.ifa_addr).sa_family) {
                libc::AF_INET => {
                    let addr = &*entry.ifa_addr.cast::<libc::sockaddr_in>();
                    IpAddr::V4(Ipv4Addr::from(u32::from_be(addr.sin_addr.s_addr)))
                }
                libc::AF_INET6 => {
                    let addr = &*entry.ifa_addr.cast::<libc::sockaddr_in6>();
                    IpAddr::V6(Ipv6Addr::from(addr.sin6_addr.s6_addr))
                }
                _ => continue,
            }
        };
        let link_local = matches!(ip, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80);
        if !ip.is_loopback() && !link_local && !found.contains(&ip) {
            found.push(ip);
        }
    }
    // SAFETY: list came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(list) };
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_host_name_and_no_loopback() {
        let names = local_names();
        let host = host_name().expect("this machine has a host name");
        assert!(
            names
                .iter()
                .any(|san| san.to_string().contains(&host.to_ascii_lowercase())),
            "{names:?}"
        );
        assert!(
            names
                .iter()
                .all(|san| !matches!(san, San::Ip(ip) if ip.is_loopback()))
        );
    }
}
