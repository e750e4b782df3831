"""HTML to PDF with WeasyPrint, with nothing fetched from another machine and the Chinese font checked."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kb.errors import KBError

# The font stack of printed pages: the Debian package fonts-wqy-microhei first, then other CJK fonts a
# server may have instead. Found by family name through fontconfig; no font file is ever downloaded.
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC")
FONT_STACK = ", ".join(f'"{family}"' for family in CJK_FAMILIES) + ", sans-serif"
MISSING_FONT = (
    "本机没有可用的中文字体，PDF 中的汉字会显示为方框；"
    "请由管理员安装文泉驿微米黑（Debian/Ubuntu：apt-get install fonts-wqy-microhei）后重试"
)
# Only inline data: URLs are read; everything else (http, https, ftp, file …) is refused.
ALLOWED_SCHEMES = ("data",)


class PDFError(KBError):
    """A PDF could not be made (no PDF engine, no Chinese font)."""


@dataclass(frozen=True)
class PDF:
    """A rendered PDF, its page count and the URLs the engine asked for and was refused."""

    data: bytes
    pages: int
    refused: tuple[str, ...] = ()


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Refuses every URL but data: (a handbook is printed on an intranet server: nothing it shows
        may come from, or tell, another machine) and remembers what was refused."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=ALLOWED_SCHEMES, allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                self.refused.append(url)
                raise ValueError(f"refused: {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher


def html_to_pdf(html: str, *, title: str = "") -> PDF:
    """Lay out one HTML document (its <style> included) and write it as PDF with its fonts embedded.

    Raises PDFError when WeasyPrint or its system libraries are missing, or when no Chinese font was found.
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries WeasyPrint loads are not installed
        raise PDFError(
            "无法生成 PDF：缺少排版组件 WeasyPrint 或其系统库（Pango）；"
            f"请由管理员安装（pip install weasyprint；apt-get install libpango-1.0-0 libpangoft2-1.0-0）（{exc}）"
        ) from exc
    fetcher = _fetcher_class()()
    # WeasyPrint logs each refused URL and unsupported CSS as a warning; the caller sees `refused` instead.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=html, url_fetcher=fetcher).render()
    if title:
        document.metadata.title = title
    data = document.write_pdf()
    families = {font.family for font in document.fonts.values()}
    if not families & set(CJK_FAMILIES):
        raise PDFError(MISSING_FONT)
    return PDF(data, len(document.pages), tuple(fetcher.refused))


def check_engine() -> None:
    """Raise PDFError when a PDF cannot be made here (no WeasyPrint, no Pango, no Chinese font): a one-character
    page, so that a page offering a download can say so before anyone clicks."""
    html_to_pdf(f'<p style="font-family: {FONT_STACK}">中</p>')


__all__ = ["CJK_FAMILIES", "FONT_STACK", "PDF", "PDFError", "check_engine", "html_to_pdf"]
