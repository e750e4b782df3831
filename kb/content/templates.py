"""The skeletons new guides and cases start from: front-matter keys in file order, labels, placeholders."""

from __future__ import annotations

from datetime import date

from kb.content.documents import CASE_SECTIONS
from kb.content.vocabulary import STATUS_CURRENT, TYPE_CASE, TYPE_GUIDE

# Every front-matter key of a document type, in the order files write them (the bundled content's
# order): the template's keys, and where the optional ones go when they have a value.
FIELD_ORDER: dict[str, tuple[str, ...]] = {
    TYPE_GUIDE: (
        "id", "title", "kind", "category", "stage", "tags", "laws", "audience", "status", "superseded_by",
        "issued", "version", "supersedes", "review_by", "summary",
    ),
    TYPE_CASE: (
        "id", "title", "category", "case_type", "charges", "year", "unit", "tags", "laws", "audience", "stage",
        "guides", "status", "superseded_by", "issued", "version", "supersedes", "review_by", "summary",
    ),
}  # fmt: skip
# What the author sees instead of the English key (docs/content-format.md's 说明 column).
FIELD_LABELS: dict[str, str] = {
    "id": "编号",
    "title": "标题",
    "kind": "指引种类",
    "category": "类别",
    "case_type": "案件性质",
    "charges": "罪名或违法行为",
    "year": "办结年份",
    "unit": "承办单位",
    "stage": "办案环节",
    "tags": "关键词",
    "laws": "法律依据",
    "audience": "适用层级",
    "guides": "适用的指引",
    "status": "状态",
    "superseded_by": "替代本文的新文档",
    "issued": "印发日期",
    "version": "版本号",
    "supersedes": "本文替代的旧文档",
    "review_by": "复核日期",
    "summary": "要旨",
}
CASE_LABELS = {"summary": "办案要旨"}  # a case's summary is its 办案要旨
# The id every new draft had before drafts were numbered (kb.workflow.forms.next_id): a placeholder, never a real id.
TEMPLATE_IDS = {TYPE_GUIDE: "G-2025-001", TYPE_CASE: "C-2025-001"}
# Values the templates put where the author must write their own (validation refuses them left in).
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "title": ("（指引标题）", "（案例标题）"),
    "summary": ("（一至三句话的要旨）", "（一至三句话的办案要旨）"),
}
# The body's second-level headings each template starts with (empty: the author fills them in).
SECTIONS: dict[str, tuple[str, ...]] = {
    TYPE_GUIDE: ("适用范围", "办理步骤", "法律依据"),
    TYPE_CASE: CASE_SECTIONS,
}

# Format strings ({id}, {today}, {year}, {sections}); written as f-strings to take the status from the vocabulary.
TEMPLATES = {
    TYPE_GUIDE: f"""---
id: {{id}}
title: （指引标题）
kind: 办案指引
category: 执法规范
stage: [受案立案]
tags: []
laws: []
audience: [办案民警, 法制员]
status: {STATUS_CURRENT}
issued: {{today}}
version: 1
summary: （一至三句话的要旨）
---

{{sections}}""",
    TYPE_CASE: f"""---
id: {{id}}
title: （案例标题）
category: 盗窃
case_type: 刑事
charges: [盗窃罪]
year: {{year}}
unit: 某县公安局某派出所
tags: []
laws: []
audience: [办案民警]
status: {STATUS_CURRENT}
issued: {{today}}
version: 1
summary: （一至三句话的办案要旨）
---

{{sections}}""",
}


def field_label(doc_type: str, key: str) -> str:
    """The Chinese label of a front-matter key (the key itself when it has none)."""
    if doc_type == TYPE_CASE and key in CASE_LABELS:
        return CASE_LABELS[key]
    return FIELD_LABELS.get(key, key)


def template_body(doc_type: str) -> str:
    """The body a new document starts with: the template's sections, empty."""
    return "\n".join(f"## {s}\n" for s in SECTIONS[doc_type])


def draft_template(doc_type: str, today: date | None = None, doc_id: str | None = None) -> str:
    """A skeleton for a new guide or case, with every required field (id: `doc_id`, else TEMPLATE_IDS)."""
    today = today or date.today()
    return TEMPLATES[doc_type].format(
        id=doc_id or TEMPLATE_IDS[doc_type],
        today=today.isoformat(),
        year=today.year,
        sections=template_body(doc_type),
    )
