"""Public photo codes: 6 characters of Crockford base32, and secret withdrawal tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 6
# Crockford decoding folds look-alikes, so a code read aloud or typed by hand still resolves.
_FOLD = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_code() -> str:
    """Return a random code; the caller checks uniqueness against every code ever issued."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str | None:
    """Return the canonical form of a code typed or scanned in any case, or None if invalid."""
    code = raw.strip().upper().replace("-", "").translate(_FOLD)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def new_token() -> str:
    """Return a secret token for a private link."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """Return the SHA-256 of a token; only this is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def derive_token(secret: str | bytes, purpose: str, value: str) -> str:
    """Return the private-link token for value, made with the site's secret (HMAC-SHA-256).

    The same value always gives the same token, so a receipt can be shown again after a lost
    reply, yet neither the database nor the value alone can rebuild it without the secret.
    """
    key = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()  # 32 characters, like new_token()


def photo_url(base_url: str, code: str) -> str:
    """Return the URL printed in a QR code: all upper case, so it fits alphanumeric mode."""
    return (base_url.rstrip("/") + "/P/" + code).upper()
