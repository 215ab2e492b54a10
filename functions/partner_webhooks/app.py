"""Lambda `partner_webhooks`: signed partner events (no JWT; Standard Webhooks signatures)."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import partner_webhooks as routes
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME", "PARTNER_SECRETS_PATH")

app = build_resolver([routes.router])
handler = http_handler(app)
