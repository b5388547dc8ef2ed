"""as_markdown_text: what a user typed, put into a markdown message, renders as typed."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from studio.ui.text import as_markdown_text

COMMONMARK = MarkdownIt("commonmark")


def rendered_text(markdown: str) -> str:
    out = COMMONMARK.render(f"Refused: {markdown} is not one.")
    assert out.startswith("<p>") and out.endswith("</p>\n"), out  # one plain paragraph
    return html.unescape(out[len("<p>") : -len("</p>\n")])


def test_links_images_emphasis_code_and_html_render_as_their_characters():
    for typed in [
        "![t](http://192.0.2.1/x.png)",
        "[site](http://192.0.2.1/)",
        "<img src=http://192.0.2.1/x.png>",
        "**bold** _it_ `code` ~~gone~~ a\\b &amp; <http://192.0.2.1/>",
    ]:
        assert rendered_text(as_markdown_text(typed)) == f"Refused: {typed} is not one."
    assert "<img" in rendered_text("![t](http://192.0.2.1/x.png)")  # unescaped, it would fetch


@given(st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=40))
def test_any_printable_ascii_renders_as_typed(typed: str):
    shown = rendered_text(as_markdown_text(typed))
    # Markdown itself trims and collapses spaces at a paragraph's ends: compare the rest.
    assert shown.split() == f"Refused: {typed} is not one.".split()
