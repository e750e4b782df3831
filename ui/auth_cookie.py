"""The login cookie: the HTTP routes that set and clear it, and what pages need to read it and hand it over."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kb.errors import KBError
from kb.settings import load_settings
from kb.workflow import sessions

# A page view cannot set an HttpOnly cookie (it talks to the browser over a WebSocket), so after a
# login the login page hands its browser a one-time ticket in a tiny script, which POSTs it to
# `auth/session`; that route exchanges it (kb.workflow.sessions) for the session's token and sets the cookie,
# and the script then opens the page the user had asked for. Every page view reads the cookie from
# the WebSocket's opening request (st.context.cookies). The token never appears on a page or in a URL.
#
# The cookie is HttpOnly, SameSite=Strict, Path=/, and Secure when the request came over https
# (directly or, per X-Forwarded-Proto, through a reverse proxy). Strict gets in nobody's way: the
# script's POST is same-origin, and the app reads the cookie from the WebSocket its own page opens,
# so a link followed from another site still finds the login (while a page of another site cannot
# open a WebSocket that carries it). The routes refuse requests from other sites (Sec-Fetch-Site,
# else Origin against Host / X-Forwarded-Host).

COOKIE = "casekb_session"
START, END = "auth/session", "auth/session/end"  # relative to the app's base URL
MAX_TICKET_BYTES = 200
CROSS_SITE = "拒绝：请求来自其他网站"
NEXT = "auth_next"  # a tab's state: the page (relative URL) to open after logging in
HANDOFF, CLEAR = "auth_handoff", "auth_clear"  # a tab's state: a ticket to hand over; a cookie to clear


# -- the HTTP side -----------------------------------------------------------------------------


def same_origin(request: Request) -> bool:
    """True when the request was sent by a page of this app (not a form or script of another site)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:  # set by the browser itself, whatever a proxy does to Host
        return site == "same-origin"
    origin = request.headers.get("origin")
    if not origin:
        return False
    hosts = {request.headers.get("host", "")}
    hosts |= {h.strip() for h in request.headers.get("x-forwarded-host", "").split(",") if h.strip()}
    return urlsplit(origin).netloc in hosts


def over_https(request: Request) -> bool:
    """True when the browser used https, to this server or to the reverse proxy in front of it."""
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or proto == "https"


def _answer(status: int, text: str = "") -> Response:
    response = PlainTextResponse(text, status_code=status) if text else Response(status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def start(request: Request) -> Response:
    """POST auth/session (body: the ticket): set the session cookie."""
    if not same_origin(request):
        return _answer(403, CROSS_SITE)
    ticket = (await request.body())[:MAX_TICKET_BYTES].decode("utf-8", "replace").strip()
    try:
        token = await run_in_threadpool(sessions.redeem_ticket, load_settings(), ticket)
    except KBError as exc:
        return _answer(403, str(exc))
    response = _answer(204)
    response.set_cookie(COOKIE, token, path="/", secure=over_https(request), httponly=True, samesite="strict")
    return response


async def end(request: Request) -> Response:
    """POST auth/session/end: end the cookie's session (if still open) and clear the cookie."""
    if not same_origin(request):
        return _answer(403, CROSS_SITE)
    token = request.cookies.get(COOKIE, "")
    if token:
        try:
            await run_in_threadpool(sessions.revoke_token, load_settings(), token)
        except KBError as exc:
            return _answer(503, str(exc))
    response = _answer(204)
    response.delete_cookie(COOKIE, path="/", secure=over_https(request), httponly=True, samesite="strict")
    return response


def routes(base_url: str = "") -> list[Route]:
    """The cookie routes for st.App, under Streamlit's server.baseUrlPath when one is set."""
    base = "/" + base_url.strip("/") if base_url.strip("/") else ""
    return [Route(f"{base}/{START}", start, methods=["POST"]), Route(f"{base}/{END}", end, methods=["POST"])]


# -- the page side -----------------------------------------------------------------------------


def token() -> str | None:
    """The session cookie this tab's browser sent when it opened the page (None when there is none)."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and value else None  # AppTest's stand-in client has no real cookies


def here(url_path: str) -> str:
    """This page with its query string, as a URL relative to the app (what the login returns to)."""
    pairs = [(k, v) for k in st.query_params for v in st.query_params.get_all(k)]
    query = "?" + urlencode(pairs) if pairs else ""
    return (url_path or ".") + ("/" if not url_path else "") + query


def _script(body: str) -> None:
    """Run a little JavaScript in the page (not in an iframe: its fetch carries the app's cookies)."""
    st.html(body, unsafe_allow_javascript=True)


def _js(value: object) -> str:
    """A value as a JavaScript literal that cannot end the <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


FAILED = "未能保存登录状态：刷新页面或打开新标签页后需要重新登录。本页仍可继续使用。"


def hand_over(ticket: str, next_url: str | None) -> None:
    """Let the browser exchange its ticket for the cookie, then open `next_url` (None: stay)."""
    _script(
        f'<p class="kb-handoff" style="margin:0"></p><script>(async () => {{'
        f"  const note = document.currentScript.parentElement.querySelector('.kb-handoff');"
        f"  try {{"
        f"    const r = await fetch({_js(START)}, {{method: 'POST', body: {_js(ticket)}, credentials: 'same-origin',"
        f"      headers: {{'Content-Type': 'text/plain'}}}});"
        f"    if (r.ok) {{ const next = {_js(next_url)}; if (next) window.location.replace(next); return; }}"
        f"  }} catch (e) {{}}"
        f"  note.textContent = {_js(FAILED)};"
        f"}})();</script>"
    )


def clear() -> None:
    """Let the browser end the cookie's session and forget the cookie (after logging out)."""
    _script(f"<script>fetch({_js(END)}, {{method: 'POST', credentials: 'same-origin'}}).catch(() => {{}});</script>")
