"""Lambda `tiers`: the routes of loyalty.api.routes.tiers and the review queue (routes.reviews)."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import reviews
from loyalty.api.routes import tiers as routes
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME")

app = build_resolver([routes.router, reviews.router])
handler = http_handler(app)
