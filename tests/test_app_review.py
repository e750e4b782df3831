"""Reviews people can read, and documents that explain themselves, through AppTest: the field table and
block diff on 审核, 版本历史 per document, and the old links of withdrawn and superseded documents."""

from __future__ import annotations

from datetime import date

from kb.workflow import publish
from kb.workflow.drafts import create_draft, save_draft, submit

try:
    from tests.test_app_publish import OFFSITE, app, assert_shown_as_text, check, env, go, html_of, logged_in, texts
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_app_publish import OFFSITE, app, assert_shown_as_text, check, env, go, html_of, logged_in, texts

__all__ = ["env"]  # the fixture: fresh content, index, database and one account per role


def revise(settings, doc_id: str, *edits: tuple[str, str]) -> None:
    """Publish a revision of a document with text replacements (lin writes, zhao publishes)."""
    draft = create_draft(settings, "lin", target_id=doc_id)
    text = draft.text
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    save_draft(settings, "lin", draft.id, text, draft.rev)
    submit(settings, "lin", draft.id)
    publish.publish(settings, "zhao", draft.id)


def version_choices(at) -> list[str]:
    """The two versions 版本历史 compares, as shown."""
    return [f"{s.label}：第 {s.value} 版" for s in at.selectbox if s.label in ("旧版本", "新版本")]


def history_tab(at, doc_id: str):
    at.selectbox(key="review_hist_doc").select(doc_id)
    return check(at.run())


# -- 审核: what a reviewer reads -----------------------------------------------------------------


def test_review_shows_changed_fields_as_a_table_and_the_body_by_block(env):
    draft = create_draft(env, "lin", target_id="G-2024-902")
    text = (
        draft.text.replace("issued: 2024-06-01", "issued: 2026-12-07")
        .replace("1. 呼气检测后及时抽取血样。", "1. 呼气检测后立即抽取血样。")
        .replace("tags: [醉驾, 血液酒精含量, 抽血]\n", "")
    )
    save_draft(env, "lin", draft.id, text, draft.rev)
    submit(env, "lin", draft.id)
    review = go(logged_in("zhao"), "review")
    page = html_of(review)
    assert (
        '<table class="kb-diff-fields"><thead><tr><th>字段</th><th>原值</th><th>新值</th></tr></thead><tbody>'
        '<tr class="kb-diff-field-changed"><td>印发日期</td><td><del>2024-06-01</del></td>'
        "<td><ins>2026-12-07</ins></td></tr>"
        '<tr class="kb-diff-field-removed"><td>关键词（删除）</td><td><del>醉驾、血液酒精含量、抽血</del></td>'
        "<td>—</td></tr></tbody></table>"
    ) in page
    assert (
        '<h2 class="kb-diff-eq">清单</h2>'
        '<div class="kb-diff-li kb-diff-d1 kb-diff-mod"><span class="kb-diff-mark">1.</span>'
        "呼气检测后<del>及时</del><ins>立即</ins>抽取血样。</div>"
        '<div class="kb-diff-li kb-diff-d1 kb-diff-eq"><span class="kb-diff-mark">2.</span>血样送检，'
    ) in page  # the unchanged second item stays unchanged
    assert "已发布第 1 版 → 本稿：字段改动 2 处；正文新增 0 段，删除 0 段，修改 1 段" in texts(review.caption)


def test_version_history_starts_each_document_at_previous_to_latest(env):
    revise(env, "G-2024-901", ("及时调取沿途视频监控", "立即调取沿途视频监控"))  # 2 → 3
    revise(env, "G-2024-901", ("扣押并估价", "扣押、拍照并估价"))  # → 4
    revise(env, "G-2024-902", ("呼气检测后及时抽取血样", "呼气检测后立即抽取血样"))  # 1 → 2
    at = go(logged_in("zhao"), "review")
    at = history_tab(at, "G-2024-901")
    assert version_choices(at) == ["旧版本：第 3 版", "新版本：第 4 版"]
    assert "第 3 版 → 第 4 版：字段改动 1 处；正文新增 0 段，删除 0 段，修改 1 段" in texts(at.caption)
    next(s for s in at.selectbox if s.label == "旧版本").select(2)
    check(at.run())
    assert version_choices(at) == ["旧版本：第 2 版", "新版本：第 4 版"]
    # before: the next document kept 第 2 版 and showed "第 2 版 → 第 2 版：两个版本内容相同"
    at = history_tab(at, "G-2024-902")
    assert version_choices(at) == ["旧版本：第 1 版", "新版本：第 2 版"]
    assert "第 1 版 → 第 2 版：字段改动 1 处；正文新增 0 段，删除 0 段，修改 1 段" in texts(at.caption)
    assert "呼气检测后<del>及时</del><ins>立即</ins>抽取血样。" in html_of(at)
    at = history_tab(at, "G-2024-901")  # back: a fresh start, not the earlier choice
    assert version_choices(at) == ["旧版本：第 3 版", "新版本：第 4 版"]


# -- the old link of a withdrawn document ------------------------------------------------------


def test_withdrawing_needs_a_reason_and_the_old_link_says_when_by_whom_and_why(env):
    review = go(logged_in("zhao"), "review")
    review.selectbox(key="review_wd").select("G-2024-902")
    review.checkbox(key="review_wd_sure").check()
    check(review.run())
    review.button(key="review_withdraw").click()
    check(review.run())
    assert texts(review.error) == ["撤回时须说明理由"]
    review.text_input(key="review_wd_reason").input("抽血规定已修改，清单内容过时")
    review.button(key="review_withdraw").click()
    check(review.run())
    assert "G-2024-902 已撤回" in texts(review.success)

    today = date.today().isoformat()
    reader = go(check(app().run()), "document", id="G-2024-902")
    assert texts(reader.title) == ["醉驾案件办理工具箱"]
    assert texts(reader.warning) == [
        f"本文（G-2024-902）已于 {today} 撤回，停止使用。\n\n撤回人：审核\n\n撤回理由：抽血规定已修改，清单内容过时"
    ]
    assert not reader.error  # no longer "找不到编号为…的文档"
    search = next(p for p in reader.page_link if p.value == "检索与“醉驾案件办理工具箱”相关的现行文档")
    assert (
        search.proto.query_string
        == "q=%E9%86%89%E9%A9%BE%E6%A1%88%E4%BB%B6%E5%8A%9E%E7%90%86%E5%B7%A5%E5%85%B7%E7%AE%B1"
    )

    # the name only for those who may read the audit log
    assert texts(go(logged_in("admin"), "document", id="G-2024-902").warning)[0].endswith(
        "撤回人：审核（zhao）\n\n撤回理由：抽血规定已修改，清单内容过时"
    )
    assert "\n\n撤回人：审核\n\n" in texts(go(logged_in("lin"), "document", id="G-2024-902").warning)[0]


def test_a_withdrawn_document_that_was_superseded_points_to_its_replacement(env):
    publish.supersede(env, "zhao", "G-2024-902", "G-2024-901")
    publish.withdraw(env, "zhao", "G-2024-902", "已并入盗窃案件办理指引")
    at = go(check(app().run()), "document", id="G-2024-902")
    assert texts(at.warning)[0].endswith("撤回理由：已并入盗窃案件办理指引")
    assert "**请改读：**" in texts(at.main.markdown)
    link = next(p for p in at.page_link if p.value == "盗窃案件办理指引（G-2024-901）")
    assert link.proto.query_string == "id=G-2024-901"


def test_a_reason_with_an_image_link_is_shown_as_text(env):
    publish.withdraw(env, "zhao", "G-2024-902", f"见 {OFFSITE}")
    at = go(check(app().run()), "document", id="G-2024-902")
    assert_shown_as_text(at, "撤回理由：见 \\!\\[追踪\\]\\(http\\:\\/\\/203.0.113.9\\/t.png\\)")


def test_an_id_never_published_is_still_not_found(env):
    at = go(check(app().run()), "document", id="G-2099-001")
    assert texts(at.error) == ["找不到编号为“G-2099-001”的文档。它可能已被删除或编号有误。"]


# -- the old link of a superseded document -----------------------------------------------------


def test_a_superseded_document_says_which_one_replaced_it_and_since_when(env):
    publish.supersede(env, "zhao", "G-2024-902", "G-2024-901")
    today = date.today().isoformat()
    at = go(check(app().run()), "document", id="G-2024-902")
    assert texts(at.warning) == [f"本文已不再参照（自 {today} 起），请以新版为准：盗窃案件办理指引（G-2024-901）"]
    link = next(p for p in at.page_link if p.value == "查看新版：盗窃案件办理指引（G-2024-901）")
    assert link.proto.query_string == "id=G-2024-901"
    # marked in the files by hand (no history): since the day the new one was issued
    at = go(at, "document", id="G-2020-001")
    assert texts(at.warning) == ["本文已不再参照（自 2024-05-01 起），请以新版为准：盗窃案件办理指引（G-2024-901）"]
