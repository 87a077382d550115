"""Typed text shown through Markdown reads exactly as typed."""

from ui.plain_text import literal


def test_markdown_and_streamlit_forms_are_escaped():
    assert literal("**a** :red[b] ![c](d)") == r"\*\*a\*\* \:red\[b\] \!\[c\]\(d\)"


def test_bare_urls_and_addresses_are_not_recognised_as_links():
    assert literal("see http://x.example or www.x.example or a@b.example") == (
        "see http\\:\u2060\\/\\/x\\.example or www\u2060\\.x\\.example or a\\@\u2060b\\.example"
    )


def test_plain_words_are_left_alone():
    assert literal("item 12 is pending") == "item 12 is pending"
