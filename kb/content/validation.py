"""Check every content file against the schema and taxonomy, collecting all problems."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from kb.content.documents import (
    CASE_SECTIONS,
    STATUS_CURRENT,
    STATUS_SUPERSEDED,
    TYPE_CASE,
    TYPE_GUIDE,
    Document,
    content_hash,
    document_type,
    iter_content_files,
    split_front_matter,
)
from kb.content.frontmatter import FrontMatterLoader, FrontMatterRefused, load_front_matter, yaml_problem
from kb.content.taxonomy import Taxonomy
from kb.errors import Problem
from kb.statutes.citations import parse_citation

MAX_FILE_BYTES = 1024 * 1024
MAX_TAGS = 7
MAX_ID_LENGTH = 64  # a file name: ids like G-2024-001 are ten characters
ID_PATTERN = re.compile(rf"^[A-Za-z0-9-]{{1,{MAX_ID_LENGTH}}}$")
# HTML that could run in a reader's browser. The renderer strips it too; refusing it here
# tells the author at once instead of silently publishing a document that lost its markup.
UNSAFE_HTML_MESSAGE = "含有不允许的 HTML"
# Tokens of that HTML: a forbidden tag, a javascript: address, an event handler, and the brackets
# that tell whether a handler is inside a tag. unsafe_html walks them once and finds what the
# pattern <[^>]*\son[a-z]+\s*= found, which read the rest of the text again from every "<" with
# no ">" after it (quadratic: 8 s for 40 KB of "<").
_UNSAFE_TAGS = "script|iframe|object|embed|style|form|input|link|meta|base|svg"
_HTML_TOKENS = re.compile(
    rf"<\s*({_UNSAFE_TAGS})\b"
    r"|javascript\s*:"
    r"|(\son[a-z]+\s*=)"
    rf"|<+(?!\s*(?:{_UNSAFE_TAGS})\b)"  # a run of "<" is one token: only its first can start a tag here
    r"|>+",
    re.I,
)


@dataclass(frozen=True)
class FieldRule:
    """How one front-matter key is checked."""

    kind: str  # "str", "list", "date", "int"
    required: bool
    example: str
    choices: str | None = None  # taxonomy attribute holding the allowed values


COMMON_FIELDS: dict[str, FieldRule] = {
    "id": FieldRule("str", True, "G-2024-001"),
    "title": FieldRule("str", True, "规范接报案工作指引"),
    "category": FieldRule("str", True, "盗窃", "categories"),
    "tags": FieldRule("list", False, "[关键词1, 关键词2]"),
    "laws": FieldRule("list", False, "[刑法第二百六十四条]"),
    "audience": FieldRule("list", True, "[办案民警]", "audiences"),
    "status": FieldRule("str", True, STATUS_CURRENT, "statuses"),
    "issued": FieldRule("date", True, "2024-03-01"),
    "version": FieldRule("int", True, "1"),
    "supersedes": FieldRule("list", False, "[G-2022-001]"),
    "superseded_by": FieldRule("str", False, "G-2025-001"),
    "summary": FieldRule("str", True, "一至三句话的要旨"),
    "review_by": FieldRule("date", False, "2026-12-31"),
}
GUIDE_FIELDS: dict[str, FieldRule] = {
    "kind": FieldRule("str", True, "办案指引", "kinds"),
    "stage": FieldRule("list", True, "[接报案]", "stages"),
}
CASE_FIELDS: dict[str, FieldRule] = {
    "case_type": FieldRule("str", True, "刑事", "case_types"),
    "charges": FieldRule("list", True, "[盗窃罪]"),
    "year": FieldRule("int", True, "2023"),
    "unit": FieldRule("str", True, "某县公安局某派出所"),
    "stage": FieldRule("list", False, "[调查取证]", "stages"),
    "guides": FieldRule("list", False, "[G-2024-001]"),
}
KIND_NAMES = {"str": "文本", "list": "列表", "date": "日期（YYYY-MM-DD）", "int": "整数"}
CHOICE_NAMES = {
    "categories": "类别",
    "audiences": "适用层级",
    "statuses": "状态",
    "kinds": "指引种类",
    "stages": "办案环节",
    "case_types": "案件性质",
}
CHOICE_VALUES = {"statuses": (STATUS_CURRENT, STATUS_SUPERSEDED), "case_types": ("刑事", "行政")}


@dataclass(frozen=True)
class ContentSet:
    """Every document that validated, and every problem found."""

    documents: tuple[Document, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def rules_for(doc_type: str) -> dict[str, FieldRule]:
    """Return the field rules for a document type."""
    extra = GUIDE_FIELDS if doc_type == TYPE_GUIDE else CASE_FIELDS
    return {**COMMON_FIELDS, **extra}


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int):
        return "整数"
    if isinstance(value, date):
        return "日期"
    return "文本"


def _guess_encoding(data: bytes) -> str:
    for name, label in (("gb18030", "GBK/GB18030"), ("big5", "Big5"), ("utf-16", "UTF-16")):
        try:
            data.decode(name)
            return label
        except UnicodeDecodeError:
            continue
    return "未知编码"


def _field_lines(front_matter: str, first_line: int) -> dict[str, int]:
    """The line of each top-level key (its first occurrence)."""
    lines: dict[str, int] = {}
    for key, line in _key_lines(front_matter, first_line):
        lines.setdefault(key, line)
    return lines


def _key_lines(front_matter: str, first_line: int) -> list[tuple[str, int]]:
    try:
        node = yaml.compose(front_matter, Loader=FrontMatterLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), first_line + k.start_mark.line) for k, _ in node.value]


_DATE_LIKE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")


def impossible_date(name: str, raw: object, example: str = "2024-03-01") -> str:
    """The problem message for a YYYY-MM-DD that is no day of the calendar (2026-13-45, 2026-02-30);
    "" for anything else (a real date, or text that is no date at all)."""
    m = _DATE_LIKE.fullmatch(raw) if isinstance(raw, str) else None
    if m is None:
        return ""
    year, month, day = (int(g) for g in m.groups())
    what = f"日期“{raw.strip()}”不存在："
    if year < 1:
        return f"{what}没有公元 0 年；请改正，例如 {name}: {example}"
    if not 1 <= month <= 12:
        return f"{what}没有 {month} 月（月份为 1 至 12）；请改正，例如 {name}: {example}"
    last = calendar.monthrange(year, month)[1]
    if 1 <= day <= last:
        return ""
    if day < 1:
        return f"{what}没有 {day} 日；请改正，例如 {name}: {year:04d}-{month:02d}-01"
    return f"{what}{year} 年 {month} 月只有 {last} 天；请改正，例如 {name}: {year:04d}-{month:02d}-{last:02d}"


def _coerce(value: Any, rule: FieldRule) -> tuple[Any, bool]:
    """Return (value in the rule's type, ok)."""
    if rule.kind == "str":
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value).strip()
            return text, bool(text) or not rule.required
        return None, False
    if rule.kind == "list":
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            return tuple(str(v).strip() for v in value if str(v).strip()), True
        return None, False
    if rule.kind == "date":
        if isinstance(value, date):
            return value, True
        try:
            return date.fromisoformat(str(value)), True
        except ValueError:
            return None, False
    if rule.kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value, True
        if isinstance(value, str) and value.strip().isdigit():
            return int(value), True
        return None, False
    raise AssertionError(rule.kind)


def read_document(path: Path, rel: str, taxonomy: Taxonomy) -> tuple[Document | None, list[Problem]]:
    """Read and check one file; return the document (None if unusable) and its problems."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(rel, 1, "", f"无法读取文件（{exc.strerror or exc}）；请检查文件权限后重试")]
    return parse_document(data, rel, taxonomy)


def _decode(data: bytes, report: Callable[..., None]) -> str | None:
    """The text of a file's bytes (BOM dropped, CRLF as LF); None, with the problem reported, when unreadable."""
    if len(data) > MAX_FILE_BYTES:
        report(
            1,
            "",
            f"文件过大（按 UTF-8 编码 {len(data) / 1024:.0f} KB，上限 {MAX_FILE_BYTES // 1024} KB）；请拆分为多篇文档",
        )
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        report(1, "", "文件以 BOM（字节顺序标记）开头；请在编辑器中另存为“UTF-8 无 BOM”")
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        enc = _guess_encoding(data)
        report(
            line,
            "",
            f"文件不是 UTF-8 编码（看起来是 {enc}）；请转换为 UTF-8 后再保存，"
            f"例如：iconv -f {enc.split('/')[0]} -t UTF-8 原文件 > 新文件",
        )
        return None
    return text.replace("\r\n", "\n")


def parse_document(data: bytes | str, rel: str, taxonomy: Taxonomy) -> tuple[Document | None, list[Problem]]:
    """Check one document's bytes (a file) or text (a draft) against the schema and taxonomy; return
    the document (None if unusable) and its problems."""
    problems: list[Problem] = []

    def report(line: int, fld: str, message: str, severity: str = "error") -> None:
        problems.append(Problem(rel, line, fld, message, severity))

    doc_type = document_type(rel)
    if doc_type is None:
        report(1, "", "文档须放在 guides/ 或 casebook/ 目录下")
        return None, problems
    if isinstance(data, str):
        encoded = data.encode("utf-8", "surrogatepass")
        text: str | None = _decode(encoded, report) if len(encoded) > MAX_FILE_BYTES else data.replace("\r\n", "\n")
    else:
        encoded, text = data, _decode(data, report)
    if text is None:
        return None, problems
    source = split_front_matter(text)
    if source.front_matter is None:
        report(1, "", "缺少 front matter；文件须以“---”行开始，写完 YAML 字段后再以“---”行结束")
        return None, problems
    try:
        meta = load_front_matter(source.front_matter)
    except FrontMatterRefused as exc:
        report(source.front_matter_line + exc.line, "", str(exc))
        return None, problems
    except yaml.YAMLError as exc:
        line, what = yaml_problem(exc, source.front_matter)
        report(
            source.front_matter_line + line,
            "",
            f"front matter 不是合法的 YAML（{what}）；请检查冒号后的空格、引号和缩进",
        )
        return None, problems
    if not isinstance(meta, dict):
        report(source.front_matter_line, "", "front matter 应为“键: 值”形式的 YAML 映射")
        return None, problems
    lines: dict[str, int] = {}
    for key, line in _key_lines(source.front_matter, source.front_matter_line):
        if key in lines:
            report(line, key, f"字段重复：第 {lines[key]} 行已有 {key}；请删去其中一行（否则以后写的为准）")
        else:
            lines[key] = line
    rules = rules_for(doc_type)
    values: dict[str, Any] = {}
    for key in meta:
        if str(key) not in rules:
            report(
                lines.get(str(key), 1),
                str(key),
                f"未知字段“{key}”；可用字段：{'、'.join(rules)}",
            )
    for name, rule in rules.items():
        line = lines.get(name, source.front_matter_line)
        raw = meta.get(name)
        if raw is None or raw == "" or raw == []:
            if rule.required:
                report(line, name, f"缺少必填字段；请添加，例如 {name}: {rule.example}")
            continue
        value, ok = _coerce(raw, rule)
        if not ok:
            impossible = impossible_date(name, raw, rule.example) if rule.kind == "date" else ""
            report(
                line,
                name,
                impossible
                or f"应为{KIND_NAMES[rule.kind]}，实际为{_describe(raw)}“{raw}”；例如 {name}: {rule.example}",
            )
            continue
        if rule.choices:
            allowed = CHOICE_VALUES.get(rule.choices) or getattr(taxonomy, rule.choices)
            items = value if isinstance(value, tuple) else (value,)
            bad = [v for v in items if v not in allowed]
            for v in bad:
                report(line, name, f"未知{CHOICE_NAMES[rule.choices]}“{v}”；可选：{'、'.join(allowed)}")
            if bad:
                continue
        values[name] = value
    _check_values(values, lines, report, source.front_matter_line)
    body = source.body
    if not body.strip():
        report(source.body_line, "", "正文为空；请在 front matter 之后写正文")
    elif doc_type == TYPE_CASE:
        present = set(re.findall(r"^##\s*(\S+?)\s*$", body, flags=re.M))
        for section in CASE_SECTIONS:
            if section not in present:
                report(
                    source.body_line,
                    "",
                    f"缺少案例章节“## {section}”；案例正文须包含：{'、'.join('## ' + s for s in CASE_SECTIONS)}",
                )
    problems.extend(unsafe_html(text, rel))
    problems.extend(external_images(text, rel))
    if any(p.severity == "error" for p in problems):
        return None, problems
    doc = Document(
        id=values["id"],
        type=doc_type,
        title=values["title"],
        category=values["category"],
        body=body,
        path=rel,
        summary=values["summary"],
        tags=values.get("tags", ()),
        laws=values.get("laws", ()),
        audience=values["audience"],
        status=values["status"],
        issued=values["issued"],
        version=values["version"],
        supersedes=values.get("supersedes", ()),
        superseded_by=values.get("superseded_by"),
        review_by=values.get("review_by"),
        stage=values.get("stage", ()),
        kind=values.get("kind"),
        case_type=values.get("case_type"),
        charges=values.get("charges", ()),
        year=values.get("year"),
        unit=values.get("unit"),
        guides=values.get("guides", ()),
        hash=content_hash(encoded),
        body_line=source.body_line,
        field_lines=lines,
    )
    return doc, problems


def unsafe_html(text: str, rel: str, severity: str = "warning") -> list[Problem]:
    """Problems for HTML that could run in a reader's browser (scripts, frames, event handlers).

    A warning in files on disk (the renderer strips such markup, and the rest of the content
    keeps serving); publishing escalates it to an error.
    """
    problems = []
    line, counted = 1, 0
    for start, what in _unsafe_html(text):
        line += text.count("\n", counted, start)  # counted on from the last one: linear
        counted = start
        problems.append(
            Problem(rel, line, "", f"含有不允许的 HTML“{what}”；文档中不能嵌入脚本、框架或事件代码，请删除", severity)
        )
    return problems


def _unsafe_html(text: str) -> list[tuple[int, str]]:
    """(offset, what) of each forbidden tag, javascript: address, and tag with event handlers: from
    its "<" to its last handler before the next ">" (reported once, what it spans not again)."""
    tokens = list(_HTML_TOKENS.finditer(text))
    last_handler: list[int | None] = [None] * len(tokens)  # in the same tag, at or after each token
    last = None
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i].group(0)[0] == ">":
            last = None
        elif tokens[i].group(2) and last is None:
            last = i
        last_handler[i] = last
    found: list[tuple[int, str]] = []
    skip_to = -1
    for i, m in enumerate(tokens):
        token = m.group(0)
        if i <= skip_to or token[0] == ">" or m.group(2):
            continue
        if m.group(1):
            found.append((m.start(), f"<{m.group(1).lower()}>"))
        elif token[0] == "<":
            end = last_handler[i]
            if end is not None:
                found.append((m.start(), text[m.start() : tokens[end].end()].strip()[:20]))
                skip_to = end
        else:
            found.append((m.start(), token.strip()[:20]))
    return found


# Characters no text file has: C0 controls other than tab and line breaks, DEL, and lone surrogates
# (which cannot be saved as UTF-8). They come from binary files uploaded as text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def control_characters(text: str, rel: str) -> list[Problem]:
    """One error for control characters or lone surrogates in a text, at the first one's line."""
    found = _CONTROL.search(text)
    if found is None:
        return []
    count = len(_CONTROL.findall(text))
    char = found.group(0)
    line = text.count("\n", 0, found.start()) + 1
    if "\ud800" <= char <= "\udfff":
        what = "无法编码的字符（孤立的代理字符）"
    else:
        what = f"控制字符 U+{ord(char):04X}"
    return [
        Problem(
            rel,
            line,
            "",
            f"含有{what}（共 {count} 处，第一处在本行）；这通常来自二进制文件或编码错误，请删除这些字符，或重新上传纯文本文件",
        )
    ]


# A scheme (http:, ftp:, file: …) or a host (//host, \\host) makes an address another machine's;
# browsers drop tabs and line breaks inside an address and leading controls and spaces first.
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_URL_IGNORED = re.compile(r"[\t\n\r]")
# Images in Markdown (inline, or by reference to a definition) and in HTML; bounded repeats
# keep a line full of "![" linear to scan.
_MD_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]\(\s{0,20}<?([^\s)>]{1,2000})")
_MD_IMAGE_REF = re.compile(r"!\[([^\[\]\n]{0,500})\](?:\[([^\[\]\n]{0,500})\])?")
_MD_DEFINITION = re.compile(r"^ {0,3}\[([^\[\]\n]{1,500})\]:[ \t]{0,20}<?([^\s>]{1,2000})", re.M)
_HTML_TAG = re.compile(r"<img\b[^<>]*", re.I)  # up to the next < or >: each character read once
_HTML_SRC = re.compile(r"\ssrc\s*=\s*[\"']?([^\"'\s>]+)", re.I)
EXTERNAL_IMAGE_MESSAGE = "外部图片链接"


def is_external_url(url: str) -> bool:
    """True for an address a browser would fetch from another machine (data: is not one)."""
    url = _URL_IGNORED.sub("", url).lstrip("".join(map(chr, range(0x21))))
    if url.startswith(("//", "\\\\", "/\\", "\\/")):
        return True
    return bool(_URL_SCHEME.match(url)) and not url.lower().startswith("data:")


def external_images(text: str, rel: str) -> list[Problem]:
    """Warnings for images whose address is on another machine: the intranet cannot reach it, and
    fetching it would tell that machine who reads the document (the app shows no such image)."""
    if "![" not in text and "<img" not in text.lower():
        return []
    found: list[tuple[int, str]] = [(m.start(), m.group(1)) for m in _MD_IMAGE.finditer(text)]
    for tag in _HTML_TAG.finditer(text):
        src = _HTML_SRC.search(tag.group(0))
        if src:
            found.append((tag.start(), src.group(1)))
    targets = {label.strip().lower(): url for label, url in _MD_DEFINITION.findall(text)}
    if targets:
        for m in _MD_IMAGE_REF.finditer(text):
            if text.startswith("(", m.end()) and m.group(2) is None:
                continue  # an inline image, found above
            url = targets.get((m.group(2) or m.group(1)).strip().lower())
            if url is not None:
                found.append((m.start(), url))
    problems = []
    line, counted = 1, 0
    for start, url in sorted(found):
        if is_external_url(url):
            line += text.count("\n", counted, start)  # counted on from the last one: linear
            counted = start
            shown = url if len(url) <= 80 else url[:80] + "…"
            problems.append(
                Problem(
                    rel,
                    line,
                    "",
                    f"{EXTERNAL_IMAGE_MESSAGE}“{shown}”；内网无法访问，请改用本地图片或删除",
                    "warning",
                )
            )
    return problems


def _check_values(
    values: dict[str, Any], lines: dict[str, int], report: Callable[..., None], default_line: int
) -> None:
    def at(name: str) -> int:
        return lines.get(name, default_line)

    doc_id = values.get("id")
    if doc_id is not None and len(doc_id) > MAX_ID_LENGTH:
        report(
            at("id"),
            "id",
            f"id 过长（{len(doc_id)} 个字符，上限 {MAX_ID_LENGTH} 个）；id 也是文件名，请写成 G-2024-001 这样的编号",
        )
        values.pop("id")
    elif doc_id is not None and not ID_PATTERN.match(doc_id):
        report(at("id"), "id", f"id“{doc_id}”不合法；只能使用英文字母、数字和连字符，例如 G-2024-001")
        values.pop("id")
    tags = values.get("tags", ())
    if len(tags) > MAX_TAGS:
        report(at("tags"), "tags", f"关键词最多 {MAX_TAGS} 个，实际 {len(tags)} 个；请删减")
    for cite in values.get("laws", ()):
        if parse_citation(cite) is None:
            report(
                at("laws"),
                "laws",
                f"无法识别的法条引用“{cite}”；请写成“法律名称第X条”，例如 刑法第二百六十四条",
            )
    version = values.get("version")
    if version is not None and version < 1:
        report(at("version"), "version", f"版本号应为正整数，实际为 {version}")
    if values.get("status") == STATUS_SUPERSEDED and not values.get("superseded_by"):
        report(
            at("status"),
            "superseded_by",
            "状态为“不再参照”时须填写 superseded_by（替代它的新文档 id）",
            "warning",
        )
    year = values.get("year")
    if year is not None and not 1979 <= year <= 2100:
        report(at("year"), "year", f"年份“{year}”不合理；请填写办结年份，例如 2023")


def duplicate_ids(documents: Iterable[Document]) -> list[Problem]:
    """Documents whose id an earlier one already has (each id must name one document)."""
    problems: list[Problem] = []
    first: dict[str, Document] = {}
    for doc in documents:
        if doc.id in first:
            other = first[doc.id]
            problems.append(
                Problem(
                    doc.path,
                    doc.field_lines.get("id", 1),
                    "id",
                    f"重复的 id“{doc.id}”，与 {other.path}:{other.field_lines.get('id', 1)} 相同；每篇文档的 id 必须唯一",
                )
            )
        else:
            first[doc.id] = doc
    return problems


def broken_links(doc: Document, known: Collection[str]) -> list[Problem]:
    """Problems for the ids in `supersedes`, `superseded_by` and `guides` that name no known document."""
    problems: list[Problem] = []
    for name, targets in (
        ("supersedes", doc.supersedes),
        ("superseded_by", (doc.superseded_by,) if doc.superseded_by else ()),
        ("guides", doc.guides),
    ):
        for target in targets:
            if target not in known and target != doc.id:
                problems.append(
                    Problem(
                        doc.path,
                        doc.field_lines.get(name, 1),
                        name,
                        f"找不到 id 为“{target}”的文档；请检查 id 是否写错",
                    )
                )
    return problems


def check_links(documents: Iterable[Document]) -> list[Problem]:
    """Check cross-document rules: unique ids and ids that must point somewhere."""
    docs = list(documents)
    known = {doc.id for doc in docs}
    return duplicate_ids(docs) + [p for doc in docs for p in broken_links(doc, known)]


def load_content(content_dir: Path, taxonomy: Taxonomy) -> ContentSet:
    """Read and check every document under the content root."""
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in iter_content_files(content_dir):
        rel = path.relative_to(content_dir).as_posix()
        doc, found = read_document(path, rel, taxonomy)
        problems.extend(found)
        if doc is not None:
            documents.append(doc)
    problems.extend(check_links(documents))
    bad_ids = {p.path for p in problems if p.field == "id" and p.severity == "error"}
    documents = [d for d in documents if d.path not in bad_ids]
    return ContentSet(tuple(documents), tuple(problems))
