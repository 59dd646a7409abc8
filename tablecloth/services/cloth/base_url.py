"""Which address may be printed in every code: only a public https one, unless a draft."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from . import BaseUrlRefused

# Host names that never reach the public internet, whatever DNS says today.
PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".localdomain",
                    ".intranet", ".corp", ".home", ".test", ".invalid", ".example")


def check_base_url(url: str) -> None:
    """Refuse a base URL that is not https or not on the public internet."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise BaseUrlRefused("base_url_not_https", url=url)
    host = (parts.hostname or "").lower().rstrip(".")
    refused = not host or host == "localhost" or host.endswith(PRIVATE_SUFFIXES)
    if not refused:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            # A bare name without a dot ("myserver") only resolves on a local network.
            refused = "." not in host
        else:
            refused = not address.is_global or address.is_multicast
    if refused:
        raise BaseUrlRefused("base_url_not_public", url=url)


def _is_loopback(host: str) -> bool:
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def plain_reason(refused: BaseUrlRefused) -> str:
    """Return the reason that tells an organiser what a refused address means for them.

    The refusal's own words name the setting, for whoever runs the server; an organiser
    learns instead that the address is not set yet, not secure, or private, and what to do.
    """
    url = str(refused.detail.get("url", ""))
    if _is_loopback((urlsplit(url).hostname or "").lower().rstrip(".")):
        return "address_not_set"
    if refused.reason == "base_url_not_https":
        return "address_not_https"
    return "address_not_public"
