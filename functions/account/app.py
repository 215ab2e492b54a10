"""Lambda `account`: the routes of loyalty.api.routes.account."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import account as routes

app = build_resolver([routes.router])
handler = http_handler(app)
