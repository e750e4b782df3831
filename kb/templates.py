"""The skeletons new guides and cases start from, with every required field."""

from __future__ import annotations

from datetime import date

from kb.documents import TYPE_CASE, TYPE_GUIDE

TEMPLATES = {
    TYPE_GUIDE: """---
id: G-2025-001
title: （指引标题）
kind: 办案指引
category: 执法规范
stage: [受案立案]
tags: [关键词]
laws: [刑事诉讼法第一百一十条]
audience: [办案民警, 法制员]
status: 现行
issued: {today}
version: 1
summary: （一至三句话的要旨）
---

## 适用范围

## 办理步骤

## 法律依据
""",
    TYPE_CASE: """---
id: C-2025-001
title: （案例标题）
category: 盗窃
case_type: 刑事
charges: [盗窃罪]
year: {year}
unit: 某县公安局某派出所
tags: [关键词]
laws: [刑法第二百六十四条]
audience: [办案民警]
status: 现行
issued: {today}
version: 1
summary: （一至三句话的办案要旨）
---

## 基本案情

## 办案过程

## 法律适用

## 处理结果

## 办案要旨

## 指导意义
""",
}


def draft_template(doc_type: str, today: date | None = None) -> str:
    """A skeleton for a new guide or case, with every required field."""
    today = today or date.today()
    return TEMPLATES[doc_type].format(today=today.isoformat(), year=today.year)
