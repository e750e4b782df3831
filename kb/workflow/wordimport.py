"""Word files imported as drafts: the proposed front matter with the cited laws, one file or a folder."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from kb.content.catalog import load_content_taxonomy
from kb.content.documents import TYPE_CASE
from kb.content.frontmatter import read_meta_leniently
from kb.content.wordfile import LEGACY_SUFFIXES, WORD_SUFFIX, WordFileError, propose, read_word
from kb.errors import KBError, Problem, PublishError
from kb.roles import EDIT
from kb.search.charges import charges_alleged, load_charges
from kb.settings import Settings
from kb.statutes.citations import extract_citations
from kb.workflow.accounts import User, require
from kb.workflow.drafts import UPLOAD_SUFFIXES, Draft, get_draft, import_upload, store_upload
from kb.workflow.forms import DraftForm, next_id, write_form

WORD_SUFFIXES = (WORD_SUFFIX, *LEGACY_SUFFIXES)  # the suffixes this module answers for (a .doc is refused here)
IMPORTED, NEEDS_FIXING, REFUSED = "已导入", "需修改", "已拒绝"


@dataclass(frozen=True)
class ImportResult:
    """What became of one file: its draft and the draft's problems, or why it was refused."""

    name: str  # the file as the user named it (relative to the folder imported)
    draft: Draft | None = None
    problems: tuple[Problem, ...] = ()
    note: str = ""
    refused: str = ""

    @property
    def outcome(self) -> str:
        """已导入, 需修改 (a draft with errors to fix before submitting) or 已拒绝."""
        if self.draft is None:
            return REFUSED
        return NEEDS_FIXING if any(p.severity == "error" for p in self.problems) else IMPORTED


def cited_laws(text: str) -> list[str]:
    """The statute articles a text cites, as front matter writes them (刑法第二百六十四条), first mention first."""
    return list(dict.fromkeys(c.label for c in extract_citations(text)))


def alleged_charges(settings: Settings, text: str, most: int = 3) -> list[str]:
    """The 罪名 or 违法行为 a case's text says it is about (涉嫌盗窃, 构成盗窃罪), most named first."""
    table = load_charges(settings.data_dir / "charges.txt")
    return [name for name, _ in charges_alleged(text, table.names()).most_common(most)]


@dataclass(frozen=True)
class WordDraft:
    """The text a Word file proposes for a draft."""

    doc_type: str
    text: str  # Markdown with the proposed front matter
    note: str  # what the conversion left out ("" when nothing)


def propose_draft(
    settings: Settings, user: User, filename: str, data: bytes, doc_type: str | None, current: Draft | None = None
) -> WordDraft:
    """The draft one .docx proposes (keeping the id and version of `current`, the draft it replaces); WordFileError."""
    word = read_word(filename, data)
    proposal = propose(word, load_content_taxonomy(settings), doc_type)
    values = dict(proposal.values)
    values["laws"] = cited_laws(f"{values['title']}\n{proposal.body}")
    if proposal.doc_type == TYPE_CASE:
        charges = alleged_charges(settings, f"{values['title']}\n{proposal.body}")
        # 刑事 cases name 罪名 (盗窃罪), 行政 cases 违法行为 (盗窃): the table has both
        criminal = {"刑事": True, "行政": False}.get(values.get("case_type", ""))
        values["charges"] = [c for c in charges if criminal is None or c.endswith("罪") == criminal]
    old = read_meta_leniently(current.text) if current is not None else {}
    values["id"] = str(old.get("id") or "") or next_id(settings, user, proposal.doc_type)
    if isinstance(old.get("version"), int):  # a revision keeps the version it is based on
        values["version"] = old["version"]
    text = write_form(DraftForm(proposal.doc_type, values, proposal.body))
    return WordDraft(proposal.doc_type, text, "；".join(word.notes))


def import_word(
    settings: Settings,
    actor: User | str,
    filename: str,
    data: bytes,
    draft_id: int | None = None,
    expected_rev: int | None = None,
    doc_type: str | None = None,
) -> tuple[Draft, list[Problem], str]:
    """A .docx file as a new draft (or as the text of draft `draft_id`); return (draft, its problems, a note).

    WordFileError, naming the file and the fix, for a .doc/.wps, an encrypted, broken or empty file.
    """
    user = require(settings, actor, EDIT)
    current = get_draft(settings, user, draft_id) if draft_id is not None else None
    proposed = propose_draft(settings, user, filename, data, current.doc_type if current else doc_type, current)
    detail = f"Word 文档 {PurePath(filename).name}，{len(data)} 字节"
    draft, problems = store_upload(settings, user, proposed.text, proposed.doc_type, draft_id, expected_rev, detail)
    return draft, problems, proposed.note


def import_file(
    settings: Settings,
    actor: User | str,
    filename: str,
    data: bytes,
    draft_id: int | None = None,
    expected_rev: int | None = None,
    doc_type: str | None = None,
) -> tuple[Draft, list[Problem], str]:
    """An uploaded file into a draft: Word files through import_word, Markdown and text through import_upload."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in WORD_SUFFIXES:
        return import_word(settings, actor, filename, data, draft_id, expected_rev, doc_type)
    if suffix not in UPLOAD_SUFFIXES:
        require(settings, actor, EDIT)
        raise PublishError(
            f"只能上传 .md、.markdown、.txt 文件或 Word 文档（.docx）（收到“{PurePath(filename).name}”）；"
            "其他格式请在 Word 或 WPS 中另存为 Word 文档(*.docx)，或把正文复制到编辑框"
        )
    return import_upload(settings, actor, filename, data, draft_id, expected_rev, doc_type)


def proposed_note(filename: str, note: str = "") -> str:
    """What the editor says above a draft made from an uploaded file: for a Word file, that its fields are
    proposed and need checking (with `note`); for any other file, `note` as it is."""
    if PurePath(filename).suffix.lower() != WORD_SUFFIX:
        return note
    said = (
        f"已从 Word 文档“{PurePath(filename).name}”导入：标题、类别、法律依据、印发日期等字段是按正文拟出的，"
        "请逐项核对，改正下列问题后再提交审核"
    )
    return f"{said}；{note}" if note else said


def word_files(folder: Path) -> list[Path]:
    """Every file under a folder, sorted, without hidden files and Word's lock files (~$报告.docx)."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith((".", "~$")) for part in p.relative_to(folder).parts)
    )


def import_paths(
    settings: Settings, actor: User | str, paths: Iterable[Path], root: Path | None = None
) -> list[ImportResult]:
    """Import each file as a draft, never stopping at a bad one; names are shown relative to `root`."""
    user = require(settings, actor, EDIT)
    results = []
    for path in paths:
        name = path.relative_to(root).as_posix() if root is not None else path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            results.append(ImportResult(name, refused=f"“{name}”无法读取（{exc.strerror or exc}）；请检查文件权限"))
            continue
        try:
            draft, problems, note = import_word(settings, user, name, data)
        except WordFileError as exc:
            results.append(ImportResult(name, refused=str(exc)))
        except KBError as exc:  # the database or the taxonomy: this file is not imported, the others still are
            results.append(ImportResult(name, refused=f"“{name}”未能导入：{exc}"))
        else:
            results.append(ImportResult(name, draft, tuple(problems), note))
    return results
