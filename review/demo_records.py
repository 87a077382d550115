"""Synthetic records from three AI systems, for trying the workbench and for benchmarks."""

import random
from typing import Any

_SUBJECTS = [
    ("Cannot log in after password reset", "account", "identity"),
    ("Charged twice for my subscription", "billing", "payments"),
    ("Export to CSV times out", "bug", "platform"),
    ("How do I add a teammate?", "how-to", "support"),
    ("Please delete my account and data", "privacy", "legal"),
    ("API returns 500 on /orders", "bug", "platform"),
]
_VENDORS = ["Acme Supplies", "Northwind Traders", "Globex GmbH", "Initech Ltd", "Umbrella Corp"]
_POSTS = [
    ("Great write-up, thanks for sharing!", "allow"),
    ("Buy cheap followers at hxxp://spam.example", "remove"),
    ("You are all idiots and should quit", "restrict"),
    ("<script>alert('hi')</script> lol", "remove"),
    ("Check <a href=\"javascript:alert(1)\">this</a> out", "remove"),
    ("Does anyone know a good hiking trail near Lyon?", "allow"),
]

SYSTEMS = (
    ("helpdesk-ai", "ticket-triage", ("triage-v3", "triage-v4")),
    ("helpdesk-ai", "reply-draft", ("reply-v1", "reply-v2")),
    ("invoice-reader", "invoice-extraction", ("extract-2025.09", "extract-2026.02")),
    ("modbot", "content-moderation", ("mod-1.4", "mod-1.5")),
)
GUIDELINES = {
    "ticket-triage": "Check the category and the owning team. Priority is high only when the "
    "customer cannot work at all.",
    "invoice-extraction": "Compare every field with the document. Totals include tax; dates are "
    "ISO 8601.",
    "reply-draft": "The reply must answer the customer's question, promise nothing we cannot do "
    "(refunds over 100 EUR need a lead), and keep the customer's name right.",
    "content-moderation": "Remove spam and illegal content, restrict insults, allow the rest. "
    "When unsure, escalate.",
}


def demo_record(rng: random.Random, index: int) -> dict[str, Any]:
    """One plausible record; its confidence is lower when the AI is more likely wrong."""
    source, task, versions = SYSTEMS[index % len(SYSTEMS)]
    model_version = versions[1] if rng.random() < 0.6 else versions[0]
    confidence = round(min(1.0, max(0.0, rng.betavariate(8, 2))), 3)
    record: dict[str, Any] = {
        "external_id": f"{source}-{index:08d}",
        "source": source,
        "task": task,
        "model_version": model_version,
        "confidence": confidence if rng.random() > 0.03 else None,
        "impact": rng.choices(["low", "medium", "high", None], [40, 40, 8, 12])[0],
        "tags": ["demo"],
    }
    record.update(_CONTENT[task](rng, index))
    return record


def _ticket(rng: random.Random, index: int) -> dict[str, Any]:
    subject, category, team = rng.choice(_SUBJECTS)
    return {
        "input": {"subject": subject, "body": f"Ticket #{index}: {subject.lower()}.",
                  "customer_tier": rng.choice(["free", "pro", "enterprise"])},
        "output": {"category": category, "team": team,
                   "priority": rng.choice(["low", "normal", "high"])},
    }


_NAMES = ["Maria", "Jonas", "Aiko", "Fatima", "Liam", "Chloé"]
_PRODUCTS = ["Paper A4, 500 sheets", "Toner cartridge 26X", "USB-C dock", "Desk lamp", "Cable ties",
             "Monitor arm", "Label printer tape", "Whiteboard markers", "Ergonomic mouse"]


def _reply(rng: random.Random, index: int) -> dict[str, Any]:
    subject, _category, _team = rng.choice(_SUBJECTS)
    name = rng.choice(_NAMES)
    question = f"Hello,\n\n{subject}. I have tried everything on your help pages.\n\nThanks,\n{name}"
    reply = (
        f"Hi {name},\n\nThank you for getting in touch about \"{subject.lower()}\", and sorry for "
        "the trouble this has caused you.\n\nI have looked into your account (ticket "
        f"#{index}). Here is what happened: our system flagged the request for a manual check, "
        "which delayed it. I have cleared the flag, so you should not see the problem again.\n\n"
        "If you still do, reply to this e-mail with a screenshot of the message you see and the "
        "time it appeared, and I will pass it straight to the engineers.\n\n"
        "Kind regards,\nAlex from Support"
    )
    return {"input": {"customer_message": question, "customer_tier": rng.choice(["free", "pro"])},
            "output": reply}


def _invoice(rng: random.Random, index: int) -> dict[str, Any]:
    vendor = rng.choice(_VENDORS)
    number = f"INV-{rng.randint(1000, 99999)}"
    lines: list[dict[str, Any]] = [
        {"line": line, "description": rng.choice(_PRODUCTS), "quantity": rng.randint(1, 20),
         "unit_price": round(rng.uniform(2, 300), 2)}
        for line in range(1, rng.choice([2, 3, 5, 8, 30]) + 1)
    ]
    total = round(sum(item["quantity"] * item["unit_price"] for item in lines) * 1.2, 2)
    document = "\n".join(
        [vendor, f"Invoice {number}", "",
         *(f"{item['line']:>2}  {item['description']:<24} {item['quantity']:>3} x {item['unit_price']:>8.2f}"
           for item in lines),
         "", f"Total due (incl. 20% VAT): {total:.2f} EUR"]
    )
    return {
        "input": {"document": document},
        "output": {"vendor": vendor, "invoice_number": number, "total": total,
                   "currency": "EUR", "due_date": f"2026-{rng.randint(1, 12):02d}-28",
                   "line_items": lines},
    }


def _post(rng: random.Random, index: int) -> dict[str, Any]:
    text, label = rng.choice(_POSTS)
    return {
        "input": {"post": text, "author_karma": rng.randint(-50, 5000)},
        "output": {"label": label, "policy": "spam" if label == "remove" else "civility"},
    }


_CONTENT = {
    "ticket-triage": _ticket,
    "reply-draft": _reply,
    "invoice-extraction": _invoice,
    "content-moderation": _post,
}
