"""The templates new drafts start from."""

from __future__ import annotations

from datetime import date

import pytest

from kb.content.templates import PLACEHOLDERS, SECTIONS, draft_template, field_label, template_body
from kb.workflow.drafts import check_text


def filled(doc_type: str) -> str:
    """A template with every placeholder and section written."""
    text = draft_template(doc_type, date(2026, 3, 1), "G-2026-104" if doc_type == "guide" else "C-2026-131")
    for placeholder in (*PLACEHOLDERS["title"], *PLACEHOLDERS["summary"]):
        text = text.replace(placeholder, "依法办理电动车盗窃案件")
    for section in SECTIONS[doc_type]:
        text = text.replace(f"## {section}\n", f"## {section}\n\n本节内容。\n")
    return text


@pytest.mark.parametrize("doc_type", ["guide", "case"])
def test_a_template_with_its_placeholders_and_sections_written_passes_validation(kb, doc_type):
    assert check_text(kb, filled(doc_type), doc_type) == []


@pytest.mark.parametrize("doc_type", ["guide", "case"])
def test_a_template_has_the_id_date_and_sections_it_was_asked_for(doc_type):
    text = draft_template(doc_type, date(2026, 3, 1), "X-2026-007")
    assert text.startswith("---\nid: X-2026-007\n")
    assert "\nissued: 2026-03-01\n" in text
    assert text.endswith("---\n\n" + template_body(doc_type))
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == list(SECTIONS[doc_type])


def test_the_case_template_has_the_six_case_sections_and_its_own_labels():
    assert SECTIONS["case"] == ("基本案情", "办案过程", "法律适用", "处理结果", "办案要旨", "指导意义")
    assert (field_label("case", "summary"), field_label("guide", "summary")) == ("办案要旨", "要旨")
    assert "\ntitle: （案例标题）\n" in draft_template("case") and "\ntitle: （指引标题）\n" in draft_template("guide")
