"""Export the OpenAPI 3.1 document of every HTTP route, from the code."""

from __future__ import annotations

import json

from loyalty.api.http import build_resolver
from loyalty.api.routes import (
    account,
    actions,
    admin,
    checkin,
    earn,
    partner_webhooks,
    partners,
    redeem,
    tiers,
)

ROUTERS = [account.router, earn.router, redeem.router, admin.router, tiers.router, partner_webhooks.router,
           partners.admin_router, checkin.router, actions.router]


def openapi_document() -> dict[str, object]:
    app = build_resolver(ROUTERS)
    text = app.get_openapi_json_schema(
        title="Loyalty engine API",
        version="1.0.0",
        description="Points (积分), tiers (会员等级), rewards. Errors: {error: {code, message, details}}.",
    )
    return json.loads(text)


if __name__ == "__main__":
    print(json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=True))
