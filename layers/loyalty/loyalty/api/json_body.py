"""The one JSON reader of request bodies (HTTP routes and signed webhooks) and the one test of
their media type.

``json.loads`` alone turns hostile but short bodies into 500s or silent misreadings: 2 KB of
``[`` exhausts the recursion limit, a 5,000-digit number exceeds Python's int conversion limit,
``{"member_id": "m1", "member_id": "m2"}`` quietly means m2, ``NaN`` and ``1e400`` are floats
no field can hold, and a lone surrogate escape (``"\\ud800"``) is a string UTF-8 cannot encode.
Each is refused here, as a 422 naming the body as a whole.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ..domain.errors import ValidationFailed

# Real bodies nest a handful of levels (the program document: about 5); json and pydantic
# recurse once per level, so a bound far below the interpreter's limit (1,000) keeps every
# reader of the parsed value safe too.
MAX_DEPTH = 32
# DynamoDB numbers hold 38 significant digits; no field of the API needs more, and the bound
# also stops the quadratic conversion of longer literals.
MAX_INT_DIGITS = 38

# A string (escapes included) or a bracket: brackets inside strings are skipped with the string.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]', re.DOTALL)
# type/subtype of RFC 9110 (tokens), parameters after ";" ignored: JSON has no charset but UTF-8.
_MEDIA_TYPE = re.compile(r"([!#$%&'*+.^_`|~0-9a-z-]+)/([!#$%&'*+.^_`|~0-9a-z-]+)")


class _Refused(ValueError):
    """Why a body that json could parse is still refused."""


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or a structured ``application/*+json`` type (RFC 6839), any case,
    any parameters; ``application/jsonx`` or ``text/json`` are other media types."""
    match = _MEDIA_TYPE.fullmatch(content_type.split(";", 1)[0].strip().lower())
    if match is None or match.group(1) != "application":
        return False
    subtype = match.group(2)
    return subtype == "json" or (subtype.endswith("+json") and len(subtype) > len("+json"))


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of [ and { outside strings, counted before anything recursive reads
    the text; stops counting once past ``limit``."""
    depth = deepest = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def loads(text: str | bytes) -> Any:
    """The value of a JSON body, or ValidationFailed (422) saying what is wrong with it."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if nesting_depth(text) > MAX_DEPTH:
            raise _Refused(f"JSON nested deeper than {MAX_DEPTH} levels")
        value = json.loads(text, object_pairs_hook=_object, parse_int=_int, parse_float=_float,
                           parse_constant=_constant)
        _unicode_only(value)
    except _Refused as exc:
        raise _invalid(str(exc)) from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # JSONDecodeError is a ValueError; so is the int conversion limit. The message of a
        # syntax error is the one the resolver gives (its offset names no field).
        raise _invalid("JSON decode error") from exc
    return value


def _invalid(reason: str) -> ValidationFailed:
    return ValidationFailed("the body must be UTF-8 JSON", {"errors": [{"field": "", "message": reason}]})


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"duplicate key {key!r}")
            seen.add(key)
    return value


def _int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"number with more than {MAX_INT_DIGITS} digits")
    return int(literal)


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _Refused("number out of range")
    return value


def _constant(literal: str) -> float:
    raise _Refused(f"{literal} is not JSON")


def _unicode_only(value: Any) -> None:
    """Refuse lone surrogates (I-JSON, RFC 7493): they parse, then fail when stored or sent."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _Refused("a string is not Unicode text (lone surrogate)") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _unicode_only(key)
            _unicode_only(item)
    elif isinstance(value, list):
        for item in value:
            _unicode_only(item)
