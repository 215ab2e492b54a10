"""Lambda `partner_admin`: operators register partners and rotate their secrets."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import partners as routes

app = build_resolver([routes.admin_router])
handler = http_handler(app)
