"""The review page's layout: one screen at 1280×720, long content scrolling inside its own panes.

Our own constant CSS, no user text: Streamlit sends a style-only `st.html` to the page's event
container, so it takes no room. Panes are keyed containers (`st-key-review_pane_…`).
"""

import streamlit as st

# Everything above and below the panes: top bar, title row, item header, tabs, paddings.
_CHROME_HEIGHT = "16.5rem"

REVIEW_LAYOUT_CSS = f"""
<style>
[data-testid="stMainBlockContainer"] {{
  padding: 2.5rem 1.5rem 0.5rem 1.5rem; max-width: none;
}}
[data-testid="stSidebar"] {{ width: 15rem !important; min-width: 15rem !important; }}
[data-testid="stMainBlockContainer"] [data-testid="stAlert"] > div {{ padding: 0.45rem 0.9rem; }}
.stFormSubmitButton button {{ min-height: 2.2rem; padding: 0.2rem 0.6rem; }}
.st-key-review_title_row h1 {{ font-size: 1.6rem; padding: 0; }}
.st-key-review_title_row {{ gap: 1.5rem; }}
.st-key-review_header {{ font-weight: 600; font-size: 0.875rem; row-gap: 0.1rem; column-gap: 1.1rem; }}
.st-key-review_header [data-testid="stText"] {{ white-space: nowrap; }}
.st-key-review_header .stElementContainer:first-child [data-testid="stText"] {{
  white-space: normal; word-break: break-all; max-width: 24rem;
}}
.stVerticalBlock[class*="st-key-review_pane_"] {{
  flex: none; height: calc(100vh - {_CHROME_HEIGHT}); min-height: 10rem; overflow-y: auto; overflow-x: hidden;
  flex-wrap: nowrap;
}}
[class*="st-key-review_pane_"] .stVerticalBlock {{ flex: 0 0 auto; }}
[class*="st-key-review_pane_"] [data-testid="stText"] {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
[class*="st-key-review_field_"] > .stElementContainer:first-child [data-testid="stText"] {{
  font-size: 0.8rem; opacity: 0.65;
}}
[class*="st-key-review_problem_"] * {{ color: #c62828; font-size: 0.85rem; font-weight: 600; }}
[class*="st-key-review_problem_"] {{ margin-top: -0.35rem; }}
[class*="st-key-review_escalation_"] {{
  max-height: 5.5rem; overflow-y: auto; gap: 0.1rem; font-size: 0.85rem; flex: none;
}}
[class*="st-key-review_escalation_"] .stElementContainer:first-child {{ font-weight: 600; }}
[data-testid="stTabs"] [data-baseweb="tab-list"] {{ gap: 1rem; }}
</style>
"""


def apply_review_layout() -> None:
    """Give the review page its one-screen layout."""
    st.html(REVIEW_LAYOUT_CSS)
