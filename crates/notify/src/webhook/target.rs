use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Name, Resolve, Resolving};
use url::{Host, Url};

/// Which webhook targets may be reached. Off (the default) keeps a tenant's endpoint
/// from pointing our server at itself, the cloud metadata service or the private
/// network behind it; on is for development and tests against local receivers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    pub allow_private: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("{0:?} is not a URL")]
    NotUrl(String),
    #[error("scheme {0:?} is not allowed: webhooks go to http:// or https:// only")]
    Scheme(String),
    #[error("webhook URLs may not carry a user name or password")]
    UserInfo,
    #[error("the URL has no host")]
    NoHost,
    #[error("{host} resolves to {addr}, a loopback, private, link-local or otherwise non-public address")]
    Forbidden { host: String, addr: IpAddr },
    #[error("cannot resolve {host}: {error}")]
    Resolve { host: String, error: String },
}

impl TargetPolicy {
    /// Everything that can be told from the URL alone: scheme, user info, and an IP
    /// literal host. Names are checked where they are resolved.
    pub(crate) fn check_url(&self, url: &Url) -> Result<(), TargetError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TargetError::Scheme(url.scheme().to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::UserInfo);
        }
        match url.host() {
            None => Err(TargetError::NoHost),
            Some(Host::Domain("")) => Err(TargetError::NoHost),
            Some(Host::Domain(_)) => Ok(()),
            Some(Host::Ipv4(ip)) => self.check_addr(&ip.to_string(), IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.check_addr(&ip.to_string(), IpAddr::V6(ip)),
        }
    }

    fn check_addr(&self, host: &str, addr: IpAddr) -> Result<(), TargetError> {
        if !self.allow_private && is_forbidden(addr) {
            return Err(TargetError::Forbidden {
                host: host.to_owned(),
                addr,
            });
        }
        Ok(())
    }

    /// Whether a webhook may be sent to `url` now, resolving its host (every address it
    /// resolves to must be allowed). For validating an endpoint when it is registered;
    /// the sender applies the same rules to the addresses it actually connects to.
    pub async fn check_target(&self, url: &str) -> Result<(), TargetError> {
        let parsed = Url::parse(url).map_err(|_| TargetError::NotUrl(url.to_owned()))?;
        self.check_url(&parsed)?;
        if let Some(Host::Domain(host)) = parsed.host() {
            self.resolve(host).await?;
        }
        Ok(())
    }

    async fn resolve(&self, host: &str) -> Result<Vec<SocketAddr>, TargetError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|e| TargetError::Resolve {
                host: host.to_owned(),
                error: e.to_string(),
            })?
            .collect();
        if addrs.is_empty() {
            return Err(TargetError::Resolve {
                host: host.to_owned(),
                error: "no addresses".into(),
            });
        }
        // All or nothing: a name with one private address is a name someone can point
        // at the inside whenever they like.
        for addr in &addrs {
            self.check_addr(host, addr.ip())?;
        }
        Ok(addrs)
    }
}

/// The resolver the webhook client connects through: the addresses it returns are the
/// ones checked, so a name cannot pass the check and then resolve elsewhere for the
/// connection (DNS rebinding).
pub(crate) struct GuardedResolver(pub(crate) TargetPolicy);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        Box::pin(async move {
            let addrs = policy.resolve(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Box<dyn Iterator<Item = SocketAddr> + Send>)
        })
    }
}

/// Addresses that are not on the public internet: loopback, RFC 1918 private, link-local
/// (169.254.0.0/16, home of cloud metadata services), CGNAT 100.64.0.0/10, unique-local
/// fc00::/7, unspecified, multicast, broadcast, and the other special-purpose ranges.
/// IPv4 addresses wrapped in IPv6 (mapped, compatible, NAT64) are judged as IPv4.
pub fn is_forbidden(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (b & 0xc0) == 64) // CGNAT 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // benchmarking 198.18.0.0/15
        || a >= 240 // reserved
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_forbidden_v4(v4);
    }
    let seg = ip.segments();
    // ::a.b.c.d (deprecated IPv4-compatible) and the NAT64 prefix 64:ff9b::/96 reach IPv4.
    if seg[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_unspecified() && !ip.is_loopback()
        || seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
    {
        let v4 = Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8);
        return is_forbidden_v4(v4);
    }
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
        || (seg[0] == 0x0100 && seg[1..4] == [0, 0, 0]) // discard-only 100::/64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(s: &str) -> bool {
        is_forbidden(s.parse().unwrap())
    }

    #[test]
    fn classifies_addresses() {
        for s in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            assert!(forbidden(s), "{s} should be forbidden");
        }
        for s in [
            "93.184.215.14",
            "1.1.1.1",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!forbidden(s), "{s} should be allowed");
        }
    }
}
