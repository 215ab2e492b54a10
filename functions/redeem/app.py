"""Lambda `redeem`: the routes of loyalty.api.routes.redeem."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import redeem as routes

app = build_resolver([routes.router])
handler = http_handler(app)
