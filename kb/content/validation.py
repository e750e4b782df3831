"""Check a document's text against the schema and taxonomy, collecting all problems; read the content folder."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.content.documents import (
    CASE_SECTIONS,
    TYPE_CASE,
    Document,
    SourceText,
    content_hash,
    document_type,
    iter_content_files,
    split_front_matter,
)
from kb.content.fields import CitationParser, Report, check_values, field_values, rules_for
from kb.content.frontmatter import MAPPING_MESSAGE, UnreadableFrontMatter, key_lines, read_front_matter
from kb.content.taxonomy import Taxonomy
from kb.content.textchecks import external_images, unsafe_html
from kb.content.textchecks import is_external_url as is_external_url  # kb.rendering.markup reads it from here
from kb.errors import Problem
from kb.files import ENCODING_LABELS, decode

MAX_FILE_BYTES = 1024 * 1024


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


def _guess_encoding(data: bytes) -> str:
    found = decode(data, ("gb18030", "big5", "utf-16"))
    return ENCODING_LABELS[found[1]] if found else "未知编码"


def read_bytes(path: Path, rel: str) -> bytes | Problem:
    """A content file's bytes, or the problem that it cannot be read (the edge where files are read)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        return Problem(rel, 1, "", f"无法读取文件（{exc.strerror or exc}）；请检查文件权限后重试")


def read_document(
    path: Path, rel: str, taxonomy: Taxonomy, parse_citation: CitationParser | None = None
) -> tuple[Document | None, list[Problem]]:
    """Read and check one file; return the document (None if unusable) and its problems."""
    data = read_bytes(path, rel)
    if isinstance(data, Problem):
        return None, [data]
    return parse_document(data, rel, taxonomy, parse_citation)


def _decode(data: bytes, report: Report) -> str | None:
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


def _text(data: bytes | str, report: Report) -> tuple[bytes, str | None]:
    """A document's bytes and its text (None, reported, when unreadable): a file's bytes are decoded, a
    draft's text is taken as it is unless it is too large."""
    if isinstance(data, str):
        encoded = data.encode("utf-8", "surrogatepass")
        return encoded, _decode(encoded, report) if len(encoded) > MAX_FILE_BYTES else data.replace("\r\n", "\n")
    return data, _decode(data, report)


def _front_matter(source: SourceText, report: Report) -> tuple[dict, dict[str, int]] | None:
    """The front matter's fields and each key's first line (repeats reported); None, reported, when unusable."""
    if source.front_matter is None:
        report(1, "", "缺少 front matter；文件须以“---”行开始，写完 YAML 字段后再以“---”行结束")
        return None
    try:
        meta = read_front_matter(source)
    except UnreadableFrontMatter as exc:
        report(exc.line, "", str(exc))
        return None
    if not isinstance(meta, dict):
        report(source.front_matter_line, "", MAPPING_MESSAGE)
        return None
    lines: dict[str, int] = {}
    for key, line in key_lines(source.front_matter, source.front_matter_line):
        if key in lines:
            report(line, key, f"字段重复：第 {lines[key]} 行已有 {key}；请删去其中一行（否则以后写的为准）")
        else:
            lines[key] = line
    return meta, lines


def _check_body(source: SourceText, doc_type: str, report: Report) -> None:
    """An empty body; a case without one of its six sections."""
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


def _document(
    values: dict[str, Any], doc_type: str, rel: str, source: SourceText, lines: dict[str, int], digest: str
) -> Document:
    """The Document of a text whose fields all validated (`values` in their rules' types)."""
    return Document(
        id=values["id"],
        type=doc_type,
        title=values["title"],
        category=values["category"],
        body=source.body,
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
        hash=digest,
        body_line=source.body_line,
        field_lines=lines,
    )


def parse_document(
    data: bytes | str, rel: str, taxonomy: Taxonomy, parse_citation: CitationParser | None = None
) -> tuple[Document | None, list[Problem]]:
    """Check one document's bytes (a file) or text (a draft) against the schema and taxonomy; return
    the document (None if unusable) and its problems. `laws` is checked with `parse_citation` when given."""
    problems: list[Problem] = []

    def report(line: int, fld: str, message: str, severity: str = "error") -> None:
        problems.append(Problem(rel, line, fld, message, severity))

    doc_type = document_type(rel)
    if doc_type is None:
        report(1, "", "文档须放在 guides/ 或 casebook/ 目录下")
        return None, problems
    encoded, text = _text(data, report)
    if text is None:
        return None, problems
    source = split_front_matter(text)
    read = _front_matter(source, report)
    if read is None:
        return None, problems
    meta, lines = read
    values = field_values(meta, lines, rules_for(doc_type), taxonomy, report, source.front_matter_line)
    check_values(values, lines, report, source.front_matter_line, parse_citation)
    _check_body(source, doc_type, report)
    problems.extend(unsafe_html(text, rel))
    problems.extend(external_images(text, rel))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return _document(values, doc_type, rel, source, lines, content_hash(encoded)), problems


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


def load_content(content_dir: Path, taxonomy: Taxonomy, parse_citation: CitationParser | None = None) -> ContentSet:
    """Read and check every document under the content root (citations too, when given the parser)."""
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in iter_content_files(content_dir):
        rel = path.relative_to(content_dir).as_posix()
        doc, found = read_document(path, rel, taxonomy, parse_citation)
        problems.extend(found)
        if doc is not None:
            documents.append(doc)
    problems.extend(check_links(documents))
    bad_ids = {p.path for p in problems if p.field == "id" and p.severity == "error"}
    documents = [d for d in documents if d.path not in bad_ids]
    return ContentSet(tuple(documents), tuple(problems))
