"""Lambda `member_actions`: the routes of loyalty.api.routes.actions."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import actions as routes

app = build_resolver([routes.router])
handler = http_handler(app)
