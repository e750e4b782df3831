"""类案检索: paste the facts of a case; get similar cases, applicable guides and statute articles.

The pasted text stays in this session only: it is never written to the URL or the search log.
"""

from __future__ import annotations

import html

import streamlit as st

from kb.statutes.citations import articles_label
from ui import cards, markup, messages, services, urls

MAX_CHARS = 20000
EXAMPLE = (
    "2023年3月至5月，犯罪嫌疑人张某在城关镇某小区先后三次盗窃停放在楼道内的电动车电瓶，"
    "价值共计800元。民警调取小区及沿途视频监控，锁定张某后将其传唤到案，张某如实供述。"
)


@st.cache_data(max_entries=64, show_spinner=False)
def _similar(s, version: str, text: str, doc_id: str):
    svc = services.search_service(s)
    return svc.similar(text=text or None, doc_id=doc_id or None, limit=10)


def similar(text: str = "", doc_id: str = ""):
    s = services.settings()
    return _similar(s, services.index_version(s), text, doc_id)


def reasons(hit, cited: set[str] = frozenset()) -> str:
    if hit.type == "law":
        return "案情中直接引用" if hit.title in cited or set(hit.shared_laws) & cited else "相似案例引用了该条"
    parts = []
    if hit.shared_charges:
        parts.append("共同罪名：" + "、".join(hit.shared_charges))
    if hit.shared_laws:
        parts.append("共同引用：" + "、".join(hit.shared_laws[:4]))
    if hit.shared_terms:
        parts.append("共同关键词：" + "、".join(hit.shared_terms[:6]))
    return "；".join(parts)


SURE = 0.9  # a reading at least this probable is stated plainly (right 84% of the time on LeCaRD)


def show_group(title: str, hits, empty: str, icon: str, cited: set[str] = frozenset()) -> None:
    st.subheader(title)
    if not hits:
        st.caption(empty)
        return
    for hit in hits:
        meta = markup.badges(hit.type, hit.category if hit.type != "law" else "", "", None, hit.status)
        why = reasons(hit, cited)
        summary = (markup.excerpt(hit.summary, 140) if hit.summary else "") or None  # no empty line
        foot = f"相似原因：{html.escape(why)}" if why else ""
        if hit.id:
            title = hit.title + (f"（{hit.year}）" if hit.year else "")
            cards.card(title, {"id": hit.id}, icon, meta, summary, foot)
            continue
        with st.container(border=True):
            st.markdown(f"**{markup.md(hit.title)}**")
            st.caption("法条库未收录该条文")
            cards.card_body(meta, summary, foot)


def facts_input(svc) -> tuple[str, str]:
    """The document (?id=) whose like is sought, or the form the facts are pasted into: (doc_id, text)."""
    doc_id = urls.url_param("id")
    if doc_id:
        doc = svc.document(doc_id)
        name = f"{doc['title']}（{doc_id}）" if doc else doc_id
        st.info(f"正在查找与《{markup.md(name)}》相似的案例。", icon=":material/compare_arrows:")
        if st.button("改为粘贴案情", key="similar_clear_id"):
            del st.query_params["id"]
            st.rerun()
        return doc_id, ""
    with st.form("similar_form", border=False):
        st.text_area("案情描述", key="similar_text", height=220, max_chars=MAX_CHARS, placeholder="例：" + EXAMPLE)
        submitted = st.form_submit_button("检索类案", type="primary", icon=":material/search:")
    if submitted:
        st.session_state["similar_submitted"] = (st.session_state.get("similar_text") or "").strip()
    return "", st.session_state.get("similar_submitted", "")


def read_from_facts(results, text: str) -> str:
    """What was read from the facts: charges (and how sure), articles and key words; "" when nothing."""
    found = []
    if results.charges and results.confidence >= SURE:
        found.append("罪名/违法行为：" + "、".join(results.charges))
    elif results.charges:
        found.append("可能涉及：" + "、".join(results.charges) + f"（把握 {results.confidence:.0%}）")
    elif text:
        found.append("罪名：无法从案情判断（按案情相似度排列）")
    if results.citations:
        found.append("法条：" + articles_label(results.citations))
    if results.terms:
        found.append("关键词：" + "、".join(results.terms[:10]))
    return "；".join(found)


def main() -> None:
    st.title("类案检索")
    st.caption("粘贴案情（可达数千字），系统找出相似的精品案例、适用的办案指引和相关法条。案情内容不会被记录。")
    svc = services.require_service()
    doc_id, text = facts_input(svc)
    if not doc_id and not text:
        st.markdown("**使用提示**")
        st.markdown(
            "- 写清楚行为、手段、对象、数额、次数、后果，以及已掌握的证据。\n"
            "- 可以直接粘贴受案登记表、呈请报告中的案情部分。\n"
            "- 写明罪名或法条（如“盗窃罪”“刑法第二百六十四条”）会让结果更准确。"
        )
        return
    with messages.or_stop(), st.spinner("正在分析案情……"):
        results = similar(text, doc_id)
    found = read_from_facts(results, text)
    if found:
        st.caption(markup.md("从案情中识别出 —— " + found) + f"（用时 {results.took_ms:.0f} 毫秒）")
    # Cases that share no charge, article or two key words with the facts are only worded alike.
    cases = [h for h in results.cases if h.explained]
    cols = st.columns(3, gap="medium")
    with cols[0]:
        show_group("相似案例", cases, "没有找到相似的精品案例。", ":material/gavel:")
        if len(cases) < len(results.cases):
            hidden = len(results.cases) - len(cases)
            st.caption(f"另有 {hidden} 个案例与案情没有共同的罪名、法条，共同关键词不足两个，未列出。")
    with cols[1]:
        show_group("适用指引", results.guides, "没有找到适用的办案指引。", ":material/menu_book:")
    with cols[2]:
        cited = {articles_label([k]) for k in results.citations}
        show_group("相关法条", results.laws, "没有识别出相关法条。", ":material/balance:", cited)


main()
