"""Lambda `reconciliation_api`: the route of loyalty.api.routes.reconciliation."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import reconciliation as routes
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME")

app = build_resolver([routes.router])
handler = http_handler(app)
