"""Lambda `tiers`: the routes of loyalty.api.routes.tiers."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import tiers as routes

app = build_resolver([routes.router])
handler = http_handler(app)
