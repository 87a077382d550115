"""Gold items: records with a known answer, served blind, that measure each reviewer's accuracy.

A gold answer is `{"decision": "approve" | "edit" | "reject", "output": …}`. `output` is required
for `edit` (the corrected output a reviewer should arrive at) and refused for `approve` and
`reject`: an approval's output is the AI output itself, and a rejection has none, so a second
value could only contradict the first.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine

from review.actors import Actor
from review.enums import Outcome
from review.errors import InvalidRequest
from review.permissions import Permission, require
from review.records import Record
from review.statistics import Proportion, proportion
from storage.engine import reading
from storage.repositories.gold import list_gold_decisions

_OUTCOME_OF_GOLD = {"approve": Outcome.APPROVED, "edit": Outcome.EDITED, "reject": Outcome.REJECTED}
_GOLD_KEYS = frozenset({"decision", "output"})
GOLD_FORMAT = '"gold": {"decision": "approve|edit|reject", "output": … (edit only)}'


@dataclass(frozen=True)
class GoldAnswer:
    """One reviewer's decision on a gold item, beside the item's known answer."""

    reviewer: str
    outcome: str
    output_after: Any
    gold: dict[str, Any]


@dataclass(frozen=True)
class ReviewerAccuracy:
    """How often one reviewer's decisions on gold items matched the known answer."""

    reviewer: str
    accuracy: Proportion

    @property
    def answered(self) -> int:
        """Gold items the reviewer decided."""
        return self.accuracy.total

    @property
    def correct(self) -> int:
        """Of those, how many matched the known answer."""
        return self.accuracy.successes


def with_gold_answer(record: Record, raw: dict[str, Any]) -> Record:
    """The record carrying its validated gold answer; raise InvalidRequest naming the field at fault."""
    gold = raw.get("gold")
    if gold is None:
        raise InvalidRequest("'gold' is required in a gold file: {\"decision\": …, \"output\": …}",
                             field="gold")
    if not isinstance(gold, dict):
        raise InvalidRequest("'gold' must be an object {\"decision\": …, \"output\": …}", field="gold")
    unknown = sorted(str(key)[:50] for key in set(gold) - _GOLD_KEYS)
    if unknown:
        raise InvalidRequest(f"unknown field 'gold.{unknown[0]}'", field=f"gold.{unknown[0]}")
    decision = gold.get("decision")
    if decision not in _OUTCOME_OF_GOLD:
        raise InvalidRequest(f"'gold.decision' must be approve, edit or reject, got {decision!r}"[:200],
                             field="gold.decision")
    has_output = gold.get("output") is not None
    if decision == "edit" and not has_output:
        raise InvalidRequest("'gold.output' is required when 'gold.decision' is edit: the corrected "
                             "output a reviewer should arrive at", field="gold.output")
    if decision != "edit" and has_output:
        raise InvalidRequest(f"'gold.output' is only for edit; a gold {decision} has no output of its "
                             "own", field="gold.output")
    if decision == "edit" and canonical_json(gold["output"]) == canonical_json(record.output):
        raise InvalidRequest("'gold.output' equals the AI output: that answer is approve, not edit",
                             field="gold.output")
    return replace(record, gold={"decision": decision, "output": gold.get("output")})


def canonical_json(value: Any) -> str:
    """One text per JSON value, whatever its key order or spacing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def is_correct(answer: GoldAnswer) -> bool:
    """Same decision as the gold answer and, for an edit, the same corrected output."""
    expected = _OUTCOME_OF_GOLD[answer.gold["decision"]]
    if answer.outcome != expected:
        return False
    if expected is Outcome.EDITED:
        return canonical_json(answer.output_after) == canonical_json(answer.gold["output"])
    return True


def reviewer_accuracy(answers: Iterable[GoldAnswer]) -> list[ReviewerAccuracy]:
    """Per reviewer, correct answers out of gold items decided, with a 95 % Wilson interval."""
    tallies: dict[str, list[int]] = {}
    for answer in answers:
        tally = tallies.setdefault(answer.reviewer, [0, 0])
        tally[0] += is_correct(answer)
        tally[1] += 1
    return [ReviewerAccuracy(reviewer, proportion(correct, total))
            for reviewer, (correct, total) in sorted(tallies.items())]


def gold_accuracy(engine: Engine, actor: Actor) -> list[ReviewerAccuracy]:
    """Each reviewer's accuracy on gold items (their approve, edit and reject decisions on them)."""
    require(actor, Permission.VIEW_DASHBOARD)
    with reading(engine) as session:
        rows = list_gold_decisions(session=session)
    return reviewer_accuracy(GoldAnswer(*row) for row in rows)
