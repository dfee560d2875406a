"""URL identity and network safety: canonical URLs, allowed schemes, refused addresses."""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

#: Query parameters that only track the reader; removed from canonical URLs.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "_ga", "_gl", "ref_src", "cmpid", "ncid", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
    "wt.mc_id", "spm", "s_cid",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__hs")

ALLOWED_SCHEMES = ("http", "https")


def canonical_url(url: str) -> str:
    """The identity of an article's address.

    Lower-case scheme and host, default port dropped, fragment dropped,
    tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ...) removed and the
    remaining query sorted, so the same article reached by two feeds is one row.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host.lower()
    except UnicodeError:
        host = host.lower()
    port = parts.port if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443)) else None
    netloc = f"[{host}]" if ":" in host else host
    if port:
        netloc += f":{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~%") or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)]
    query.sort()
    text = "&".join(quote(k, safe="") + (f"={quote(v, safe='')}" if v else "") for k, v in query)
    return urlunsplit((scheme, netloc, path, text, ""))


def scheme_allowed(url: str) -> bool:
    """Only http and https are ever fetched (never ``file:``, ``ftp:``, ``data:``...)."""
    return urlsplit(url).scheme.lower() in ALLOWED_SCHEMES


# CGNAT (100.64/10) is not in Python's is_private before 3.13, hence the explicit list.
_REFUSED_NETS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
))


def refused_address(address: str) -> str | None:
    """Why an IP address must not be contacted (loopback, private, ...), or None if it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"not an IP address: {address!r}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for net in _REFUSED_NETS:
        if ip.version == net.version and ip in net:
            kind = ("loopback" if ip.is_loopback else "link-local" if ip.is_link_local
                    else "CGNAT" if ip in ipaddress.ip_network("100.64.0.0/10")
                    else "multicast" if ip.is_multicast else "private")
            return f"{ip} is a {kind} address"
    return None


def same_site(url: str, base: str) -> bool:
    """True when ``url``'s host is ``base``'s host or a subdomain of its parent (www. ignored)."""
    host = (urlsplit(url).hostname or "").lower()
    base_host = (urlsplit(base).hostname or "").lower()
    base_host = base_host[4:] if base_host.startswith("www.") else base_host
    return host == base_host or host.endswith("." + base_host)
