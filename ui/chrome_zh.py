"""Streamlit's own English (labels, tooltips, screen-reader texts) rewritten in Chinese in the browser."""

from __future__ import annotations

import json

import streamlit as st

# Streamlit 1.67 has no locale setting: its frontend's strings are English literals (streamlit
# issue #1353, open since 2020). CSS (ui/static/casekb.css) can draw Chinese over visible text, but
# not over what a screen reader reads or a tooltip shows (aria-label, title, placeholder) and not
# over text that appears later in a portal (a table's toolbar tooltips, a multiselect's list), so a
# small script rewrites the known strings, from the tables below, whenever Streamlit renders them.
EXACT = {
    # page chrome
    "Sidebar": "侧栏",
    "App pages": "页面导航",
    "Collapse sidebar": "收起侧栏",
    "Expand sidebar": "展开侧栏",
    "Link to heading": "本节链接",
    "Help": "说明",
    "Running...": "正在运行……",
    "Close": "关闭",
    "Dismiss": "关闭",
    "Open": "展开",
    "progress": "进度",
    # (not "显示密码": the password box itself is labelled 密码)
    "Show password": "显示输入的字符",
    "Hide password": "隐藏输入的字符",
    "Show password text": "显示输入的字符",
    "Hide password text": "隐藏输入的字符",
    # select boxes and multiselects
    "Choose an option": "请选择",
    "Choose options": "请选择",
    "Select all": "全选",
    "Selected values": "已选的值",
    "Clear all": "全部清除",
    "No results": "没有匹配的选项",
    "No options to select": "没有可选项",
    # date boxes and their calendar (the rest follows the browser's language)
    "Choose date": "选择日期",
    "Previous month": "上个月",
    "Next month": "下个月",
    "year": "年",
    "month": "月",
    "day": "日",
    "Empty": "未填",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.": "用方向键选择日期，按回车键选定，按 Esc 键关闭。",
    # tables
    "Show/hide columns": "显示/隐藏列",
    "Download as CSV": "下载为 CSV",
    "Search": "查找",
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Add row": "添加行",
    "Delete row(s)": "删除行",
    "Hide column": "隐藏列",
    "Sort ascending": "升序排列",
    "Sort descending": "降序排列",
    # charts: the toolbar, and what Vega reads out for its parts (the app describes the chart itself)
    "Show data": "显示数据",
    "Download as PNG": "下载为 PNG 图片",
    "Copy Vega-Lite spec": "复制图表定义",
    "Copied!": "已复制",
    # pagination
    "Pagination": "分页",
    "Previous page": "上一页",
    "Next page": "下一页",
    # the dialog for an address that is no page (an old bookmark)
    "Page not found": "未找到该页面",
    "The page that you have requested does not seem to exist. Running the app's main page.": (
        "要打开的页面不存在（可能是旧的书签或链接），已转到首页。"
    ),
    # file uploads (what is seen is drawn by ui/static/casekb.css, with the app's own size limit)
    "file upload": "选择文件",
    # the browser tab, before the page's own title arrives
    "Streamlit": "案例指引库",
}
# Texts over which ui/static/casekb.css draws Chinese (font-size 0 and ::after, which
# a screen reader reads too): emptied, so that they are not read out in English as well.
DRAWN = (
    "Skip to main content",
    "Stop",
    "Connecting",
    "Connection error",
    "Press Enter to apply",
    "Press Enter to submit form",
    "Press Ctrl+Enter to apply",
    "Press Ctrl+Enter to submit form",
    "Press ⌘+Enter to apply",
    "Press ⌘+Enter to submit form",
    "Upload",
    "Browse files",
    "Drag and drop file here",
)
PATTERNS = [  # (JavaScript regular expression, replacement)
    (r"^Page (\d+)$", "第 $1 页"),
    (r"^Help for (.+)$", "“$1”的说明"),
    (r"^Remove (.+)$", "移除“$1”"),
    (r"^(\d+) options? available\.?$", "共 $1 个选项"),
    (r"^(\d+) results? available\.?$", "共 $1 个结果"),
    (r"^Choose date, (.+)$", "选择日期，$1"),
    (r"^year, (.+)$", "年，$1"),
    (r"^month, (.+)$", "月，$1"),
    (r"^day, (.+)$", "日，$1"),
    (r"^(\d+) – [A-Z][a-z]+$", "$1 月"),  # a month's number and English name
    (r"^[\d.]+\s?[KMG]B per file( • .*)?$", ""),  # Streamlit's default limit, not the app's
    (r"^[a-z0-9_]+ icon$", ""),  # a :material/…: icon's name, read out before its label
]
# What a chart's parts are, read out by a screen reader (Vega's aria-roledescription); only that
# attribute is rewritten from this table, so that a word such as "title" elsewhere is left alone.
ROLES = {
    "visualization": "图表",
    "group mark container": "图形组",
    "rect mark container": "条形组",
    "text mark container": "文字组",
    "rule mark container": "线组",
    "axis": "坐标轴",
    "legend": "图例",
    "title": "标题",
    "bar": "条形",
}
# Streamlit's dialogs without app elements are its connection-lost dialog, which ui/static/casekb.css
# rewrites, except these: the script marks them (data-kb-zh) so that the CSS leaves them alone.
OWN_DIALOGS = ["Page not found"]

SCRIPT = """<script>
(() => {
  if (window.casekbChromeZh) return;  // one observer per tab, however often the page reruns
  window.casekbChromeZh = true;
  const EXACT = %(exact)s;
  const PATTERNS = %(patterns)s.map(([re, to]) => [new RegExp(re), to]);
  const ATTRS = ['aria-label', 'title', 'placeholder', 'aria-placeholder', 'aria-valuetext', 'aria-roledescription'];
  // What the app writes itself (documents, results, the editor's text) is left as it is.
  // Nor are icons: their text is the icon's name, drawn as a glyph by the icon font.
  const CONTENT = '[data-testid="stMain"] [data-testid="stMarkdownContainer"]:not(button *), textarea, input, pre, '
    + 'code, .kb-doc, [translate="no"]';
  const DIALOGS = %(dialogs)s;
  const ROLES = %(roles)s;
  const zh = s => {
    const t = s.trim();
    if (!t || !/[A-Za-z]/.test(t)) return null;
    if (Object.prototype.hasOwnProperty.call(EXACT, t)) return s.replace(t, EXACT[t]);
    for (const [re, to] of PATTERNS) if (re.test(t)) return s.replace(t, t.replace(re, to));
    return null;
  };
  const text = node => {
    const el = node.parentElement;
    if (!el || el.closest('script, style') || el.closest(CONTENT)) return;
    if (DIALOGS.includes(node.nodeValue.trim())) el.closest('section[role="dialog"]')?.setAttribute('data-kb-zh', '');
    const to = zh(node.nodeValue);
    if (to !== null) node.nodeValue = to;
  };
  const attrs = el => {
    if (el.matches('span[role="img"][aria-label$=" icon"]')) el.setAttribute('aria-hidden', 'true');  // decorative
    for (const name of ATTRS) {
      const value = el.getAttribute(name);
      if (value === null) continue;
      const to = name === 'aria-roledescription' ? (Object.hasOwn(ROLES, value.trim()) ? ROLES[value.trim()] : zh(value)) : zh(value);
      if (to === '') el.removeAttribute(name);
      else if (to !== null) el.setAttribute(name, to);
    }
  };
  const fix = root => {
    if (root.nodeType === Node.TEXT_NODE) return text(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    attrs(root);
    root.querySelectorAll('*').forEach(attrs);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) text(node);
  };
  const title = () => { const to = zh(document.title); if (to) document.title = to; };
  new MutationObserver(records => {
    for (const r of records) {
      if (r.type === 'childList') r.addedNodes.forEach(fix);
      else if (r.type === 'characterData') text(r.target);
      else attrs(r.target);
    }
    title();
  }).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRS,
  });
  fix(document.body);
  title();
})();
</script>"""

# The element holding the script draws nothing; its container takes no room in the page.
HIDE_CSS = '<style>[data-testid="stLayoutWrapper"]:has(> .st-key-kb_chrome_zh) { display: none; }</style>'


def _js(value: object) -> str:
    """A value as a JavaScript literal that cannot end the <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def script() -> str:
    """The <script> element that keeps Streamlit's English out of the page."""
    exact = EXACT | dict.fromkeys(DRAWN, "")
    return SCRIPT % {"exact": _js(exact), "patterns": _js(PATTERNS), "dialogs": _js(OWN_DIALOGS), "roles": _js(ROLES)}


def inject() -> None:
    """Put the script into the page (once per tab; later runs find it already watching)."""
    st.html(HIDE_CSS)
    with st.container(key="kb_chrome_zh"):
        st.html(script(), unsafe_allow_javascript=True)
