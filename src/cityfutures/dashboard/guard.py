"""Who may open the workshop page: the same address rule for HTTP as for the websocket, and a session cap.

Framework-free: :func:`refusal` reads a request's headers and says why it is refused (or
nothing). Every page load costs a session (about two seconds of CPU), so a request is refused
before a session is made when

- its ``Host`` is not the page's own address (DNS rebinding: another name resolving here);
- it carries an ``Origin`` that is not the page's own (a script of another site);
- the browser marks it as cross-site (``Sec-Fetch-Site``) and it is not a person following a link
  to the page (``Sec-Fetch-Mode: navigate`` into a top-level document): images, frames and
  scripts of other sites cannot open sessions;
- the page already holds ``max_sessions`` sessions (:data:`MAX_SESSIONS` by default).

``--allow-origin HOST[:PORT]`` adds addresses to the allowed ones (the page behind a name, or on
the network), for HTTP and the websocket alike.
"""
from __future__ import annotations

from typing import Iterable, Mapping
from urllib.parse import urlparse

__all__ = ["MAX_SESSIONS", "LOOPBACK", "allowed_addresses", "refusal"]

MAX_SESSIONS = 20
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def allowed_addresses(host: str, port: int, extra: Iterable[str] = ()) -> list[str]:
    """``host:port`` forms the page answers to: its own, the loopback names when it listens on
    loopback, and ``extra`` (``HOST`` or ``HOST:PORT``; a bare host takes the page's port)."""
    out = [_netloc(host, port)]
    if host in LOOPBACK:
        out += [_netloc(h, port) for h in LOOPBACK]
    for item in extra:
        item = item.strip().lower()
        if "//" in item:                       # a whole origin: http://host:port
            item = urlparse(item).netloc
        if not item:
            continue
        has_port = item.rsplit(":", 1)[-1].isdigit() and (item.count(":") == 1 or "]:" in item)
        out.append(item if has_port else _netloc(item, port))
    return sorted(set(a.lower() for a in out))


def refusal(headers: Mapping[str, str], allowed: Iterable[str], sessions: int = 0,
            max_sessions: int = MAX_SESSIONS) -> str:
    """Why a request for the page is refused, or an empty string.

    Parameters
    ----------
    headers : mapping
        The request's headers (case as sent; looked up case-insensitively).
    allowed : iterable of str
        ``host:port`` addresses (:func:`allowed_addresses`).
    sessions : int
        Sessions the page holds now.
    max_sessions : int
    """
    h = {k.lower(): v for k, v in headers.items()}
    allowed = {a.lower() for a in allowed}
    host = h.get("host", "").strip().lower()
    if host not in allowed:
        return f"this page answers at {', '.join(sorted(allowed))}, not at {host or '(no host)'}"
    origin = h.get("origin", "").strip()
    if origin and origin != "null" and urlparse(origin).netloc.lower() not in allowed:
        return f"requests from {origin} are not accepted"
    if origin == "null":
        return "requests from an opaque origin are not accepted"
    site = h.get("sec-fetch-site", "").strip().lower()
    if site in ("cross-site", "same-site") and not (h.get("sec-fetch-mode", "").lower() == "navigate"
                                                     and h.get("sec-fetch-dest", "document").lower() == "document"):
        return "another site's page cannot open this one"
    if sessions >= max_sessions:
        return f"the page already has {sessions} sessions open, its limit; close a tab and reload"
    return ""
