"""Login sessions kept server-side (only token hashes stored) with idle and absolute expiry."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass

from kb.errors import AuthError
from kb.settings import Settings
from kb.workflow import database

# However active, a session ends after one working day: a login on a shared PC does not last for ever.
SESSION_HOURS = 12
# The login page hands its browser a one-time ticket, exchanged for the cookie within this many seconds.
# The token itself never reaches the page (it is made when the ticket is exchanged, straight into the
# HttpOnly cookie), so a script on the page cannot read it.
TICKET_SECONDS = 60
# Sessions idle longer than the largest allowed session_timeout_minutes are deleted when a new one opens.
FORGET_SECONDS = 24 * 3600
TOKEN_BYTES = 32


EXPIRED_TICKET = "登录凭据已失效；请重新登录"


@dataclass(frozen=True)
class Session:
    """One login of one user, as stored (without its token)."""

    id: str
    user: str
    created: float
    last_seen: float
    expires: float

    def idle(self, now: float, timeout: float) -> bool:
        """True when unused for longer than `timeout` seconds."""
        return now - self.last_seen > timeout

    def over(self, now: float) -> bool:
        """True when past its absolute end."""
        return now >= self.expires


@dataclass(frozen=True)
class OpenedSession:
    """A new session and the one-time ticket its browser exchanges for the cookie."""

    session: Session
    ticket: str


def digest(secret: str) -> str:
    """The SHA-256 (hex) under which a token or ticket is stored."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _session(row: sqlite3.Row) -> Session:
    return Session(row["id"], row["user"], row["created"], row["last_seen"], row["expires"])


def open_session(settings: Settings, user: str, now: float | None = None) -> OpenedSession:
    """Start a session for a user who has just proved who they are; forget long-dead sessions."""
    now = time.time() if now is None else now
    session = Session(secrets.token_urlsafe(16), user, now, now, now + SESSION_HOURS * 3600)
    ticket = secrets.token_urlsafe(TOKEN_BYTES)
    with database.transaction(settings) as con:
        con.execute("DELETE FROM sessions WHERE expires <= ? OR last_seen < ?", (now, now - FORGET_SECONDS))
        con.execute(
            "INSERT INTO sessions (id, ticket_hash, user, created, last_seen, expires) VALUES (?, ?, ?, ?, ?, ?)",
            (session.id, digest(ticket), user, now, now, session.expires),
        )
    return OpenedSession(session, ticket)


def redeem_ticket(settings: Settings, ticket: str, now: float | None = None) -> str:
    """Exchange a fresh one-time ticket for the session's cookie token; raise AuthError if it is
    unknown, used or stale."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with database.transaction(settings) as con:
        row = con.execute("SELECT * FROM sessions WHERE ticket_hash = ?", (digest(ticket or ""),)).fetchone()
        if row is None or now - row["created"] > TICKET_SECONDS or now >= row["expires"]:
            raise AuthError(EXPIRED_TICKET)
        con.execute("UPDATE sessions SET token_hash = ?, ticket_hash = NULL WHERE id = ?", (digest(token), row["id"]))
    return token


def find(settings: Settings, session_id: str) -> Session | None:
    """The session by its id, or None when it was revoked (or never existed)."""
    with closing(database.connect(settings)) as con:
        row = con.execute("SELECT * FROM sessions WHERE id = ?", (session_id or "",)).fetchone()
    return _session(row) if row else None


def find_by_token(settings: Settings, token: str) -> Session | None:
    """The session a cookie's token belongs to, or None (revoked, or a token never issued)."""
    if not token:
        return None
    with closing(database.connect(settings)) as con:
        row = con.execute("SELECT * FROM sessions WHERE token_hash = ?", (digest(token),)).fetchone()
    return _session(row) if row else None


def touch(settings: Settings, session_id: str, now: float | None = None) -> None:
    """Record that the session was used now (its idle time starts again)."""
    now = time.time() if now is None else now
    with database.transaction(settings) as con:
        con.execute("UPDATE sessions SET last_seen = ? WHERE id = ? AND last_seen < ?", (now, session_id, now))


def revoke(settings: Settings, session_id: str) -> None:
    """End one session (logging out, or found idle or over)."""
    with database.transaction(settings) as con:
        con.execute("DELETE FROM sessions WHERE id = ?", (session_id,))


def revoke_token(settings: Settings, token: str) -> Session | None:
    """End the session a cookie's token belongs to; the session ended, or None."""
    session = find_by_token(settings, token)
    if session is not None:
        revoke(settings, session.id)
    return session


def revoke_user(con: sqlite3.Connection, user: str) -> int:
    """End every session of a user inside the caller's transaction (password, role or account
    changed); the number ended."""
    return con.execute("DELETE FROM sessions WHERE user = ?", (user,)).rowcount


def user_sessions(settings: Settings, user: str) -> list[Session]:
    """A user's open sessions, oldest first."""
    with closing(database.connect(settings)) as con:
        rows = con.execute("SELECT * FROM sessions WHERE user = ? ORDER BY created", (user,)).fetchall()
    return [_session(r) for r in rows]
