"""Export the OpenAPI 3.1 document of every HTTP route, from the code: the routes and request
models as Powertools sees them, the bodies they answer from loyalty.api.routes.answer_models (and _ops)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from loyalty.api.http import build_resolver
from loyalty.api.routes import (
    account,
    actions,
    admin,
    answer_models_ops,
    answers,
    auth,
    checkin,
    donations,
    earn,
    exchanges,
    lottery,
    partner_webhooks,
    partners,
    reconciliation,
    redeem,
    reports,
    reviews,
    tiers,
    transfers,
)

ROUTERS = [account.router, earn.router, redeem.router, exchanges.router, admin.router, tiers.router, partner_webhooks.router,
           partners.admin_router, checkin.router, actions.router, transfers.router,
           donations.router, donations.admin_router,
           lottery.router, reconciliation.router, reports.admin_router, reviews.router,
           auth.router, auth.admin_router]

# Powertools documents a 422 of its own ({"detail": [...]}) on every route, ours is the envelope;
# and a response validation error no route of ours is set to answer.
POWERTOOLS_ONLY = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def openapi_document() -> dict[str, Any]:
    app = build_resolver(ROUTERS)
    text = app.get_openapi_json_schema(
        title="Loyalty engine API",
        version="1.0.0",
        description="Points (积分), tiers (会员等级), rewards. Errors: {error: {code, message, details}}.",
    )
    document: dict[str, Any] = json.loads(text)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    _drop_powertools_422(document, schemas)
    for name, schema in answer_models_ops.schemas().items():
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"two schemas are named {name}: a request model and an answer")
        schemas[name] = schema
    unresolved = sorted({ref for ref in _refs(document) if ref.removeprefix(answers.REF) not in schemas})
    if unresolved:
        raise ValueError(f"the document names schemas nobody defines: {unresolved}")
    return document


def _drop_powertools_422(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Powertools' own 422 where a route declares none (a route without parameters or body):
    such a route answers no 422, and a route that does declares the envelope instead."""
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                del responses["422"]
    for name in POWERTOOLS_ONLY:
        schemas.pop(name, None)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


if __name__ == "__main__":
    print(json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=True))
