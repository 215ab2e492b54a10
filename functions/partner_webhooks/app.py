"""Lambda `partner_webhooks`: signed partner events (no JWT; Standard Webhooks signatures)."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import partner_webhooks as routes

app = build_resolver([routes.router])
handler = http_handler(app)
