"""Lambda `checkin`: the routes of loyalty.api.routes.checkin."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import checkin as routes

app = build_resolver([routes.router])
handler = http_handler(app)
