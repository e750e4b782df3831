"""The local, anonymised search log behind the 统计 page: what was searched and what found nothing.

Only the 检索 box is logged: the query (with long digit runs such as ID card or phone numbers
masked), the day, the number of results and which facet fields were used. No user, session, IP
address or time of day is stored, and text pasted into 类案检索 is never passed here.
Switched off with `search_log = false` in casekb.toml (or KB_SEARCH_LOG=0).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from kb.settings import Settings

LOG_NAME = "search-log.sqlite3"
MAX_QUERY_CHARS = 100
_DIGITS = re.compile(r"[0-9０-９][0-9０-９xX]{5,}")
_SPACE = re.compile(r"\s+")
_LOCK = threading.Lock()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    day TEXT NOT NULL,
    query TEXT NOT NULL,
    results INTEGER NOT NULL,
    facets TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS searches_query ON searches(query);
CREATE INDEX IF NOT EXISTS searches_day ON searches(day);
"""


@dataclass(frozen=True)
class QueryCount:
    """A query and how often it was searched (and, for zero-result lists, when last)."""

    query: str
    count: int
    last_day: str = ""
    results: int = 0


def log_path(settings: Settings) -> Path:
    """Where the log lives: next to the index folder, never inside the content."""
    return settings.index_dir.parent / LOG_NAME


def anonymise(query: str) -> str:
    """Normalise whitespace, mask runs of six or more digits and cap the length."""
    text = _SPACE.sub(" ", query or "").strip()
    text = _DIGITS.sub("＊＊＊", text)
    return text[:MAX_QUERY_CHARS]


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0)
    conn.executescript(_SCHEMA)
    return conn


def record_search(
    settings: Settings, query: str, results: int, facets: Iterable[str] = (), day: date | None = None
) -> bool:
    """Log one search from the 检索 box; returns False when logging is off or the query is empty."""
    if not settings.search_log:
        return False
    text = anonymise(query)
    if not text:
        return False
    when = (day or date.today()).isoformat()
    try:
        with _LOCK, closing(_connect(log_path(settings))) as conn, conn:
            conn.execute(
                "INSERT INTO searches(day, query, results, facets) VALUES (?, ?, ?, ?)",
                (when, text, int(results), ",".join(sorted(set(facets)))),
            )
    except (OSError, sqlite3.Error):
        # The log is a convenience: a read-only or full disk must never break searching.
        return False
    return True


def _rows(settings: Settings, sql: str, params: tuple) -> list[tuple]:
    path = log_path(settings)
    if not path.is_file():
        return []
    try:
        with closing(_connect(path)) as conn:
            return conn.execute(sql, params).fetchall()
    except sqlite3.Error:
        return []


def _since(days: int | None, today: date | None) -> str:
    if not days:
        return ""
    return ((today or date.today()) - timedelta(days=days)).isoformat()


def top_queries(
    settings: Settings, limit: int = 20, days: int | None = None, today: date | None = None
) -> list[QueryCount]:
    """The most searched queries, most frequent first."""
    rows = _rows(
        settings,
        "SELECT query, COUNT(*), MAX(day), MAX(results) FROM searches WHERE day >= ? "
        "GROUP BY query ORDER BY COUNT(*) DESC, MAX(day) DESC, query LIMIT ?",
        (_since(days, today), int(limit)),
    )
    return [QueryCount(q, n, d, r) for q, n, d, r in rows]


def zero_result_queries(
    settings: Settings, limit: int = 20, days: int | None = None, today: date | None = None
) -> list[QueryCount]:
    """Queries that found nothing (the content or the synonyms may be missing something)."""
    rows = _rows(
        settings,
        "SELECT query, COUNT(*), MAX(day) FROM searches WHERE results = 0 AND day >= ? "
        "GROUP BY query ORDER BY COUNT(*) DESC, MAX(day) DESC, query LIMIT ?",
        (_since(days, today), int(limit)),
    )
    return [QueryCount(q, n, d, 0) for q, n, d in rows]


def daily_counts(settings: Settings, days: int = 30, today: date | None = None) -> list[tuple[str, int]]:
    """Searches per day over the last `days` days (days without searches are left out)."""
    return [
        (d, n)
        for d, n in _rows(
            settings,
            "SELECT day, COUNT(*) FROM searches WHERE day >= ? GROUP BY day ORDER BY day",
            (_since(days, today),),
        )
    ]


def total_searches(settings: Settings) -> int:
    """How many searches the log holds."""
    rows = _rows(settings, "SELECT COUNT(*) FROM searches", ())
    return int(rows[0][0]) if rows else 0


__all__ = [
    "QueryCount",
    "anonymise",
    "daily_counts",
    "log_path",
    "record_search",
    "top_queries",
    "total_searches",
    "zero_result_queries",
]
