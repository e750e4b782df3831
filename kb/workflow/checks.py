"""The one check of a document's text: the same problems in the editor, the upload, review, publish and
`indexer.py check` (schema, taxonomy, links, statute citations, unsafe HTML, template leftovers)."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Collection
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from kb.content.catalog import choose_path, load_content_taxonomy, published_documents
from kb.content.documents import (
    STATUS_CURRENT,
    TYPE_GUIDE,
    Document,
    document_type,
    iter_content_files,
    split_front_matter,
)
from kb.content.frontmatter import key_lines, line_key, read_meta_leniently
from kb.content.taxonomy import Taxonomy
from kb.content.templates import PLACEHOLDERS, SECTIONS, TEMPLATE_IDS, field_label
from kb.content.textchecks import UNSAFE_HTML_MESSAGE, control_characters
from kb.content.validation import ContentSet, broken_links, duplicate_ids, parse_document, read_bytes
from kb.errors import ContentError, Problem
from kb.settings import Settings
from kb.statutes.citations import parse_citation
from kb.statutes.library import StatuteLibrary, check_citations, check_short_names
from kb.workflow.versions import read_latest_version

MAX_VERSION = 999_999_999  # far above any real document; the database stores 64-bit integers


@dataclass(frozen=True)
class CheckContext:
    """What a document's text is checked against besides itself."""

    settings: Settings
    taxonomy: Taxonomy
    known_ids: frozenset[str]  # the ids a link may name: every document in the content folder
    library: StatuteLibrary | None  # None: no statute folder configured, citations are not looked up
    template_ids: frozenset[str]  # the templates' sample ids that were never published: never a document's id
    today: date


@dataclass(frozen=True)
class CheckResult:
    """A document as read from its text (None when unreadable) and every problem found in it."""

    document: Document | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop a submit or a publish (not the warnings)."""
        return [p for p in self.problems if p.severity == "error"]


def load_context(
    settings: Settings, known_ids: Collection[str] | None = None, today: date | None = None
) -> CheckContext:
    """Load what the checks need once (taxonomy, the ids in the content folder, the statute library).

    `known_ids` replaces the ids read from the content folder. Raises ContentError for a broken taxonomy.
    """
    taxonomy = load_content_taxonomy(settings)
    if known_ids is None:
        known_ids = published_documents(settings)
    library = statute_library(settings)
    unpublished = frozenset(TEMPLATE_IDS.values()) - _ever_published(settings, TEMPLATE_IDS.values())
    return CheckContext(settings, taxonomy, frozenset(known_ids), library, unpublished, today or date.today())


def check_document(data: bytes | str, rel: str, context: CheckContext) -> CheckResult:
    """Every problem of one document's bytes (a file) or text (a draft) that would be published at `rel`."""
    doc, problems = parse_document(data, rel, context.taxonomy, parse_citation)
    # Scripts and event handlers stay a warning for files already served (the renderer strips them),
    # but nothing that carries them is accepted anew.
    problems = [
        dataclasses.replace(p, severity="error") if p.message.startswith(UNSAFE_HTML_MESSAGE) else p for p in problems
    ]
    text = (data if isinstance(data, str) else data.decode("utf-8", errors="replace")).replace("\r\n", "\n")
    text = text.removeprefix("\ufeff")
    if doc is not None and doc.version > MAX_VERSION:
        message = f"版本号过大，实际为 {doc.version}；应为不超过 {MAX_VERSION} 的正整数"
        problems.append(Problem(rel, doc.field_lines.get("version", 1), "version", message))
    # Links and citations are looked at even when another field is wrong: every problem at once.
    linked = doc or _partial_document(text, rel)
    if linked is not None:
        problems += broken_links(linked, context.known_ids)
        problems += check_short_names(linked)
        if context.library is not None:
            problems += check_citations(context.settings, [linked], today=context.today, library=context.library)
    problems += control_characters(text, rel)
    problems += template_leftovers(text, rel, context)
    return CheckResult(doc, tuple(problems))


def _partial_document(text: str, rel: str) -> Document | None:
    """What links and citations need from a text whose other fields do not validate (None without front matter)."""
    source = split_front_matter(text)
    if source.front_matter is None:
        return None
    meta = read_meta_leniently(text)

    def ids(key: str) -> tuple[str, ...]:
        value = meta.get(key)
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return tuple(str(v).strip() for v in items if isinstance(v, (str, int)) and str(v).strip())

    lines: dict[str, int] = {}
    for number, line in enumerate(source.front_matter.split("\n"), source.front_matter_line):
        if (key := line_key(line)) is not None:
            lines.setdefault(key, number)
    issued = meta.get("issued")
    status = meta.get("status")
    return Document(
        id=str(meta.get("id") or "").strip(),
        type=document_type(rel) or "",
        title="",
        category="",
        body=source.body,
        path=rel,
        laws=ids("laws"),
        status=status if isinstance(status, str) else STATUS_CURRENT,
        issued=issued if isinstance(issued, date) else None,
        supersedes=ids("supersedes"),
        superseded_by=(ids("superseded_by") or (None,))[0],
        guides=ids("guides"),
        body_line=source.body_line,
        field_lines=lines,
    )


def check_content(settings: Settings, today: date | None = None) -> ContentSet:
    """`indexer.py check`: every file of the content folder through check_document, then duplicate ids."""
    context = load_context(settings, today=today)
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in iter_content_files(settings.content_dir):
        rel = path.relative_to(settings.content_dir).as_posix()
        data = read_bytes(path, rel)
        if isinstance(data, Problem):
            problems.append(data)
            continue
        result = check_document(data, rel, context)
        problems += result.problems
        if result.document is not None:
            documents.append(result.document)
    problems += duplicate_ids(documents)
    return ContentSet(tuple(documents), tuple(problems))


def published_version_problem(rel: str, text: str, version: int) -> ContentError | None:
    """The error for a published file whose `version:` is too large to store (edited by hand), or None."""
    if version <= MAX_VERSION:
        return None
    source = split_front_matter(text)
    line = next((n for k, n in key_lines(source.front_matter or "", source.front_matter_line) if k == "version"), 1)
    message = f"版本号过大，实际为 {version}；应为不超过 {MAX_VERSION} 的正整数，请先改正已发布的文件"
    return ContentError([Problem(rel, line, "version", message)])


def check_text(settings: Settings, text: str | bytes, doc_type: str = TYPE_GUIDE) -> list[Problem]:
    """Every problem `indexer.py check` would find in this text as the file it will be published as."""
    try:
        context = load_context(settings)
    except ContentError as exc:  # the taxonomy itself is broken: that is the problem to show
        return exc.problems
    decoded = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
    rel = choose_path(doc_type, read_meta_leniently(decoded), context.taxonomy, "草稿")
    return list(check_document(text, rel, context).problems)


# -- what the templates leave behind -----------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})[ \t]*(.*?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_COMMENT = re.compile(r"<!--.*?-->")


def template_leftovers(text: str, rel: str, context: CheckContext) -> list[Problem]:
    """The template's sample id, its placeholder texts, and its sections left empty."""
    doc_type = document_type(rel)
    if doc_type is None:
        return []
    source = split_front_matter(text)
    lines = text.split("\n")
    fm_end = source.body_line - 1 if source.front_matter is not None else 0  # lines 1..fm_end: front matter
    problems: list[Problem] = []
    doc_id = str(read_meta_leniently(text).get("id") or "").strip() if source.front_matter is not None else ""
    if doc_id in context.template_ids:
        line = next((n for n in range(2, fm_end) if line_key(lines[n - 1]) == "id"), 1)
        suggestion = next_id(TEMPLATE_IDS[doc_type].split("-", 1)[0], context.known_ids, context.today.year)
        problems.append(
            Problem(
                rel,
                line,
                "id",
                f"“{doc_id}”是模板中的示例编号，不是本文的编号；请改为本文自己的编号，例如 {suggestion}（今年尚未使用的下一个编号）",
            )
        )
    placeholders = [p for values in PLACEHOLDERS.values() for p in values]
    for number, line in enumerate(lines, 1):
        for placeholder in placeholders:
            if placeholder not in line:
                continue
            key = line_key(line) if 1 < number < fm_end else None
            if key:
                fix = f"请填写本文的{field_label(doc_type, key)}"
            else:
                fix = "请改为实际内容，或删去"
            problems.append(Problem(rel, number, key or "", f"仍是模板的占位文字“{placeholder}”；{fix}"))
    problems += _empty_sections(lines, fm_end, rel, doc_type)
    return problems


def _empty_sections(lines: list[str], fm_end: int, rel: str, doc_type: str) -> list[Problem]:
    """The template's second-level sections with nothing under them before the next heading of their level."""
    wanted = set(SECTIONS.get(doc_type, ()))
    required = doc_type != "guide"  # a case must keep all six sections; a guide may drop one
    headings: list[tuple[int, int, str]] = []  # (line index, level, title) outside code blocks
    fence = ""
    for i in range(fm_end, len(lines)):
        line = lines[i]
        m = _FENCE.match(line)
        if m and (not fence or m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)):
            fence = "" if fence else m.group(1)
            continue
        if not fence and (h := _HEADING.match(line)):
            headings.append((i, len(h.group(1)), h.group(2)))
    problems: list[Problem] = []
    for n, (i, level, title) in enumerate(headings):
        if level != 2 or title not in wanted:
            continue
        end = next((j for j, lvl, _ in headings[n + 1 :] if lvl <= level), len(lines))
        if any(_COMMENT.sub("", lines[j]).strip() for j in range(i + 1, end)):
            continue
        fix = "请填写该章节（案例须包含此章节）" if required else "请填写该章节，或删去这个标题"
        problems.append(Problem(rel, i + 1, "", f"章节“## {title}”下没有内容；{fix}"))
    return problems


def next_id(prefix: str, known: Collection[str], year: int) -> str:
    """The first id of the form PREFIX-YEAR-NNN after every such id in use (or in a template)."""
    pattern = re.compile(rf"{re.escape(prefix)}-{year}-(\d+)")
    numbers = [int(m.group(1)) for i in (*known, *TEMPLATE_IDS.values()) if (m := pattern.fullmatch(i))]
    return f"{prefix}-{year}-{max(numbers, default=0) + 1:03d}"


# -- the statute library and the history, read once --------------------------------------------


def _signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Each statute file's name, size and change time: a new signature means the library changed."""
    out = []
    for path in sorted(Path(root).rglob("*.md")):
        try:
            info = path.stat()
        except OSError:
            continue
        out.append((str(path), info.st_size, info.st_mtime_ns))
    return tuple(out)


def statute_library(settings: Settings) -> StatuteLibrary | None:
    """The statute library of the configured folder, read again only when its files change (None without one)."""
    return _library(settings.laws_dir, _signature(settings.laws_dir)) if settings.laws_dir else None


@lru_cache(maxsize=2)
def _library(root: Path, signature: tuple) -> StatuteLibrary:
    # Cached: the editor checks the draft at every rerun, and a library is read in tens of milliseconds
    # per thousand articles; the signature makes a changed folder read again.
    return StatuteLibrary.load(root)


def _ever_published(settings: Settings, ids: Collection[str]) -> frozenset[str]:
    """Which of `ids` have a published version in the workflow database (read only; none without one)."""
    if not settings.db_path.is_file():
        return frozenset()
    try:
        with closing(sqlite3.connect(f"{settings.db_path.resolve().as_uri()}?mode=ro", uri=True)) as con:
            return frozenset(i for i in ids if read_latest_version(con, i) > 0)
    except sqlite3.Error:  # no history table yet, or unreadable: nothing was published through the app
        return frozenset()
