"""Lambda `admin`: the routes of loyalty.api.routes.admin."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import admin as routes

app = build_resolver([routes.router])
handler = http_handler(app)
