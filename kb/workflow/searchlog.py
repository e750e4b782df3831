"""The local, anonymised search log behind the 统计 page and the 常用检索 buttons, and their curation.

Only queries typed into the 检索 box are passed here (the app decides what counts as typed): the
query with names, phone, ID and plate numbers masked, the day, the number of results, the facet
fields used, and a hash of the session's random id together with the query. That hash counts how
many different sessions searched a query without linking one session's queries to each other. No
user name, IP address or time of day is stored; text pasted into 类案检索 is never passed here.
The roles in `search_log_roles` see the log; 审核 and 管理员 pin and hide 常用检索 (each change audited).
Switched off with `search_log = false` in casekb.toml (or KB_SEARCH_LOG=0).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from kb import roles
from kb.errors import AuthError, KBError, MigrationError
from kb.settings import EVERYONE, Settings
from kb.workflow import accounts, audit, database

LOG_NAME = "search-log.sqlite3"
MAX_QUERY_CHARS = 100
_SPACE = re.compile(r"\s+")
_LOCK = threading.Lock()

# -- anonymising ---------------------------------------------------------------------------------
# Hand-written rules, because no maintained offline tool fits: HanLP and LAC need model downloads,
# and jieba's part-of-speech tagger (which also tags 王法 as a name and misses 张某某) loads a second
# dictionary outside kb/analysis. A word masked by mistake costs one statistic; a name kept costs a
# person's privacy, so the rules lean to masking.
_MASK_NUMBER, _MASK_NAME = "＊＊＊", "某某"
_D = "[0-9０-９]"
_NUMBERS = (
    re.compile(rf"{_D}{{6}}[\s\-－]?{_D}{{8}}[\s\-－]?{_D}{{3}}[0-9０-９xXＸ]"),  # ID number, maybe grouped
    re.compile(rf"1[3-9]{_D}[\s\-－]?{_D}{{4}}[\s\-－]?{_D}{{4}}"),  # mobile number, maybe grouped
    re.compile(rf"{_D}[0-9０-９xX]{{5,}}"),  # any other run of six or more digits
    # a licence plate: province, letter, five or six letters and digits
    re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z][·・ ]?[A-Za-z0-9]{5,6}"),
)
_COMPOUND_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|端木|西门|南宫|独孤|呼延|申屠"
)
# Common surnames that rarely start an ordinary word: a standalone 王伟 or 欧阳娜娜 is taken as a name.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭肖田董袁潘蒋蔡杜叶程苏魏吕丁沈姚卢姜"
    "崔钟谭陆汪范廖贾夏韦付邹孟熊秦邱尹薛闫段雷侯史陶黎贺顾毛郝龚邵钱覃武戴莫孔汤温康施牛樊葛邢齐乔伍庞"
    "颜倪庄聂章鲁岳翟殷詹耿焦俞柳祝阮裴霍涂骆蓝靳柴蒙鲍喻祁蒲滕屈饶牟艾尤穆卓缪褚娄窦戚岑费卜晏瞿佟臧闵"
    "苟邬卞姬栾隋刁荣寇桑甄虞巩佘苑邝"
)
# Surnames that also start ordinary words (高速, 文明, 于是): only with 某 or X after them (高某, 于某某).
_WORDLIKE_SURNAMES = "高文方白江金石龙华安常向于余任曾严万成时明全和关兰甘包宁尚符舒柯纪梅童凌毕季盛曲苗管单路车连"
# Characters common in given names (and the numerals of 王五, 赵六); those that make ordinary words
# after a surname (黄金, 孙子, 夏天, 许可, 王法) are left out.
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建文林宇浩凯俊帅雪梅琳晨欣婷丹斌波飞峰鑫亮"
    "志国东海小春兰凤云龙阳晓燕颖慧佳嘉思雨梓轩涵博豪宁倩莉蕾琴瑶怡蓉薇琪璐露媛月新荣庆德光福生祥学"
    "宏彤冰旭维振永利兴泽航锋坤昊睿铭诚爽盈莹洁悦菲婧玲聪毅智翔健骏峻勋彬卫兵松柏山民顺喜贵富青翠巧香"
    "花珍珠宝琼雯昕妍曦辰逸瑞诗语彦心乐二三四五六七八九"
)
_HAN = r"\u3400-\u9fff\uf900-\ufaff"
_PSEUDONYM = re.compile(rf"(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}{_WORDLIKE_SURNAMES}])(?:某某?|[XxＸｘ×*＊]{{1,2}})")
_PLACEHOLDER = re.compile(r"张三|李四|王五|赵六|钱七|孙八")  # the textbook names, also inside a longer word
_STANDALONE_NAME = re.compile(
    rf"(?<![{_HAN}])(?!周[一二三四五六七日末])(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[{_GIVEN}]{{1,2}}(?![{_HAN}])"
)


def anonymise(query: str) -> str:
    """Normalise whitespace, mask ID, phone and plate numbers and other runs of six or more digits,
    mask names (张某、王某某、李X, 张三、李四, a standalone 王伟 or 欧阳娜娜) and cap the length."""
    text = _SPACE.sub(" ", query or "").strip()
    for pattern in _NUMBERS:
        text = pattern.sub(_MASK_NUMBER, text)
    for pattern in (_PSEUDONYM, _PLACEHOLDER, _STANDALONE_NAME):
        text = pattern.sub(_MASK_NAME, text)
    return text[:MAX_QUERY_CHARS]


# -- the database --------------------------------------------------------------------------------

PIN, HIDE = "pin", "hide"


@dataclass(frozen=True)
class QueryCount:
    """A query, how often and by how many different sessions it was searched, when last, and its most results."""

    query: str
    count: int
    last_day: str = ""
    results: int = 0
    sessions: int = 0


@dataclass(frozen=True)
class Curated:
    """A query the legal section pinned as a 常用检索 button or hid from the buttons."""

    query: str
    state: str  # PIN or HIDE
    at: str


def log_path(settings: Settings) -> Path:
    """Where the log lives: next to the index folder, never inside the content."""
    return settings.index_dir.parent / LOG_NAME


def _initial(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS searches (day TEXT NOT NULL, query TEXT NOT NULL, "
        "results INTEGER NOT NULL, facets TEXT NOT NULL DEFAULT '')"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS searches_query ON searches(query)")
    conn.execute("CREATE INDEX IF NOT EXISTS searches_day ON searches(day)")


def _sessions_and_names(conn: sqlite3.Connection) -> None:
    if "session" not in {row[1] for row in conn.execute("PRAGMA table_info(searches)")}:
        conn.execute("ALTER TABLE searches ADD COLUMN session TEXT NOT NULL DEFAULT ''")
    # Queries logged before names were masked are masked now.
    conn.create_function("anonymise", 1, anonymise, deterministic=True)
    conn.execute("UPDATE searches SET query = anonymise(query)")


def _curation(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS curated (query TEXT PRIMARY KEY, "
        "state TEXT NOT NULL CHECK (state IN ('pin', 'hide')), at TEXT NOT NULL)"
    )


# The search log is its own file (next to the index, not in the workflow database), with its own
# numbered steps applied by the same kb.workflow.database.migrate and counted in its own user_version.
MIGRATIONS: tuple[database.Migration, ...] = (
    database.Migration(1, "kb.workflow.searchlog", _initial),
    database.Migration(2, "kb.workflow.searchlog", _sessions_and_names),
    database.Migration(3, "kb.workflow.searchlog", _curation),
)


def _connect(path: Path) -> sqlite3.Connection:
    # Created for its mode, as the workflow database is: the log is for the server's user only.
    database.create_private(path)
    conn = sqlite3.connect(path, timeout=5.0)
    if database.version(conn) < MIGRATIONS[-1].number:
        try:
            database.migrate(conn, MIGRATIONS)
        except BaseException:
            conn.close()
            raise
    return conn


def new_session() -> str:
    """A random id for one browser session (kept in the session only, never stored as it is)."""
    return secrets.token_urlsafe(16)


def _session_key(session: str, text: str) -> str:
    # Hashed with the query: counts distinct sessions per query, yet one session's queries cannot be linked.
    return hashlib.sha256(f"{session}\0{text}".encode()).hexdigest()[:16] if session else ""


def record_search(
    settings: Settings,
    query: str,
    results: int,
    facets: Iterable[str] = (),
    day: date | None = None,
    session: str = "",
) -> bool:
    """Log one query typed into the 检索 box (`session`: the id from new_session()); returns False
    when logging is off or the query is empty."""
    if not settings.search_log:
        return False
    text = anonymise(query)
    if not text:
        return False
    when = (day or date.today()).isoformat()
    try:
        with _LOCK, closing(_connect(log_path(settings))) as conn, conn:
            conn.execute(
                "INSERT INTO searches(day, query, results, facets, session) VALUES (?, ?, ?, ?, ?)",
                (when, text, int(results), ",".join(sorted(set(facets))), _session_key(session, text)),
            )
    except (OSError, sqlite3.Error, MigrationError):
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
    except (sqlite3.Error, MigrationError):
        return []


def _since(days: int | None, today: date | None) -> str:
    if not days:
        return ""
    return ((today or date.today()) - timedelta(days=days)).isoformat()


_SESSIONS = "COUNT(DISTINCT NULLIF(session, ''))"  # searches logged without a session count for none


def top_queries(
    settings: Settings, limit: int = 20, days: int | None = None, today: date | None = None
) -> list[QueryCount]:
    """The most searched queries, most frequent first."""
    rows = _rows(
        settings,
        f"SELECT query, COUNT(*), MAX(day), MAX(results), {_SESSIONS} FROM searches WHERE day >= ? "
        "GROUP BY query ORDER BY COUNT(*) DESC, MAX(day) DESC, query LIMIT ?",
        (_since(days, today), int(limit)),
    )
    return [QueryCount(*row) for row in rows]


def zero_result_queries(
    settings: Settings, limit: int = 20, days: int | None = None, today: date | None = None
) -> list[QueryCount]:
    """Queries that found nothing (the content or the synonyms may be missing something)."""
    rows = _rows(
        settings,
        f"SELECT query, COUNT(*), MAX(day), 0, {_SESSIONS} FROM searches WHERE results = 0 AND day >= ? "
        "GROUP BY query ORDER BY COUNT(*) DESC, MAX(day) DESC, query LIMIT ?",
        (_since(days, today), int(limit)),
    )
    return [QueryCount(*row) for row in rows]


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


# -- who sees it, and the 常用检索 buttons ---------------------------------------------------------

CURATOR_ROLES = (roles.ROLE_REVIEWER, roles.ROLE_ADMIN)  # the legal section pins and hides 常用检索


def may_view(settings: Settings, user: accounts.User | None) -> bool:
    """True when `user` (None: not logged in) may see the search log and the 常用检索 taken from it."""
    if EVERYONE in settings.search_log_roles:
        return True
    return user is not None and not user.disabled and user.role in settings.search_log_roles


def curated_queries(settings: Settings) -> list[Curated]:
    """Pinned and hidden queries, in the order they were curated."""
    return [Curated(*row) for row in _rows(settings, "SELECT query, state, at FROM curated ORDER BY at, rowid", ())]


def popular_queries(
    settings: Settings,
    viewer: accounts.User | None,
    fallback: Sequence[str] = (),
    limit: int = 8,
    days: int = 90,
    today: date | None = None,
) -> list[str]:
    """The 常用检索 buttons `viewer` sees: pinned queries, then (for those who may see the log) queries
    that found something for at least `popular_min_sessions` different sessions, then `fallback`.
    A hidden query is never among them."""
    curated = curated_queries(settings)
    hidden = {c.query for c in curated if c.state == HIDE}
    chosen = [c.query for c in curated if c.state == PIN]
    if settings.search_log and may_view(settings, viewer):
        rows = _rows(
            settings,
            f"SELECT query FROM searches WHERE day >= ? GROUP BY query HAVING MAX(results) > 0 AND {_SESSIONS} >= ? "
            f"ORDER BY {_SESSIONS} DESC, COUNT(*) DESC, query LIMIT ?",
            (_since(days, today), settings.popular_min_sessions, int(limit) + len(hidden)),
        )
        chosen += [q for (q,) in rows]
    chosen += fallback
    return [q for q in dict.fromkeys(chosen) if q not in hidden][:limit]


def _curator(settings: Settings, actor: accounts.User | str | None) -> accounts.User:
    """Re-read the actor from the database: only an enabled 审核 or 管理员 curates (refusals audited)."""
    roles = "或".join(f"“{r}”" for r in CURATOR_ROLES)
    name = actor.name if isinstance(actor, accounts.User) else actor
    if not name:
        raise AuthError(f"请先登录；整理常用检索需要{roles}角色")
    user = accounts.get_user(settings, name)
    if user is None:
        raise AuthError(f"用户“{name}”不存在")
    if user.disabled or user.role not in CURATOR_ROLES:
        audit.log(settings, name, "denied", "", f"{user.role}试图整理常用检索")
        raise AuthError(f"用户“{name}”（{user.role}）无权整理常用检索；需要{roles}角色")
    return user


def curate(settings: Settings, query: str, state: str | None, actor: accounts.User | str | None) -> str:
    """Pin `query` as a 常用检索 button (PIN), keep it off the buttons (HIDE) or undo either (None).
    The query is anonymised as the log stores it; returns it. Audited; raises AuthError or KBError."""
    user = _curator(settings, actor)
    text = anonymise(query)
    if not text:
        raise KBError("请填写检索词")
    try:
        with _LOCK, closing(_connect(log_path(settings))) as conn, conn:
            if state is None:
                conn.execute("DELETE FROM curated WHERE query = ?", (text,))
            else:
                conn.execute(
                    "INSERT INTO curated(query, state, at) VALUES (?, ?, ?) "
                    "ON CONFLICT(query) DO UPDATE SET state = excluded.state, at = excluded.at",
                    (text, state, database.now_text()),
                )
    except (OSError, sqlite3.Error) as exc:
        raise KBError(f"无法保存常用检索设置（{log_path(settings)}）：{exc}") from exc
    audit.log(settings, user.name, {PIN: "popular_pin", HIDE: "popular_hide", None: "popular_reset"}[state], text)
    return text


__all__ = [
    "CURATOR_ROLES",
    "HIDE",
    "PIN",
    "Curated",
    "QueryCount",
    "anonymise",
    "curate",
    "curated_queries",
    "daily_counts",
    "log_path",
    "may_view",
    "new_session",
    "popular_queries",
    "record_search",
    "top_queries",
    "total_searches",
    "zero_result_queries",
]
