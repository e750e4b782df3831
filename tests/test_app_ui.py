"""The pages' shared components in ui/: error display, result cards, URL-bound widgets, the stylesheet."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

TIMEOUT = 30


def test_a_core_error_in_a_guarded_block_is_shown_and_the_page_goes_on():
    def page():
        import streamlit as st

        from kb.errors import AuthError
        from ui import messages

        with messages.shown_errors() as outcome:
            raise AuthError("用户“张三”已停用；请联系管理员")
        st.write(f"failed={outcome.failed}")
        with messages.shown_errors() as fine:
            pass
        st.write(f"failed={fine.failed}")

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert [e.value for e in at.error] == ["用户“张三”已停用；请联系管理员"]
    assert [m.value for m in at.markdown] == ["failed=True", "failed=False"]


def test_a_content_error_is_listed_by_the_callers_own_function_when_given():
    def page():
        import streamlit as st

        from kb.errors import ContentError, Problem
        from ui import messages

        problem = Problem("guides/a.md", 3, "category", "未知类别“盗抢”")
        with messages.shown_errors(problems=lambda problems: st.write(f"{len(problems)} 处")):
            raise ContentError([problem])
        with messages.shown_errors(icon=":material/error:"):
            raise ContentError([problem])

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert [m.value for m in at.markdown] == ["1 处"]
    assert [e.value for e in at.error] == ["共 1 处错误，涉及 1 个文件\n\n- `guides/a.md:3: category: 未知类别“盗抢”`"]
    assert at.error[0].icon == ":material/error:"


def test_or_stop_shows_the_error_and_ends_the_run_there():
    def page():
        import streamlit as st

        from kb.errors import QueryError
        from ui import messages

        with messages.or_stop():
            raise QueryError("检索式不能只有“*”")
        st.write("not reached")

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert [e.value for e in at.error] == ["检索式不能只有“\\*”"]
    assert not at.markdown
    assert not at.exception


def test_a_cards_lines_are_drawn_as_given_with_no_empty_excerpt_line_unless_asked():
    # The link above them needs the app's pages (st.navigation): the pages' own tests show it.
    def page():
        from ui import cards

        cards.card_body("<b>m</b>", "s", "f")
        cards.card_body("m", "", "", hit=True)
        cards.card_body("m")

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert [h.proto.body for h in at.html] == [
        '<div class="kb-meta"><b>m</b></div><div class="kb-snippet">s</div><div class="kb-meta">f</div>',
        '<div class="kb-hit"><div class="kb-meta">m</div><div class="kb-snippet"></div></div>',
        '<div class="kb-meta">m</div>',
    ]


def test_a_bound_widget_shows_the_url_value_and_writes_changes_back_leaving_defaults_out():
    def page():
        import streamlit as st

        from ui import urls

        chosen = urls.url_param("sort", "new", ("new", "old"))
        st.selectbox("排序", ["new", "old"], **urls.bind("t_sort", "sort", chosen, "new"))
        st.toggle("含不再参照", **urls.bind("t_old", "old", urls.url_param("old") == "1", False))

    at = AppTest.from_function(page, default_timeout=TIMEOUT)
    at.query_params["sort"] = "old"
    at.run()
    assert at.selectbox[0].value == "old"
    assert at.toggle[0].value is False
    at.toggle[0].set_value(True).run()
    assert dict(at.query_params) == {"sort": "old", "old": "1"}
    at.selectbox[0].set_value("new").run()
    assert dict(at.query_params) == {"old": "1"}


def test_the_stylesheet_is_one_style_element_naming_the_upload_limit():
    from kb.content.validation import MAX_FILE_BYTES
    from ui.style import stylesheet

    css = stylesheet()
    assert css.startswith("<style>\n") and css.endswith("</style>")
    assert css.count("<style>") == 1
    assert f"单个文件不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB" in css
    assert "MAX_MB" not in css
