"""Lambda `reports`: the routes of loyalty.api.routes.reports (数据看板)."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import reports as routes
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME")

app = build_resolver([routes.admin_router])
handler = http_handler(app)
