"""How the Dashboard writes its figures: percentages everywhere, and a reason where one is undefined."""

from review.metrics import Agreement

UNDEFINED = "—"


def percent(value: float | None, digits: int = 1) -> str:
    """`9.5%`, or `—` when there is no figure."""
    return UNDEFINED if value is None else f"{value:.{digits}%}"


def kappa_text(agreement: Agreement) -> str:
    """Cohen's κ to two decimals, or `—` with why it is undefined."""
    if agreement.kappa is not None:
        return f"{agreement.kappa:.2f}"
    if not agreement.pairs:
        return f"{UNDEFINED} (no pairs)"
    return f"{UNDEFINED} (undefined: every pair got the same single decision)"
