"""The fingerprint of a request's payload: a retried key must carry the same one (else 422)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
