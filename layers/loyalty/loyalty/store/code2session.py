"""The call to WeChat's auth.code2Session (GET {base}/sns/jscode2session), the Code2Session port of
services/wechat_login.py.

Bounded: one attempt of at most ``timeout`` seconds (a member waits on it; a retry is the
member's tap, with a fresh code). Not answering, a connection error, a 5xx or a body that is not
JSON is UpstreamUnavailable (503); a JSON answer goes back as it is for domain/wechat.py to read
(its errcode answers are the 401s). The query holds the secret, so neither the URL nor the
exception urllib raises is ever put in an error, a log line or an exception of ours: an error
says what failed, with the chained cause suppressed."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..domain.errors import UpstreamUnavailable
from ..domain.wechat import WECHAT_API_BASE

TIMEOUT_SECONDS = 3.0
MAX_ANSWER_BYTES = 64 * 1024


class Code2SessionClient:
    def __init__(self, base_url: str = WECHAT_API_BASE, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def __call__(self, appid: str, secret: str, js_code: str) -> dict[str, Any]:
        query = urllib.parse.urlencode({"appid": appid, "secret": secret, "js_code": js_code,
                                        "grant_type": "authorization_code"})
        request = urllib.request.Request(f"{self.base_url}/sns/jscode2session?{query}",
                                         headers={"Accept": "application/json"})
        failure = ""
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            failure = f"WeChat answered HTTP {exc.code}"
        except TimeoutError:
            failure = f"WeChat did not answer within {self.timeout:g} s"
        except (urllib.error.URLError, OSError):
            failure = "WeChat could not be reached"
        if failure:
            # Raised outside the except blocks: urllib's exception (whose text may hold the URL,
            # and so the secret) is not chained to ours.
            raise UpstreamUnavailable(failure + ", try again", {"upstream": "wechat"})
        try:
            if len(raw) > MAX_ANSWER_BYTES:
                raise ValueError("too long")
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise UpstreamUnavailable("WeChat's answer was not JSON, try again", {"upstream": "wechat"})
        return answer
