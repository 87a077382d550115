"""Messages that may quote what someone typed, shown through Streamlit's Markdown as plain text.

`st.error`, `st.warning`, `st.info`, `st.success` and `st.toast` render Markdown: a typed
`![x](http://host/x.png)` would be fetched, `:red[…]` coloured, a bare URL made a live link.
"""

import re

import streamlit as st

# CommonMark lets any ASCII punctuation be escaped with a backslash, which shows it literally;
# that also stops Streamlit's `:colour[…]`, `:material/…:` and `:emoji:` forms.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub-flavoured Markdown links bare URLs and e-mail addresses even when escaped: an invisible
# word joiner after the scheme, `www` or `@` keeps them from being recognised.
_AUTOLINK = re.compile(r"(?i)(https?:|ftp:|mailto:|www|@)")
_WORD_JOINER = "\u2060"


def literal(text: str) -> str:
    """`text` as Markdown that renders exactly as the text reads, with no link, image or format."""
    joined = _AUTOLINK.sub(lambda match: match.group(1) + _WORD_JOINER, text)
    return _PUNCTUATION.sub(r"\\\1", joined)


def show_error(message: str) -> None:
    """An error box holding `message` as plain text."""
    st.error(literal(message))


def show_warning(message: str) -> None:
    """A warning box holding `message` as plain text."""
    st.warning(literal(message))


def show_toast(message: str) -> None:
    """A toast holding `message` as plain text."""
    st.toast(literal(message))
