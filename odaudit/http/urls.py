"""URLs odaudit will request: http(s) only, and host names the resolver can take."""

from __future__ import annotations

import ipaddress

import httpx

from .errors import FetchFailure


def to_url(url: str) -> httpx.URL:
    """httpx percent-encodes raw non-ASCII characters (URLs on the portal often have Chinese)."""
    try:
        u = httpx.URL(url.strip())
    except (httpx.InvalidURL, UnicodeError) as exc:  # httpx's IDNA check raises UnicodeError, not InvalidURL
        raise FetchFailure("invalid_url", f"invalid URL {url!r}: {exc}") from None
    if u.scheme not in ("http", "https"):
        raise FetchFailure("scheme", f"refused non-HTTP URL scheme {u.scheme!r}: {url}")
    check_host(u)
    return u


def check_host(u: httpx.URL) -> None:
    """Refuse a host name the resolver would choke on, before anything is requested.

    Python's resolver encodes the name with the IDNA codec, which raises UnicodeError (not a
    network error) on an empty label, a label over 63 characters or broken punycode; that
    would end the whole crawl. DNS also caps a name at 253 characters.
    """
    host = host_of(u)
    if not host:
        raise FetchFailure("invalid_url", f"URL without a host: {u}")
    why = bad_host_name(host)
    if why:
        raise FetchFailure("invalid_url", f"invalid host name in {u}: {why}")


def host_of(u: httpx.URL) -> str:
    """The host as sent (ASCII, punycode). Not `URL.host`, which decodes punycode and raises
    UnicodeError on a label the stricter IDNA 2008 rules refuse."""
    return u.raw_host.decode("ascii", errors="replace")


def bad_host_name(host: str) -> str | None:
    """Why `host` (ASCII, as sent) is not a usable DNS name, or None if it is (or is an IP address)."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host  # one trailing dot: a fully qualified name
    if len(name) > 253:
        return f"{len(name)} characters, more than the 253 DNS allows"
    for label in name.split("."):
        if not label:
            return "empty label (two dots in a row, or a leading dot)"
        if len(label) > 63:
            return f"label {label[:16]}… has {len(label)} characters, more than the 63 DNS allows"
        if label.lower().startswith("xn--"):
            try:
                label.lower().encode("ascii").decode("idna")  # punycode that decodes and round-trips
            except UnicodeError:
                return f"label {label!r} is not valid punycode (IDNA)"
    return None
