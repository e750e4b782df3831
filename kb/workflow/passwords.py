"""Password hashes (argon2id with the current parameters, earlier scrypt hashes accepted to upgrade
them) and the list of common passwords a new password must not be on."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from functools import cache

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

# Passwords are hashed with argon2id in RFC 9106's low-memory profile (t=3, 64 MiB, p=4; ~0.1 s),
# above OWASP's minimum. The parameters are stored in each hash: a hash made with other ones
# (or an old scrypt hash) is replaced at the next successful login.
HASHER = argon2.PasswordHasher.from_parameters(argon2.profiles.RFC_9106_LOW_MEMORY)
# Hashes of earlier versions: scrypt$N$r$p$salt$hash, still accepted once to upgrade them.
LEGACY_SCHEME = "scrypt"
LEGACY_MAXMEM = 256 * 1024 * 1024
# At most this many password checks at once: each takes 64 MiB, and a flood of login attempts
# must neither exhaust the server's memory nor run guesses in parallel without bound.
_CHECKS = threading.BoundedSemaphore(2)


def hash_password(password: str) -> str:
    """Return an argon2id hash (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh salt."""
    with _CHECKS:
        return HASHER.hash(password)


def _verify_legacy(password: str, stored: str) -> bool:
    """Check a scrypt hash written by earlier versions (`scrypt$N$r$p$salt$hash`)."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != LEGACY_SCHEME:
            return False
        want = base64.b64decode(expected)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=LEGACY_MAXMEM,
            dklen=len(want),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def verify_password(password: str, stored: str) -> bool:
    """Check a password against a stored hash (argon2id, or a legacy scrypt hash) in constant time."""
    with _CHECKS:
        if stored.startswith(LEGACY_SCHEME + "$"):
            return _verify_legacy(password, stored)
        try:
            return HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(stored: str) -> bool:
    """True when a stored hash is not argon2id with the current parameters (upgraded at the next login)."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        return HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


_DUMMY_HASH: str | None = None


def dummy_hash() -> str:
    """A hash to check unknown names against, so they take as long as real ones."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    return _DUMMY_HASH


@cache
def _common() -> frozenset[str]:
    # zxcvbn's list of the 30,000 most used passwords (from leaked password sets), shipped inside the
    # package: maintained by others and read offline. Imported on first use (0.8 MB of Python).
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """True when the password, ignoring case, is on the list of common passwords."""
    return password.lower() in _common()
