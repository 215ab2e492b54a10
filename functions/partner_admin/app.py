"""Lambda `partner_admin`: operators register partners and rotate their secrets."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import partners as routes
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "EVENT_BUS_NAME", "PARTNER_SECRETS_PATH")

app = build_resolver([routes.admin_router])
handler = http_handler(app)
