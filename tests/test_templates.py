"""The templates new drafts start from."""

from __future__ import annotations

from kb.drafts import check_text
from kb.templates import draft_template


def test_templates_pass_validation(kb):
    assert check_text(kb, draft_template("guide")) == []
    assert check_text(kb, draft_template("case"), "case") == []
