"""Lambda `lottery`: the routes of loyalty.api.routes.lottery."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import lottery as routes
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME")

app = build_resolver([routes.router])
handler = http_handler(app)
