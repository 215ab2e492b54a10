"""Lambda `auth`: a wx.login() code becomes the engine's member token; the engine's discovery
document and JWKS (served by EngineIssuerApi, read by the main API's MemberJwt authorizer)."""

from loyalty.api.http import build_resolver, http_handler
from loyalty.api.routes import auth as routes
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "WECHAT_SECRETS_PATH", "WECHAT_API_BASE", "ENGINE_ISSUER")

app = build_resolver([routes.router])
handler = http_handler(app)
