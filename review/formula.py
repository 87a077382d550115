"""Spreadsheet formula neutralising for CSV cells (OWASP's CSV injection advice)."""

import unicodedata

# OWASP: a cell starting with one of these may run as a formula in a spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Spreadsheets also skip leading blanks (" ", U+00A0, U+3000, ...) and read full-width signs
# ("＝", "＋") as the ASCII ones, so the first character that is not blank counts, after NFKC.
_FORMULA_SIGNS = ("=", "+", "-", "@")


def neutralise_formula(text: str) -> str:
    """Prefix with `'` a cell that a spreadsheet would run as a formula, so it shows as text."""
    return "'" + text if _could_run(text) else text


def _could_run(text: str) -> bool:
    # Looking past opening `'` too quotes "'=1" as "''=1": so a reader who drops one `'` from a
    # cell whose rest would be quoted gets every original back, whatever it started with.
    unquoted = text.lstrip("'")
    if unquoted.startswith(_FORMULA_STARTS):
        return True
    first = next((char for char in unquoted if not _is_blank(char)), "")
    return unicodedata.normalize("NFKC", first).startswith(_FORMULA_SIGNS)


def _is_blank(char: str) -> bool:
    # Format characters (zero-width space, byte order mark, direction marks) are invisible.
    return char.isspace() or unicodedata.category(char) == "Cf"
