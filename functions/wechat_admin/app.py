"""Lambda `wechat_admin`: operators store the program's WeChat mini-program credentials (SSM). A
function of its own so that only it may write the secrets and only `auth` may read them."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import auth as routes
from loyalty.services.settings import require_settings

require_settings("WECHAT_SECRETS_PATH")

app = build_resolver([routes.admin_router])
handler = http_handler(app)
