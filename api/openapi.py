"""The OpenAPI 3.1 description of the HTTP API, served at /api/v1/openapi.json."""

from typing import Any

from storage.models import MAX_ROW_ID

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if schema:
        answer["content"] = {_JSON: {"schema": _ref(schema)}}
    return answer


def _errors(*statuses: int) -> dict[str, Any]:
    meaning = {
        401: "missing or unknown token", 403: "wrong scope or role", 404: "not found",
        409: "the lease is not the caller's or has expired", 413: "body too large",
        422: "invalid body; `field` names the offending field", 503: "database unavailable",
        507: "insufficient storage: the database's disk is full",
    }
    return {str(status): _answer(meaning[status], "Error") for status in statuses}


def _operation(
    summary: str, scopes: list[str], answers: dict[str, Any], note: str = "", **extra: Any
) -> dict[str, Any]:
    operation = {"summary": summary, "responses": answers, **extra}
    if scopes:
        operation["security"] = [{"bearer": []}]
        operation["description"] = f"Token scope: {' or '.join(scopes)}.{' ' + note if note else ''}"
    return operation


# What a token created with `--source` (and without `--reviewer-identities`) sees.
_BOUNDED_READ = ("A token created with --source reads only those sources. Reviewers are shown by "
                 "pseudonym unless the token was created with --reviewer-identities.")


_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": {"type": "string"}, "field": {"type": "string"}}},
    "Record": {
        "type": "object", "required": ["external_id", "source", "task", "output"],
        "additionalProperties": False,
        "properties": {
            "external_id": {"type": "string", "minLength": 1, "maxLength": 200},
            "source": {"type": "string", "minLength": 1, "maxLength": 200},
            "task": {"type": "string", "minLength": 1, "maxLength": 200},
            "model_version": {"type": ["string", "null"]},
            "input": {}, "output": {},
            "confidence": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
            "impact": {"enum": ["low", "medium", "high", None]},
            "tags": {"type": ["array", "null"], "items": {"type": "string"}},
            "metadata": {"type": ["object", "null"]},
        },
    },
    "IngestResult": {
        "type": "object",
        "properties": {
            "accepted": {"type": "integer"}, "duplicates": {"type": "integer"},
            "rejected": {"type": "array", "items": {"type": "object", "properties": {
                "index": {"type": "integer"}, "error": {"type": "string"},
                "field": {"type": "string", "description": "`source` for a record of a source "
                          "the token does not reach"}}}},
        },
    },
    "Decision": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "item_id": {"type": "integer"},
            "source": {"type": "string"}, "external_id": {"type": "string"},
            "task": {"type": "string"},
            "decision": {"enum": ["approved", "edited", "rejected", "escalated"]},
            "final": {"type": "boolean"}, "final_output": {},
            "reason_code": {"type": ["string", "null"]}, "rationale": {"type": ["string", "null"]},
            "reviewer": {"type": ["string", "null"], "description": (
                "null for auto-approvals; a stable pseudonym (the one `workbench export --redact` "
                "writes) unless the token was created with --reviewer-identities")},
            "escalated": {"type": "boolean"},
            "decided_at": {"type": "string", "format": "date-time"},
        },
    },
    "DecisionPage": {"type": "object", "properties": {
        "decisions": {"type": "array", "items": _ref("Decision")}, "next": {"type": "string"}}},
    "ItemStatus": {
        "type": "object",
        "properties": {
            "item_id": {"type": "integer"}, "source": {"type": "string"},
            "external_id": {"type": "string"}, "task": {"type": "string"},
            "state": {"enum": ["pending", "escalated", "adjudication", "decided", "auto_approved"]},
            "in_review": {"type": "boolean"}, "route": {"enum": ["review", "audit", "auto"]},
            "received_at": {"type": "string", "format": "date-time"},
            "decision": {"oneOf": [_ref("Decision"), {"type": "null"}]},
        },
    },
    "Claim": {
        "type": "object",
        "properties": {
            "lease": {"type": "string"},
            "lease_expires_at": {"type": "string", "format": "date-time"},
            "item": {"type": "object", "description": "context, output, confidence, routing "
                     "reason, guidelines, reason codes and any escalation; in an adjudication, "
                     "prior_decisions: both disagreeing reviews"},
        },
    },
    "DecisionBody": {
        "type": "object", "required": ["lease", "action"],
        "properties": {
            "lease": {"type": "string"},
            "action": {"enum": ["approve", "edit", "reject", "escalate"]},
            "output": {"description": "the corrected output (edit only)"},
            "reason_code": {"type": "string", "description": "needed for edit, reject, escalate"},
            "rationale": {"type": "string", "description": "needed for edit, reject, escalate"},
        },
    },
    "DecisionResult": {"type": "object", "properties": {
        "decision_id": {"type": "integer"}, "item_id": {"type": "integer"},
        "decision": {"type": "string"}, "item_state": {"type": "string"}}},
}


def openapi_document() -> dict[str, Any]:
    """The whole description."""
    body = {"required": True, "content": {_JSON: {"schema": {
        "oneOf": [_ref("Record"), {"type": "array", "maxItems": 1000, "items": _ref("Record")}]}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Review workbench API", "version": "1"},
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/api/v1/health": {"get": _operation("Database health", [], {
                "200": _answer("the database answers"), **_errors(503, 507)})},
            "/api/v1/items": {"post": _operation("Send outputs for routing", ["ingest"], {
                "200": _answer("per-record result", "IngestResult"),
                **_errors(401, 403, 413, 422, 503, 507)}, requestBody=body,
                note="A token created with --source has each record of another source rejected, "
                     "with `field` `source`.")},
            "/api/v1/items/{source}/{external_id}": {"get": _operation(
                "Where an output is, and its decision", ["ingest", "decisions:read"],
                {"200": _answer("the item", "ItemStatus"), **_errors(401, 403, 503),
                 "404": _answer("no such item, or one of a source the token does not reach "
                                "(the same answer)", "Error")}, note=_BOUNDED_READ,
                parameters=[_path("source", "string"), _path("external_id", "string")])},
            "/api/v1/decisions": {"get": _operation(
                "Decisions after a cursor, oldest first", ["decisions:read"],
                {"200": _answer("a page of decisions", "DecisionPage"),
                 **_errors(401, 403, 422, 503)},
                parameters=[_query("after", "string"),
                            _query("limit", "integer", minimum=1, maximum=1000)], note=_BOUNDED_READ)},
            "/api/v1/claims": {"post": _operation(
                "Claim the next item for the token's user", ["review"],
                {"200": _answer("the claimed item and its lease", "Claim"),
                 "204": _answer("nothing is waiting"), **_errors(401, 403, 422, 503, 507)},
                requestBody={"required": False, "content": {_JSON: {"schema": {
                    "type": "object", "properties": {
                        "queue": {"enum": ["review", "escalations"]}}}}}})},
            "/api/v1/items/{id}/decision": {"post": _operation(
                "Decide a claimed item", ["review"],
                {"200": _answer("the stored decision", "DecisionResult"),
                 **_errors(401, 403, 404, 409, 413, 422, 503, 507)},
                parameters=[{**_path("id", "integer"),
                             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}}],
                requestBody={"required": True,
                             "content": {_JSON: {"schema": _ref("DecisionBody")}}})},
        },
    }


def _path(name: str, kind: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _query(name: str, kind: str, **limits: int) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind, **limits}}
