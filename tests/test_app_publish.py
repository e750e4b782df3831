"""The publishing workflow in the app through AppTest: log in, write, preview, submit, review, publish, search."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from kb.errors import KBError
from kb.search.index import build_index
from kb.settings import load_settings
from kb.workflow import accounts, audit, database
from kb.workflow.drafts import create_draft, get_draft, return_draft, save_draft, submit
from ui.menu import menu

try:
    from tests.app_fixtures import make_content
    from tests.test_frontmatter import alias_bomb
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from test_frontmatter import alias_bomb

TIMEOUT = 60  # the first run loads jieba's dictionary
WORK_PAGES = ("editor", "review", "quizbank", "audit_log", "users", "login")
PASSWORDS = {"lin": "lin-password", "wang": "wang-password", "zhao": "zhao-password", "du": "du-password"}


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Fresh content, index and database per test (publishing changes them); one account per role."""
    content = make_content(tmp_path)
    monkeypatch.setenv("KB_CONTENT", str(content))
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("KB_DB", str(tmp_path / "casekb.sqlite3"))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    monkeypatch.delenv("KB_LAWS", raising=False)
    monkeypatch.delenv("KB_REQUIRE_LOGIN", raising=False)
    settings = load_settings()
    build_index(settings)
    for name, role in (("lin", "编辑"), ("wang", "编辑"), ("zhao", "审核"), ("du", "读者")):
        accounts.add_user(settings, name, role, PASSWORDS[name])
    accounts.add_user(settings, "admin", "管理员", "admin-password")
    return settings


def app() -> AppTest:
    return AppTest.from_file("../app.py", default_timeout=TIMEOUT)


def check(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def logged_in(name: str) -> AppTest:
    """An app session that logged in through the login page."""
    at = check(app().run())
    at.switch_page("app_pages/login.py")
    check(at.run())
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(PASSWORDS.get(name, "admin-password"))
    at.button[0].click()
    check(at.run())
    assert at.session_state["auth_user"] == name
    return at


def go(at: AppTest, page: str, **params: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    return check(at.run())


def source(at: AppTest, draft_id: int) -> AppTest:
    """Switch the editor from its form (the default) to 源码, the whole Markdown in one text area."""
    at.radio(key=f"editor_mode_{draft_id}").set_value("源码")
    return check(at.run())


def html_of(at: AppTest) -> str:
    from ui.chrome_zh import script  # the app's own, on every page: Streamlit's English in Chinese

    return "\n".join(h.proto.body for h in at.html if h.proto.body != script())


def texts(elements) -> list[str]:
    return [e.value for e in elements]


NEW_GUIDE = """---
id: G-2025-950
title: 盗窃电动车案件快速处置指引
kind: 办案指引
category: 盗窃
stage: [调查取证]
tags: [电动车, 快速处置]
laws: [刑法第二百六十四条]
audience: [办案民警]
status: 现行
supersedes: [G-2024-902]
issued: 2025-06-01
version: 1
summary: 接报电动车被盗后三十分钟内完成视频追踪部署。
---

## 快速处置

接报电动车被盗后，应当在三十分钟内调取周边视频，锁定嫌疑人逃跑路线。依照刑法第二百六十四条认定多次盗窃。
"""


# -- navigation and access ---------------------------------------------------------------------


READING = ["search", "similar", "casebook", "guides", "law", "document", "learning", "selftest", "exams", "stats"]
LISTED = [name for name in READING if name != "document"]  # 文档 opens from links, not from the menu


def shown(sections) -> list[str]:
    """The names of the pages the menu lists, in order."""
    return [p.name for pages in sections.values() for p in pages if p.shown]


@pytest.mark.parametrize(
    ("name", "pages"),
    [
        (None, ["login"]),
        ("du", ["login"]),
        ("lin", ["editor", "quizbank", "login"]),
        ("zhao", ["editor", "review", "quizbank", "audit_log", "login"]),
        ("admin", ["audit_log", "users", "login"]),
    ],
)
def test_the_menu_lists_the_pages_of_the_logged_in_role(env, name, pages):
    user = accounts.get_user(env, name) if name else None
    sections = menu(user, require_login=False)
    assert shown(sections) == LISTED + pages
    # every page stays registered, so a bookmark never lands on "page not found"
    assert [p.name for ps in sections.values() for p in ps] == READING + list(WORK_PAGES)


def test_with_login_required_the_menu_lists_only_the_login_page(env):
    assert shown(menu(None, require_login=True)) == ["login"]
    assert shown(menu(accounts.get_user(env, "du"), require_login=True)) == [*LISTED, "login"]


def test_a_bookmarked_work_page_explains_instead_of_page_not_found(env):
    at = check(app().run())
    at.switch_page("app_pages/review.py")  # registered though not in this visitor's menu
    check(at.run())
    assert texts(at.title) == ["审核发布"]
    assert texts(at.warning) == ["请先登录：在左侧导航的“工作台 → 登录”中输入用户名和密码。"]
    assert not at.button


def test_pages_check_the_role_themselves(env):
    at = AppTest.from_file("../app_pages/review.py", default_timeout=TIMEOUT)
    at.session_state["auth_user"] = "lin"
    at.session_state["auth_seen"] = time.time()
    check(at.run())
    assert texts(at.error) == ["当前用户“lin”（编辑）无权使用本页；需要“审核”角色。"]
    assert not at.button
    anonymous = check(AppTest.from_file("../app_pages/editor.py", default_timeout=TIMEOUT).run())
    assert texts(anonymous.warning) == ["请先登录：在左侧导航的“工作台 → 登录”中输入用户名和密码。"]


def test_a_wrong_password_shows_the_reason(env):
    at = check(app().run())
    go(at, "login")
    at.text_input(key="login_name").input("lin")
    at.text_input(key="login_password").input("not-the-password")
    at.button[0].click()
    check(at.run())
    assert texts(at.error) == ["用户名或密码错误"]
    assert "auth_user" not in at.session_state


def test_require_login_opens_on_the_login_form_and_lets_one_in(env, monkeypatch):
    monkeypatch.setenv("KB_REQUIRE_LOGIN", "1")
    at = check(app().run())
    assert texts(at.title) == ["登录"]
    assert not [c for c in texts(at.sidebar.caption) if c.startswith("现行：")]  # nothing about the corpus yet
    at.text_input(key="login_name").input("du")
    at.text_input(key="login_password").input(PASSWORDS["du"])
    at.button[0].click()
    check(at.run())
    assert at.session_state["auth_user"] == "du"
    go(at, "search", q="盗窃")
    assert texts(at.title) == ["检索"]
    # 13 guides, one of them 不再参照: counted apart, as on the search page's facets and 统计
    assert [c for c in texts(at.sidebar.caption) if c.startswith(("现行：", "另有"))] == [
        "现行：指引 12 · 案例 2",
        "另有不再参照的指引 1 篇，检索时默认不显示",
    ]
    assert "张某多次盗窃电动车电瓶案" in [p.value for p in at.page_link]


def test_require_login_sends_a_bookmark_to_the_login_form_first(env, monkeypatch):
    monkeypatch.setenv("KB_REQUIRE_LOGIN", "1")
    at = check(app().run())
    at.switch_page("app_pages/similar.py")  # a bookmark of 类案检索
    check(at.run())
    assert texts(at.title) == ["登录"]
    assert texts(at.info) == ["请先登录后再使用“类案检索”。"]
    assert at.text_input(key="login_name") is not None
    assert not [t for t in at.text_area]  # nothing of the page itself was shown


def test_an_idle_session_times_out(env):
    at = logged_in("lin")
    at.session_state["auth_seen"] = time.time() - 30 * 60 - 5  # the default session_timeout_minutes
    go(at, "login")
    assert texts(at.title) == ["登录"]
    assert "超过 30 分钟未操作，已自动退出；请重新登录" in texts(at.info)


# -- the whole journey -------------------------------------------------------------------------


def test_write_preview_submit_review_publish_and_find_it(env):
    editor = go(logged_in("lin"), "editor")
    editor.button(key="editor_new").click()
    check(editor.run())
    draft_id = int(editor.query_params["draft"])
    area = source(editor, draft_id).text_area(key=f"editor_text_{draft_id}")
    assert f"id: G-{date.today().year}-911\ntitle: （指引标题）\n" in area.value  # the template, with the next free id
    area.input(NEW_GUIDE)
    check(editor.run())
    # autosaved, previewed exactly like the document page, validated
    assert get_draft(env, "lin", draft_id).text == NEW_GUIDE
    page = html_of(editor)
    assert '<h1 class="kb-doc-title">盗窃电动车案件快速处置指引</h1>' in page
    assert "<h2" in page and "快速处置</h2>" in page
    assert 'class="kb-cite"' in page  # citations linked as on the document page
    assert "校验通过，可以提交" in texts(editor.success)
    editor.button(key="editor_submit").click()
    check(editor.run())
    assert f"草稿 #{draft_id} 已提交审核" in texts(editor.success)
    assert editor.text_area(key=f"editor_text_{draft_id}").disabled

    review = go(logged_in("zhao"), "review")
    assert "待审核（1）" in [t.label for t in review.tabs]
    assert "这是新文档，没有已发布的版本可对比。" in texts(review.caption)
    assert "本稿替代 G-2024-902：发布时这些文档将标记为“不再参照”。" in texts(review.info)
    review.button(key="review_publish").click()
    check(review.run())
    assert texts(review.success)[0] == "已发布 G-2025-950 第 1 版：guides/G-2025-950.md；G-2024-902 已标记为不再参照"

    search = go(review, "search", q="三十分钟内调取周边视频")
    assert "盗窃电动车案件快速处置指引" in [p.value for p in search.page_link]
    old = go(search, "document", id="G-2024-902")
    assert any("本文已不再参照" in w for w in texts(old.warning))

    log = go(review, "audit_log")
    table = log.dataframe[0].value
    steps = list(zip(table["用户"], table["操作"], strict=True))[::-1]
    assert [s for s in steps if s[1] not in ("登录", "新增用户")] == [
        ("lin", "新建草稿"),
        ("lin", "保存草稿"),
        ("lin", "提交审核"),
        ("zhao", "发布"),
        ("zhao", "标记不再参照"),
    ]
    assert log.get("download_button")[0].proto.label == "下载 CSV"


def test_invalid_text_is_reported_inline_and_kept(env):
    editor = go(logged_in("lin"), "editor")
    editor.button(key="editor_new").click()
    check(editor.run())
    draft_id = int(editor.query_params["draft"])
    bad = NEW_GUIDE.replace("category: 盗窃", "category: 盗抢").replace("快速处置指引", "<script>alert(1)</script>指引")
    source(editor, draft_id).text_area(key=f"editor_text_{draft_id}").input(bad)
    check(editor.run())
    errors = "\n".join(texts(editor.error))
    assert "共 2 处错误，涉及 1 个文件" in errors
    assert "guides/G-2025-950.md:5: category: 未知类别“盗抢”" in errors
    assert "含有不允许的 HTML“<script>”" in errors
    assert "<script>" not in html_of(editor)  # the preview shows the title as text
    editor.button(key="editor_submit").click()
    check(editor.run())
    assert get_draft(env, "lin", draft_id).state == "草稿"
    assert editor.text_area(key=f"editor_text_{draft_id}").value == bad
    assert get_draft(env, "lin", draft_id).text == bad


def test_a_600_byte_alias_bomb_typed_into_the_editor_is_refused_at_once_and_kept(env):
    editor = go(logged_in("lin"), "editor")
    editor.button(key="editor_new").click()
    check(editor.run())
    draft_id = int(editor.query_params["draft"])
    bomb = alias_bomb()
    source(editor, draft_id).text_area(key=f"editor_text_{draft_id}").input(bomb)
    check(editor.run())
    errors = "\n".join(texts(editor.error))
    # refused before expanding (before: 45 s for this rerun, then a MemoryError of a few GB)
    assert "guides/G-2025-951.md:4: front matter 中不能使用 YAML 锚点和别名（& 与 *）；请直接写出取值" in errors
    assert '<h1 class="kb-doc-title">别名炸弹：六百字节的草稿示例1</h1>' in html_of(editor)  # the preview still shows
    assert get_draft(env, "lin", draft_id).text == bomb  # autosaved, nothing lost


def test_a_draft_too_long_to_preview_is_still_checked(env):
    editor = go(logged_in("lin"), "editor")
    editor.button(key="editor_new").click()
    check(editor.run())
    draft_id = int(editor.query_params["draft"])
    long = NEW_GUIDE + "*a" * 30_000
    source(editor, draft_id).text_area(key=f"editor_text_{draft_id}").input(long)
    check(editor.run())
    assert texts(editor.info)[-1] == (
        f"草稿共 {len(long)} 个字符，超过实时预览的上限（50000 个字符），为保证编辑流畅不再显示预览；校验照常进行。"
    )
    assert '<h1 class="kb-doc-title">' not in html_of(editor)
    assert "校验通过，可以提交" in texts(editor.success)


def test_return_with_comments_reaches_the_editor(env):
    draft = create_draft(env, "lin", NEW_GUIDE)
    submit(env, "lin", draft.id)
    review = go(logged_in("zhao"), "review")
    review.text_area(key="review_comment").input("请补充法律依据。")
    review.button(key="review_return").click()
    check(review.run())
    assert f"草稿 #{draft.id} 已退回给 lin" in texts(review.success)
    editor = go(logged_in("lin"), "editor", draft=str(draft.id))
    assert "审核人“zhao”退回了此稿，修改意见：请补充法律依据。" in texts(editor.warning)
    assert not source(editor, draft.id).text_area(key=f"editor_text_{draft.id}").disabled


def test_review_shows_the_diff_against_the_published_version(env):
    draft = create_draft(env, "lin", target_id="G-2024-901")
    save_draft(env, "lin", draft.id, draft.text.replace("及时调取沿途视频监控", "立即调取沿途视频监控"), draft.rev)
    submit(env, "lin", draft.id)
    review = go(logged_in("zhao"), "review")
    page = html_of(review)
    assert "<del>及时</del><ins>立即</ins>" in page
    review.button(key="review_publish").click()
    check(review.run())
    assert texts(review.success)[0] == "已发布 G-2024-901 第 3 版：guides/G-2024-901.md"
    history = go(review, "review")
    history.selectbox(key="review_hist_doc").select("G-2024-901")
    check(history.run())
    assert list(history.dataframe[0].value["版本"]) == [2, 3]
    assert "<del>及时</del><ins>立即</ins>" in html_of(history)


def test_the_author_and_a_reviewer_on_one_draft_the_later_save_is_refused_and_kept(env):
    draft = create_draft(env, "lin", NEW_GUIDE)
    lin = source(go(logged_in("lin"), "editor", draft=str(draft.id)), draft.id)
    zhao = source(go(logged_in("zhao"), "editor", draft=str(draft.id)), draft.id)
    lin.text_area(key=f"editor_text_{draft.id}").input(NEW_GUIDE + "\n林的补充。\n")
    check(lin.run())
    zhao_text = NEW_GUIDE + "\n赵的补充。\n"
    zhao.text_area(key=f"editor_text_{draft.id}").input(zhao_text)
    check(zhao.run())
    refused = [e for e in texts(zhao.error) if e.startswith("保存被拒绝")]
    assert refused and "你的文本没有丢失，仍在编辑框中" in refused[0]
    assert zhao.text_area(key=f"editor_text_{draft.id}").value == zhao_text
    assert "<del>林</del><ins>赵</ins>的补充。" in html_of(zhao)  # theirs → mine, side by side
    assert get_draft(env, "lin", draft.id).text.endswith("林的补充。\n")
    zhao.button(key=f"editor_fork_{draft.id}").click()
    check(zhao.run())
    copy = int(zhao.query_params["draft"])
    assert copy != draft.id
    assert get_draft(env, "zhao", copy).text == zhao_text


def test_another_editor_sees_a_draft_read_only_and_cannot_change_it(env):
    draft = create_draft(env, "lin", NEW_GUIDE)
    wang = go(logged_in("wang"), "editor", draft=str(draft.id))
    assert texts(wang.info) == [
        "这是“lin”的草稿，只有作者本人或审核人员可以修改或作废；如需在此基础上修改，请把内容复制到自己的新草稿。"
    ]
    assert wang.text_input(key=f"editor_f_{draft.id}_title").disabled  # the form, and the source
    assert source(wang, draft.id).text_area(key=f"editor_text_{draft.id}").disabled
    assert wang.button(key="editor_submit").disabled and wang.button(key="editor_discard").disabled
    assert get_draft(env, "lin", draft.id).rev == 1


def test_admin_adds_a_user_and_every_change_is_audited(env):
    at = go(logged_in("admin"), "users")
    form_inputs = at.text_input
    form_inputs[0].input("new-editor")
    at.selectbox[0].select("编辑")
    form_inputs[1].input("new-password")
    form_inputs[2].input("new-password")
    at.button[0].click()
    check(at.run())
    assert "已新增用户“new-editor”（编辑）" in texts(at.success)
    assert accounts.get_user(env, "new-editor").role == "编辑"
    entry = audit.read_entries(env, action="user_add")[0]
    assert (entry.actor, entry.target) == ("admin", "new-editor")


# -- nothing a reader's browser would fetch from another machine -------------------------------

OFFSITE = "![追踪](http://203.0.113.9/t.png)"
# Markdown a page must not hand to Streamlit unescaped: an image, a link, HTML, a bare web address.
UNESCAPED = re.compile(r"(?<!\\)!\[|(?<!\\)\]\(|(?<!\\)<img|https?://|(?<!\\)www\.")


def markdown_texts(at: AppTest) -> list[str]:
    """Every text on the page that Streamlit renders as Markdown: headings, text, alerts,
    captions, page-link, button, expander and tab labels, pills and segmented-control options."""
    found = [e.value for kind in ("title", "header", "subheader", "markdown", "caption") for e in getattr(at, kind)]
    found += [e.value for kind in ("info", "warning", "error", "success") for e in getattr(at, kind)]
    found += [p.proto.label for p in at.page_link] + [b.label for b in at.button]
    found += [e.label for e in at.expander] + [t.label for t in at.tabs]
    found += [o.content for group in at.get("button_group") for o in group.proto.options]
    return found


def assert_shown_as_text(at: AppTest, *expected: str) -> None:
    """The page shows each expected text, escaped (so it did show the title or comment), and no
    text it renders as Markdown could make a browser fetch an image."""
    shown = markdown_texts(at)
    # inside a code span (problem lines, made by markup.code) Markdown is not read at all
    assert [t for t in shown if UNESCAPED.search(re.sub(r"`[^`\n]*`", "", t))] == []
    for text in expected:
        assert any(text in t for t in shown), (text, shown)


OFFSITE_GUIDE = NEW_GUIDE.replace(
    "title: 盗窃电动车案件快速处置指引", f"title: 盗窃电动车{OFFSITE}快速处置指引"
).replace("## 快速处置\n", f"## 快速处置\n\n现场示意：{OFFSITE}\n")


def guide_text_with(extra: str) -> str:
    """Another new guide, with extra front-matter lines."""
    return NEW_GUIDE.replace("id: G-2025-950", "id: G-2025-951").replace("supersedes: [G-2024-902]\n", extra)


def test_image_links_in_titles_queries_and_comments_are_shown_as_text_on_every_page(env):
    learning = env.data_dir / "learning_paths.yaml"
    learning.write_text(
        learning.read_text(encoding="utf-8").replace(
            "办案民警:\n", "办案民警:\n  - id: G-2025-950\n    reason: 快速处置\n"
        ),
        encoding="utf-8",
    )
    escaped = "\\!\\[追踪\\]\\(http\\:\\/\\/203.0.113.9\\/t.png\\)"
    draft = create_draft(env, "lin", OFFSITE_GUIDE)
    submit(env, "lin", draft.id)
    return_draft(env, "zhao", draft.id, f"请删除外部图片 {OFFSITE}")
    editor = go(logged_in("lin"), "editor", draft=str(draft.id))
    assert_shown_as_text(editor, f"修改意见：请删除外部图片 {escaped}")
    assert "外部图片链接“http://203.0.113.9/t.png”" in "\n".join(texts(editor.warning))  # check's warning
    assert "<img" not in html_of(editor) and "［外部图片未显示：追踪］" in html_of(editor)  # the preview
    submit(env, "lin", draft.id)
    review = go(logged_in("zhao"), "review")
    assert_shown_as_text(review)
    review.button(key="review_publish").click()
    check(review.run())
    assert texts(review.success)[0].startswith("已发布 G-2025-950 第 1 版")
    other = create_draft(env, "lin", guide_text_with(f"supersedes: ['{OFFSITE}']\n"))
    # submit refuses an id that names no document; one submitted before that check still reaches review
    with database.transaction(env) as con:
        con.execute("UPDATE drafts SET state = '待审核' WHERE id = ?", (other.id,))
    assert_shown_as_text(go(review, "review"), f"本稿替代 {escaped}")

    title = f"盗窃电动车{escaped}快速处置指引"
    reader = check(app().run())
    assert_shown_as_text(go(reader, "search", q="三十分钟内调取周边视频"), title)
    assert_shown_as_text(go(reader, "search", q=OFFSITE), escaped)
    assert_shown_as_text(go(reader, "document", id="G-2025-950", q=OFFSITE), f"返回检索“{escaped}”")
    page = html_of(reader)
    assert "<img" not in page and '<span class="kb-image-note">［外部图片未显示：' in page  # the body
    assert_shown_as_text(go(reader, "document", id="G-2024-902"), title)  # 不再参照 → the new one
    assert_shown_as_text(go(reader, "guides"), title)
    assert_shown_as_text(go(reader, "guides", by="stage", v=OFFSITE))
    assert_shown_as_text(go(reader, "learning"), title)
    assert_shown_as_text(go(reader, "similar", id="G-2025-950"), f"正在查找与《{title}（G-2025-950）》相似的案例。")
    assert_shown_as_text(go(reader, "casebook", cat=OFFSITE, ctype="刑事"), escaped)
    assert_shown_as_text(go(reader, "search", cat=OFFSITE), escaped)  # a facet value from the URL
    assert_shown_as_text(go(reader, "stats"))


def test_the_audit_log_shows_control_characters_from_a_failed_login_as_escapes(env):
    with pytest.raises(KBError):
        accounts.authenticate(env, "zhao\x1b[2J\u202e", "wrong-password")
    log = go(logged_in("admin"), "audit_log")
    table = log.dataframe[0].value
    failed = table[table["操作"] == "登录失败"]
    assert list(failed["用户"]) == list(failed["对象"]) == ["zhao\\x1b[2J\\u202e"]


@pytest.mark.parametrize(
    "text",
    [
        OFFSITE,
        "<img src=http://203.0.113.9/a.png>",
        "[链接](https://203.0.113.9/) 与 [引用][r]\n\n[r]: http://203.0.113.9/",
        "www.example.com 与 someone@example.com",
        ":material/home: :red[红字] $x^2$ ~~删除~~ **粗** `代码`",
        "1. 列表\n# 标题\n> 引用\n===\n| a | b |\n|---|---|",
    ],
    ids=["image", "html", "links", "bare-addresses", "streamlit-directives", "blocks"],
)
def test_md_leaves_nothing_markdown_would_read_and_shows_the_text_as_typed(text):
    from ui.markup import code, md

    escaped = md(text)
    assert not UNESCAPED.search(escaped)
    assert re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped) == text  # each escape shows its character
    assert code(text).count("`") == 2 and "\n" not in code(text)
