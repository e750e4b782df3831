"""Small escaped pieces of Markdown and HTML: badges, excerpts, code spans (type labels: kb.content.vocabulary)."""

from __future__ import annotations

import html
import re

from kb.content.vocabulary import STATUS_CURRENT, type_label
from kb.rendering.markup import plain_excerpt

TYPE_ICONS = {"guide": ":material/menu_book:", "case": ":material/gavel:", "law": ":material/balance:"}


# -- small HTML pieces (all text escaped) -----------------------------------------------------


def badge(text: str, kind: str = "") -> str:
    """A small label; `kind` is guide / case / law / superseded."""
    return f'<span class="kb-badge {html.escape(kind)}">{html.escape(text)}</span>'


def badges(doc_type: str, category: str = "", case_type: str = "", year: object = None, status: str = "") -> str:
    """The badge row shown above a result or a document."""
    parts = [badge(type_label(doc_type), doc_type)]
    if case_type:
        parts.append(badge(case_type))
    if category:
        parts.append(badge(category))
    if year:
        parts.append(badge(f"{year} 年"))
    if status and status != STATUS_CURRENT:
        parts.append(badge(status, "superseded"))
    return "".join(parts)


# Every ASCII character Markdown (and Streamlit's :icon:, :color[…] and $LaTeX$) gives a meaning
# to, escaped with a backslash, which CommonMark allows before any ASCII punctuation. Escaping
# ! [ ] ( ) < > leaves no image, link or HTML tag (an image's address would be fetched by every
# reader's browser); : / @ and the dot of "www." leave no bare web or mail address to autolink.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()~$:/!<>&|@=])")
_MD_WWW = re.compile(r"(www)\.", re.I)
# A list, heading or quote at a line's start; a backslash before a digit is no escape: "1\\." is.
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+#>])|(\d+)([.)]))", re.M)


def md(text: object) -> str:
    """Escape text for a Markdown context (alerts, captions, labels, headings): shown as typed,
    with no images, links, HTML, styling, LaTeX or icons."""
    escaped = _MD_WWW.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", str(text)))
    return _MD_LINE_START.sub(
        lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\" + m.group(4)), escaped
    )


def code(text: object) -> str:
    """Text as one inline code span (shown verbatim): a backtick or a line break in it would end
    the span and let the rest be read as Markdown."""
    return "`" + " ".join(str(text).replace("`", "'").split("\n")) + "`"


def excerpt(text: str, limit: int = 120) -> str:
    """Escaped plain excerpt."""
    return html.escape(plain_excerpt(text, limit))
