"""Lambda `earn`: the routes of loyalty.api.routes.earn."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import earn as routes

app = build_resolver([routes.router])
handler = http_handler(app)
