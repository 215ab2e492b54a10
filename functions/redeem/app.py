"""Lambda `redeem`: the routes of loyalty.api.routes.redeem and .exchanges."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import exchanges
from loyalty.api.routes import redeem as routes
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME")

app = build_resolver([routes.router, exchanges.router])
handler = http_handler(app)
