"""The editor's form: one widget per front-matter key (pick lists, date pickers, the statute picker) and the body."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from kb.content.catalog import Published, load_content_taxonomy, published_documents
from kb.content.documents import document_type
from kb.content.templates import PLACEHOLDERS
from kb.content.vocabulary import STATUS_SUPERSEDED, TYPE_CASE, TYPE_GUIDE
from kb.errors import KBError
from kb.rendering.markup import plain_excerpt
from kb.search.charges import load_charges
from kb.settings import Settings
from kb.workflow.forms import (
    ArticleChoice,
    DraftForm,
    FormField,
    choice_values,
    empty_value,
    find_articles,
    form_fields,
)
from ui import markup, services

# Text fields picked from a list rather than typed: the taxonomy's, and the document a superseded one points to.
PICKED = ("kind", "category", "case_type", "status", "superseded_by")
EARLIEST, LATEST = date(1949, 10, 1), date(2099, 12, 31)
CHOOSE = "请选择"
# The pick lists' own texts are English ("No results", "Add: …"): draw Chinese ones over them, as
# ui/static/casekb.css does for the rest of Streamlit's page chrome (the typed text shows in the box above).
FORM_CSS = """
<style>
[role="listbox"][data-empty="true"] [role="option"] > span { font-size: 0; }
[role="listbox"][data-empty="true"] [role="option"] > span::after { content: "没有匹配的选项"; font-size: 0.875rem; }
[role="option"][data-key="__creatable__"] [data-item-hl] { font-size: 0; }
[role="option"][data-key="__creatable__"] [data-item-hl]::after { content: "按回车键添加所输入的内容"; font-size: 0.875rem; }
</style>
"""


def field_key(draft_id: int, key: str) -> str:
    return f"editor_f_{draft_id}_{key}"


def body_key(draft_id: int) -> str:
    return f"editor_f_{draft_id}_body"


def is_filled(draft_id: int) -> bool:
    """Whether the form's widgets hold this draft (they are dropped when another page or mode was shown)."""
    return field_key(draft_id, "id") in st.session_state and body_key(draft_id) in st.session_state


def fill(draft_id: int, form: DraftForm) -> None:
    """Put a form's values into its widgets (before they are drawn)."""
    for f in form_fields(form.doc_type):
        value = form.values.get(f.key, empty_value(f.rule))
        if f.key in PICKED and value == "":
            value = None  # a pick list with nothing picked
        elif isinstance(value, list):
            value = list(dict.fromkeys(value))  # a multiselect holds each value once
        st.session_state[field_key(draft_id, f.key)] = value
    st.session_state[body_key(draft_id)] = form.body


def resend(draft_id: int, doc_type: str) -> None:
    """Send the pick lists', dates' and numbers' values to the browser again (after a rerun the script
    asked for, a browser once showed them empty while the server held them). Typed texts are left
    alone: sending those would overwrite what is being typed meanwhile."""
    for f in form_fields(doc_type):
        key = field_key(draft_id, f.key)
        if key in st.session_state and (f.key in PICKED or f.rule.kind != "str"):
            st.session_state[key] = st.session_state[key]


def current(draft_id: int, doc_type: str) -> DraftForm:
    """The form's values as its widgets hold them now."""
    values = {}
    for f in form_fields(doc_type):
        value = st.session_state.get(field_key(draft_id, f.key), empty_value(f.rule))
        if value is None and f.rule.kind == "str":
            value = ""
        values[f.key] = list(value) if isinstance(value, (list, tuple)) else value
    return DraftForm(doc_type, values, st.session_state.get(body_key(draft_id), ""))


# -- what the pick lists offer ---------------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False)
def _charge_names(path: str, mtime: float) -> tuple[str, ...]:
    return load_charges(Path(path)).names() if mtime else ()


def charge_names(s: Settings) -> tuple[str, ...]:
    """The charges in data/charges.txt (cached until the file changes)."""
    path = s.data_dir / "charges.txt"
    return _charge_names(str(path), path.stat().st_mtime if path.is_file() else 0.0)


@st.cache_data(max_entries=256, show_spinner=False)
def _articles(s: Settings, version: str, query: str) -> tuple[ArticleChoice, ...]:
    svc = services.service_quiet()
    return find_articles(svc, query) if svc is not None else ()


def article_choices(query: str) -> tuple[ArticleChoice, ...]:
    """Articles in force matching the words or citation typed (cached per index version)."""
    s = services.settings()
    return _articles(s, services.index_version(s), query.strip()) if query.strip() else ()


def with_values(options: tuple[str, ...] | list[str], values: object) -> list[str]:
    """The options, and after them any value the text has that they lack (kept, for validation to report)."""
    held = values if isinstance(values, list) else [values] if values else []
    return list(dict.fromkeys([*options, *map(str, held)]))


def add_law(key: str, citation: str) -> None:
    """Button callback: add a found article to 法律依据."""
    chosen = list(st.session_state.get(key) or [])
    if citation not in chosen:
        st.session_state[key] = [*chosen, citation]


# -- the form -----------------------------------------------------------------------------------


class _Form:
    """Draws one draft's fields; `draw(key)` picks the widget from the field's rule."""

    def __init__(self, draft_id: int, doc_type: str, disabled: bool):
        self.s = services.settings()
        self.draft_id, self.doc_type, self.disabled = draft_id, doc_type, disabled
        self.fields: dict[str, FormField] = {f.key: f for f in form_fields(doc_type)}
        self.taxonomy = load_content_taxonomy(self.s)
        self.docs: dict[str, Published] = published_documents(self.s)

    def key(self, name: str) -> str:
        return field_key(self.draft_id, name)

    def value(self, name: str) -> object:
        return st.session_state.get(self.key(name))

    def doc_label(self, doc_id: str) -> str:
        doc = self.docs.get(doc_id)
        if doc is None:
            return doc_id
        return f"{doc.id} {doc.title}" + ("（不再参照）" if doc.status == STATUS_SUPERSEDED else "")

    def doc_ids(self, doc_type: str) -> list[str]:
        """Published documents of a type, newest id first, without this draft's own."""
        own = self.value("id")
        ids = [i for i, d in self.docs.items() if document_type(d.path) == doc_type and i != own]
        return sorted(ids, reverse=True)

    def draw(self, name: str) -> None:
        """The widget for front-matter key `name`, picked from its rule."""
        f = self.fields[name]
        if name in ("summary", "superseded_by") or f.rule.kind in ("str", "date", "int"):
            self.single(f)
        else:
            self.several(f)

    def single(self, f: FormField) -> None:
        """A field holding one value: a text, a pick list, a date or a number."""
        name = f.key
        key, label, value, off = self.key(name), f.label, self.value(name), self.disabled
        rule = f.rule
        if name == "summary":
            hint = PLACEHOLDERS["summary"][self.doc_type == TYPE_CASE]
            st.text_area(label, key=key, height=90, disabled=off, placeholder=hint)
        elif name == "superseded_by":
            st.selectbox(
                label,
                with_values(self.doc_ids(self.doc_type), value),
                key=key,
                format_func=self.doc_label,
                placeholder="无",
                disabled=off,
                help="本文“不再参照”时，改为参照哪篇文档",
            )
        elif rule.kind == "str" and f.choices:
            st.selectbox(
                label, with_values(choice_values(f, self.taxonomy), value), key=key, placeholder=CHOOSE, disabled=off
            )
        elif rule.kind == "str":
            hint = PLACEHOLDERS["title"][self.doc_type == TYPE_CASE] if name == "title" else f"例如：{rule.example}"
            help_text = "编号也是文件名；新建时已按今年的顺序自动编号" if name == "id" else None
            st.text_input(label, key=key, disabled=off, placeholder=hint, help=help_text)
        elif rule.kind == "date":
            low = min(EARLIEST, value) if isinstance(value, date) else EARLIEST
            high = max(LATEST, value) if isinstance(value, date) else LATEST
            st.date_input(label, key=key, format="YYYY-MM-DD", min_value=low, max_value=high, disabled=off)
        elif rule.kind == "int":
            version = name == "version"
            st.number_input(
                label,
                key=key,
                min_value=0,
                step=1,
                disabled=off or version,
                help="发布时自动确定：新文档为第 1 版，修订稿为已发布版本加一" if version else None,
            )

    def several(self, f: FormField) -> None:
        """A field holding a list: documents, the taxonomy's values, charges, articles or keywords."""
        name = f.key
        key, label, value, off = self.key(name), f.label, self.value(name), self.disabled
        if name in ("supersedes", "guides"):
            kind = TYPE_GUIDE if name == "guides" else self.doc_type
            st.multiselect(
                label,
                with_values(self.doc_ids(kind), value),
                key=key,
                format_func=self.doc_label,
                placeholder="选择已发布的文档（可输入编号或标题筛选）",
                disabled=off,
            )
        elif f.choices:
            st.multiselect(
                label, with_values(choice_values(f, self.taxonomy), value), key=key, placeholder=CHOOSE, disabled=off
            )
        elif name == "charges":
            st.multiselect(
                label,
                with_values(charge_names(self.s), value),
                key=key,
                accept_new_options=True,
                placeholder="选择罪名或违法行为（可输入筛选）",
                disabled=off,
            )
        elif name == "laws":
            self.laws(f)
        else:  # tags
            st.multiselect(
                label,
                with_values([], value),
                key=key,
                accept_new_options=True,
                placeholder="输入关键词后按回车添加",
                disabled=off,
            )

    def laws(self, f: FormField) -> None:
        """法律依据: search the statute library, add articles; citations can also be typed."""
        key = self.key(f.key)
        chosen = list(self.value(f.key) or [])
        query = st.text_input(
            "检索法条",
            key=f"editor_lawq_{self.draft_id}",
            placeholder="输入关键词或条文，如 殴打、治安管理处罚法第五十一条",
            disabled=self.disabled,
        )
        refused = ""
        try:
            found = article_choices(query)
        except KBError as exc:  # a query search refuses (a bare "*"): said below, as the search page does
            found, refused = (), str(exc)
        st.multiselect(
            f.label,
            with_values(chosen, [c.citation for c in found]),
            key=key,
            accept_new_options=True,
            placeholder="从检索结果中选择，或直接输入法条，如 刑法第二百六十四条",
            disabled=self.disabled,
        )
        if refused:
            st.caption(markup.md(refused))
        elif query.strip() and not found:
            st.caption(
                f"法规库中没有找到与“{markup.md(query.strip())}”相关的现行法条；也可以在“{f.label}”中直接输入法条。"
            )
        for i, choice in enumerate(found):
            left, right = st.columns([2, 5], vertical_alignment="center")
            left.button(
                f"加入 {markup.md(choice.citation)}" if choice.citation not in chosen else "已加入",
                key=f"editor_lawadd_{self.draft_id}_{i}",
                on_click=add_law,
                args=(key, choice.citation),
                disabled=self.disabled or choice.citation in chosen,
                width="stretch",
            )
            right.caption(f"**{markup.md(choice.citation)}**　{markup.md(plain_excerpt(choice.text, 90))}")


def render(draft_id: int, doc_type: str, disabled: bool) -> None:
    """The whole form; every front-matter key of the type has its widget."""
    st.html(FORM_CSS)
    form = _Form(draft_id, doc_type, disabled)
    draw = form.draw
    left, middle, right = st.columns([3, 3, 2])
    with left:
        draw("id")
    with middle:
        draw("issued")
    with right:
        draw("version")
    draw("title")
    left, right = st.columns(2)
    if doc_type == TYPE_GUIDE:
        with left:
            draw("kind")
        with right:
            draw("category")
    else:
        with left:
            draw("category")
        with right:
            draw("case_type")
        draw("charges")
        left, right = st.columns([1, 3])
        with left:
            draw("year")
        with right:
            draw("unit")
    draw("stage")
    draw("audience")
    draw("tags")
    draw("laws")
    if doc_type == TYPE_CASE:
        draw("guides")
    draw("supersedes")
    draw("summary")
    st.text_area(
        "正文（Markdown）",
        key=body_key(draft_id),
        height=420,
        disabled=disabled,
        help="用“## 标题”分节；离开输入框或按 Ctrl+Enter 后自动保存并刷新预览",
    )
    with st.expander("状态与复核日期（一般无需修改）"):
        draw("status")
        draw("superseded_by")
        draw("review_by")
