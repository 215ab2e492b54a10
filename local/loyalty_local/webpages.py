"""The operator console and the member page, as the dev server serves them: the static files of
web/ under /console/, /member/ and /common/, and ECharts from web/node_modules (installed by
`npm ci` from web/package-lock.json) under /vendor/echarts/. No file is copied or bundled: a
hosted copy lays the same folders out the same way (see the README)."""

from __future__ import annotations

import gzip
import pathlib
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache

WEB = pathlib.Path(__file__).resolve().parents[2] / "web"
_ROOTS = {
    "console": WEB / "console",
    "member": WEB / "member",
    "common": WEB / "common",
    "vendor/echarts": WEB / "node_modules" / "echarts" / "dist",
}
_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
}
# Pages always revalidate (a new version shows on reload); the pinned library may be cached.
_CACHE = {"vendor/echarts": "max-age=86400"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    cache_control: str
    gzipped: bytes | None  # the same bytes gzip-compressed, for clients that accept it


def console_url(issuer_url: str, token: str) -> str:
    """The console, signed in: the token travels in the fragment, which no server sees."""
    return f"{issuer_url}/console/#token={urllib.parse.quote(token)}"


def member_page_url(issuer_url: str, token: str) -> str:
    return f"{issuer_url}/member/#token={urllib.parse.quote(token)}"


def member_login_url(issuer_url: str, code: str, program: str = "demo") -> str:
    """The member page with no token: it logs in with ``code`` as a mini-program does with
    wx.login()'s (POST /v1/auth/wechat); locally any ``dev-<name>`` is accepted by the stand-in."""
    return f"{issuer_url}/member/#code={urllib.parse.quote(code)}&program={urllib.parse.quote(program)}"


def find(path: str) -> Asset | str | None:
    """The asset at `path`; a redirect target (str) for a folder without its slash; None."""
    for prefix, root in _ROOTS.items():
        if path == f"/{prefix}" and prefix in ("console", "member"):
            return f"/{prefix}/"
        if path.startswith(f"/{prefix}/"):
            rest = path[len(prefix) + 2:] or "index.html"
            return _load(prefix, root, rest)
    return None


@lru_cache(maxsize=64)
def _read(file: pathlib.Path, mtime: float) -> tuple[bytes, bytes | None]:
    body = file.read_bytes()
    return body, (gzip.compress(body, 6) if len(body) > 1024 else None)


def _load(prefix: str, root: pathlib.Path, rest: str) -> Asset | None:
    file = (root / rest).resolve()
    # Only files inside the folder: a "../" in the path never reaches the rest of the disk.
    if not file.is_relative_to(root.resolve()) or not file.is_file() or file.suffix not in _TYPES:
        return None
    body, gzipped = _read(file, file.stat().st_mtime)
    return Asset(body, _TYPES[file.suffix], _CACHE.get(prefix, "no-cache"), gzipped)
