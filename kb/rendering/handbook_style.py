"""The print stylesheet of the handbook: A4 pages, running header, page numbers and the footer line on every page."""

from __future__ import annotations

from kb.rendering.pdf import FONT_STACK

# WeasyPrint's paged-media CSS: page-margin boxes, string-set for the running header, and
# target-counter() for the page numbers of the table of contents.
_CSS = """
@page {
  size: A4;
  margin: 22mm 18mm 22mm 18mm;
  @top-center { content: string(running); font-size: 8.5pt; color: #555; width: 100%;
                border-bottom: 0.4pt solid #999; padding-bottom: 2mm; vertical-align: bottom; }
  @bottom-left { content: "FOOTER"; font-size: 8pt; color: #555; }
  @bottom-right { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 8pt; color: #555; }
}
@page cover { @top-center { content: none; border: none; } }
html { font-family: FONTS; font-size: 10.5pt; line-height: 1.65; color: #111; }
body { margin: 0; }
h1, h2, h3, h4 { line-height: 1.35; break-after: avoid; }
p, li { orphans: 2; widows: 2; }
a { color: inherit; text-decoration: none; }

.cover { page: cover; break-after: page; text-align: center; padding-top: 55mm; }
.cover-bureau { font-size: 20pt; letter-spacing: 0.2em; }
.cover-title { font-size: 32pt; margin: 18mm 0 10mm; letter-spacing: 0.1em; bookmark-level: none; }
.cover-count { font-size: 12pt; color: #444; }
.cover-date { font-size: 14pt; margin-top: 70mm; }

.toc { break-after: page; }
.toc-title { text-align: center; font-size: 18pt; string-set: running content(); bookmark-level: 1; }
.toc ol { list-style: none; padding: 0; margin: 0; }
.toc li { margin: 0 0 2.5mm; }
.toc a::after { content: leader(".") target-counter(attr(href url), page); }
.toc-id { display: inline-block; min-width: 26mm; color: #555; }

.doc { break-before: page; }
.doc-title { font-size: 17pt; margin: 0 0 3mm; string-set: running content(); bookmark-level: 1; }
.doc-meta { font-size: 9pt; color: #333; border-top: 0.6pt solid #333; border-bottom: 0.6pt solid #333;
            padding: 1.5mm 0; margin-bottom: 5mm; }
.doc-meta span { margin-right: 5mm; white-space: nowrap; }
.gist { border: 1pt solid #8a6d3b; background: #fcf8e3; padding: 3mm 4mm; margin: 0 0 5mm; break-inside: avoid; }
.gist strong { display: block; margin-bottom: 1mm; }
.doc-body h1 { font-size: 14pt; bookmark-level: 2; }
.doc-body h2 { font-size: 13pt; margin: 6mm 0 2mm; bookmark-level: 2; }
.doc-body h3 { font-size: 11.5pt; bookmark-level: 3; }
.doc-body h4, .doc-body h5, .doc-body h6 { font-size: 10.5pt; bookmark-level: none; }
.doc-body table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 3mm 0; }
.doc-body th, .doc-body td { border: 0.5pt solid #777; padding: 1.2mm 1.8mm; vertical-align: top; }
.doc-body th { background: #eee; }
.doc-body thead { display: table-header-group; }
.doc-body tr { break-inside: avoid; }
.doc-body blockquote { border-left: 2pt solid #bbb; margin: 3mm 0; padding-left: 4mm; color: #333; }
.doc-body code, .doc-body pre { font-family: FONTS; }
/* A long word with no break in it (a web address, a file or case number, a code line) wraps instead of
   running off the page: WeasyPrint never scrolls or shrinks what does not fit. */
.doc-body, .gist, .law { overflow-wrap: anywhere; }
.doc-body pre { white-space: pre-wrap; }
.kb-cite { border-bottom: 0.4pt dotted #555; }
.kb-cite-note { font-size: 8.5pt; color: #555; }
.kb-image-note { color: #555; }

.appendix { break-before: page; }
.appendix-title { font-size: 17pt; string-set: running content(); bookmark-level: 1; }
.law { break-inside: avoid; margin: 0 0 4mm; }
.law h3 { font-size: 11pt; margin: 0 0 1mm; bookmark-level: none; }
.law h3 small { font-weight: normal; color: #555; margin-left: 2mm; }
.law p { margin: 0 0 1mm; text-indent: 2em; }
.law .cited-by, .law .missing { text-indent: 0; font-size: 8.5pt; color: #555; }
"""


def _css_string(text: str) -> str:
    """Text inside a CSS string: backslash, quotes, line ends and angle brackets escaped."""
    return "".join(f"\\{ord(ch):x} " if ch in '\\"\n\r<>' else ch for ch in text)


def stylesheet(footer: str) -> str:
    """The handbook's CSS, with `footer` at the foot of every page."""
    return _CSS.replace("FOOTER", _css_string(footer)).replace("FONTS", FONT_STACK)
