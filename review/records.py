"""The contract's record schema: validate one raw record into a `Record`, or say what is wrong."""

import json
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import c_encode_basestring_ascii, c_make_encoder  # type: ignore[attr-defined]
from typing import Any

from review.enums import Impact
from review.errors import InvalidRequest
from review.record_files import RepeatedKeys

MAX_EXTERNAL_ID_LENGTH = 200
MAX_NAME_LENGTH = 200
MAX_JSON_DEPTH = 64
_KNOWN_FIELDS = frozenset(
    {"external_id", "source", "task", "model_version", "input", "output", "confidence",
     "impact", "tags", "metadata"}
)
# Invisible characters that reorder the text around them: an id shown with them reads as another id.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Cc: C0 and C1 controls (newline, tab, escape, ...); Zl, Zp: the line and paragraph separators.
_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
# The fields stored as JSON, in the order of `Record.json_texts`.
JSON_FIELDS = ("input", "output", "tags", "metadata")
# One encoder for the fast value check (json.dumps with options would build one per call).
_DUMP = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)


def _ascii_dump() -> Callable[[Any], str]:
    """json.dumps's own output (ASCII, every other character escaped), refusing NaN: the stored
    text. JSONEncoder.encode builds a C encoder per call; this one is built once."""
    encoder = json.JSONEncoder(allow_nan=False, check_circular=False)
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return encoder.encode
    encode = c_make_encoder(None, encoder.default, c_encode_basestring_ascii, None,
                            encoder.key_separator, encoder.item_separator, False, False, False)
    return lambda value: "".join(encode(value, 0))


_ASCII_DUMP = _ascii_dump()
_IMPACTS = {impact.value: impact for impact in Impact}


@dataclass(frozen=True, slots=True)
class Record:
    """A valid record, ready to be routed and stored."""

    external_id: str
    source: str
    task: str
    model_version: str | None
    input: Any
    output: Any
    confidence: float | None
    impact: Impact | None
    tags: list[str] | None
    metadata: dict[str, Any] | None
    # A gold item's known answer (review/gold.py); only `ingest --gold` sets it.
    gold: dict[str, Any] | None = None
    # input, output, tags and metadata as json.dumps writes them (JSON_FIELDS order): the text
    # the value check produced, kept so that storing the record encodes nothing again.
    json_texts: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """The idempotency key: the same pair again is a duplicate."""
        return (self.source, self.external_id)


def validate_record(raw: Any, gold: bool = False, unique_keys: bool = False) -> Record:
    """Check `raw` against the contract; raise `InvalidRequest` naming the first field at fault.

    With `gold`, the record may carry a `gold` answer (checked by review/gold.py); without, a
    `gold` field is refused, so an upstream system cannot plant the answers reviewers are scored by.
    `unique_keys` says the reader found no repeated key in `raw` (`RawRecord.unique_keys`).
    """
    if not isinstance(raw, dict):
        raise InvalidRequest(f"a record must be a JSON object, not {_json_kind(raw)}")
    if isinstance(raw, RepeatedKeys):
        raise InvalidRequest(_repeated_key_message(raw.key, "the record"), field=_printable(raw.key))
    if "gold" in raw and not gold:
        raise InvalidRequest("'gold' is accepted only from a gold file (`workbench ingest --gold`, or a "
                             "lead's gold upload), never from upstream records", field="gold")
    if not _KNOWN_FIELDS.issuperset(raw):
        unknown = sorted(set(raw) - _KNOWN_FIELDS - ({"gold"} if gold else set()))
        if unknown:
            # The name is the sender's text and may hold anything, even a lone surrogate, which
            # no terminal or JSON response can carry: escape what is not valid Unicode.
            name = _printable(unknown[0][:100])
            raise InvalidRequest(f"unknown field '{name}'", field=name)
    texts = dict.fromkeys(JSON_FIELDS, "null")
    for name, value in raw.items():
        if name in texts:
            texts[name] = json_text(name, value, unique_keys)
        elif type(value) is not str or not value.isascii() or "\x00" in value:  # ASCII text is fine
            check_json_value(name, value)
    if "output" not in raw or raw["output"] is None:
        raise InvalidRequest("'output' is required", field="output")
    return Record(
        external_id=_key_text(raw, "external_id", MAX_EXTERNAL_ID_LENGTH),
        source=_source(raw),
        task=_key_text(raw, "task", MAX_NAME_LENGTH),
        model_version=_optional_text(raw, "model_version"),
        input=raw.get("input"),
        output=raw["output"],
        confidence=_confidence(raw.get("confidence")),
        impact=_impact(raw.get("impact")),
        tags=_tags(raw.get("tags")),
        metadata=_metadata(raw.get("metadata")),
        json_texts=tuple(texts.values()),
    )


def _required_text(raw: dict[str, Any], name: str, max_length: int, nfc: bool = False) -> str:
    value = raw.get(name)
    if value is None:
        raise InvalidRequest(f"'{name}' is required", field=name)
    if not isinstance(value, str):
        raise InvalidRequest(f"'{name}' must be a string, not {_json_kind(value)}", field=name)
    if nfc:  # before the length check: NFC may shorten (or, rarely, lengthen) the text
        value = normalise_key(value)
    if not value.strip():
        raise InvalidRequest(f"'{name}' must not be empty", field=name)
    if len(value) > max_length:
        raise InvalidRequest(
            f"'{name}' is {len(value)} characters long; the limit is {max_length}", field=name
        )
    return value


def _key_text(raw: dict[str, Any], name: str, max_length: int) -> str:
    """An id or name: one line of visible text, in NFC so that one spelling means one item."""
    text = raw.get(name)
    # The common case, checked at once: visible ASCII (in NFC already, free of controls).
    if type(text) is str and text.isascii() and text.isprintable() and len(text) <= max_length \
            and text.strip():
        return text
    text = _required_text(raw, name, max_length, nfc=True)
    if text.isascii() and text.isprintable():  # the common case: no control can be in it
        return text
    for character in text:
        if character in _BIDI_CONTROLS or unicodedata.category(character) in _CONTROL_CATEGORIES:
            raise InvalidRequest(
                f"'{name}' contains the invisible control character U+{ord(character):04X}; "
                "ids and names must be one line of visible text", field=name,
            )
    return text


def _source(raw: dict[str, Any]) -> str:
    source = _key_text(raw, "source", MAX_NAME_LENGTH)
    if "/" in source:
        raise InvalidRequest(
            "'source' must not contain '/': the item could not be looked up at "
            "/api/v1/items/{source}/{external_id}", field="source",
        )
    return source


def normalise_key(text: str) -> str:
    """`text` in Unicode NFC, the form ids and names are stored and compared in."""
    return unicodedata.normalize("NFC", text)


def _optional_text(raw: dict[str, Any], name: str) -> str | None:
    if raw.get(name) is None:
        return None
    return _required_text(raw, name, MAX_NAME_LENGTH)


def _confidence(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(
            f"'confidence' must be a number in [0, 1] or null, not {_json_kind(value)}",
            field="confidence",
        )
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise InvalidRequest(f"'confidence' must be in [0, 1], got {value}", field="confidence")
    return float(value)


def _impact(value: Any) -> Impact | None:
    if value is None:
        return None
    try:
        return _IMPACTS[value]
    except (KeyError, TypeError):  # TypeError: an unhashable value (a list, an object)
        raise InvalidRequest(
            f"'impact' must be low, medium, high or null, got {value!r}"[:200], field="impact"
        ) from None


def _tags(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise InvalidRequest("'tags' must be a list of strings", field="tags")
    return value


def _metadata(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidRequest(
            f"'metadata' must be an object, not {_json_kind(value)}", field="metadata"
        )
    return value


def check_json_value(field: str, value: Any) -> None:
    """Refuse values no database column can hold: NUL characters, NaN, and absurd nesting."""
    if isinstance(value, str):
        check_text(field, value)
    elif value is None or isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return  # a plain number (bool is an int) needs no dump
    elif not _plainly_valid(value):
        _check_each_value(field, value)


def json_text(field: str, value: Any, unique_keys: bool = False) -> str:
    """`value` as json.dumps writes it, once `check_json_value` would pass it: the one encoding
    checks it (as `_plainly_valid` does) and is the stored text. With `unique_keys` (no
    `RepeatedKeys` inside), a value with at most MAX_JSON_DEPTH brackets cannot be nested too
    deeply, so it is not walked."""
    try:
        text = _ASCII_DUMP(value)
    except (ValueError, TypeError, RecursionError):  # NaN, a value JSON has no form for, depth
        _check_each_value(field, value)  # names the fault
        return json.dumps(value)
    # The encoding escapes a NUL as \u0000 and every surrogate (a lone one, or half of a pair
    # spelling a character beyond U+FFFF) as \udXXX: only then are the strings looked at.
    if ("\\u" in text and ("\\u0000" in text or "\\ud" in text)) or not (
        (unique_keys and text.count("{") + text.count("[") <= MAX_JSON_DEPTH) or _containers_valid(value)
    ):
        _check_each_value(field, value)
    return text


def _plainly_valid(value: Any) -> bool:
    """A fast check that `value` passes `_check_each_value`: one C-level dump finds NaN, NUL and
    lone surrogates in every string at once; only containers are walked, for depth and repeated
    keys. False means "look closer" (the walk then names the first fault), never "invalid"."""
    try:
        text = _DUMP.encode(value)
        text.encode("utf-8")
    except (ValueError, TypeError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False
    if "\\u0000" in text:  # how the dump writes a NUL (or, rarely, a backslash before "u0000")
        return False
    return _containers_valid(value)


def _containers_valid(value: Any) -> bool:
    """No container in `value` is nested too deeply or repeats a key."""
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        current, depth = stack.pop()
        if depth > MAX_JSON_DEPTH or isinstance(current, RepeatedKeys):
            return False
        children = current.values() if isinstance(current, dict) else current
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return True


def _check_each_value(field: str, value: Any) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidRequest(
                f"'{field}' is nested more than {MAX_JSON_DEPTH} levels deep", field=field
            )
        if isinstance(current, str):
            check_text(field, current)
        elif isinstance(current, float) and not math.isfinite(current):
            raise InvalidRequest(f"'{field}' contains {current}, which is not JSON", field=field)
        elif isinstance(current, dict):
            if isinstance(current, RepeatedKeys):
                raise InvalidRequest(_repeated_key_message(current.key, f"'{field}'"), field=field)
            for key, child in current.items():
                check_text(field, key)
                stack.append((child, depth + 1))
        elif isinstance(current, list):
            stack.extend((child, depth + 1) for child in current)


def _repeated_key_message(key: str, where: str) -> str:
    return f"{where} has the key '{_printable(key)}' twice; JSON keys must be unique within an object"


def _printable(text: str) -> str:
    """The sender's text with what is not valid Unicode (a lone surrogate) escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def check_text(field: str, text: str) -> None:
    """Refuse text no database can store: a NUL character, or a lone surrogate ("\\ud800" in JSON)."""
    if "\x00" in text:
        raise InvalidRequest(f"'{field}' contains a NUL character", field=field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(
            f"'{field}' contains an unpaired surrogate, which is not valid Unicode", field=field
        ) from None


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return kinds.get(type(value), type(value).__name__)
