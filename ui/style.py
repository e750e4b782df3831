"""The app's stylesheet (ui/static/casekb.css), the favicon and the scroll script."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import streamlit as st

from kb.content.validation import MAX_FILE_BYTES
from ui import chrome_zh

STYLESHEET = Path(__file__).with_name("static") / "casekb.css"

# The favicon is drawn here: a :material/…: page icon would be fetched from fonts.gstatic.com.
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="5" fill="#1d4f91"/>'
    '<path d="M12 4v15M7 19h10M5 8h14M5 8l-2.5 6h5zM19 8l-2.5 6h5z" stroke="#fff" stroke-width="1.5" '
    'fill="none" stroke-linejoin="round"/></svg>'
)


# Hand-written: Streamlit has no call that scrolls the page. The anchor is drawn by an element of
# its own; the nonce makes each request a new script (an unchanged one is not run again).
SCROLL_SCRIPT = """<script>(() => {
  let tries = 0;
  const go = () => {
    const top = window.parent.document.querySelector(ANCHOR) || document.querySelector(ANCHOR);
    if (top) top.scrollIntoView({block: 'start'}); else if (tries++ < 100) setTimeout(go, 50);
  };
  go();
})(); /* NONCE */</script>"""


def scroll_to(anchor_class: str, nonce: object) -> None:
    """Scroll the page so that the element with class `anchor_class` is at the top of the window."""
    script = SCROLL_SCRIPT.replace("ANCHOR", json.dumps("." + anchor_class)).replace("NONCE", str(nonce))
    st.html(script, unsafe_allow_javascript=True)


@cache
def stylesheet() -> str:
    """The stylesheet as one <style> element, read once per process."""
    # The uploader names the size limit; a bigger file is refused in Chinese.
    css = STYLESHEET.read_text(encoding="utf-8").replace("MAX_MB", str(MAX_FILE_BYTES // (1024 * 1024)))
    return f"<style>\n{css}</style>"


def inject_css() -> None:
    """Fonts that render Chinese from local files, badges, highlights and the print layout."""
    st.html(stylesheet())
    chrome_zh.inject()  # Streamlit's labels, tooltips and screen-reader texts
