"""Hostile input, as a class: generated bodies on every route that reads one (each request model
and each signed partner event) through the real handlers with real-shaped API Gateway events.
Whatever arrives, the answer is a 2xx or a 4xx in the one error envelope, never a 5xx, and a 4xx
leaves the table exactly as it was. Where the input is surely wrong (nesting past 32, repeated
keys, a media type that is not JSON, blank or control-character text, an int field holding
another JSON type, an instant outside 2000-2100) the 4xx itself is asserted.

The requests tried and the 5xx met per class are written at the end of the module's run."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from loyalty.api.http import MEMBER_ID, PROGRAM_ID
from loyalty.services.wiring import Wiring

from ..conftest import snapshot
from ..support import partners
from ..support.clock import Clock
from ..support.events import admin_claims, call, member_claims
from ..support.hostile import (
    INSTANTS,
    INTS,
    NULLABLE_INTS,
    TEXT,
    Caller,
    Raw,
    Route,
    bad_text,
    dumps,
    instant_year,
    json_media_type,
    objects,
    paths,
    replaced,
    value_at,
    with_duplicate,
)
from ..support.hostile import ROUTES as MODEL_ROUTES
from ..support.template import REGION, TABLE
from . import api

PROGRAM = Route("admin", "PUT", "/v1/admin/program", "admin", api.document_json())
ROUTES = [*MODEL_ROUTES, PROGRAM]
TRIED: Counter[str] = Counter()
FIVE_XX: Counter[str] = Counter()
HOSTILE = settings(max_examples=250, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def _tally(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():  # to the terminal, not into a captured teardown
        reporter.write_line("")
        for kind in sorted(TRIED):
            reporter.write_line(f"hostile input, {kind}: {TRIED[kind]} requests, {FIVE_XX[kind]} answered 5xx")


Items = dict[tuple[str, str], Any]


def table_items() -> Items:
    """Every item of the table, as snapshot(table) gives them, read from moto's memory: a scan
    serialises each item through botocore (0.1 s a scan here, two per request)."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(TABLE)
    return {(item.hash_key.value, item.range_key.value): item.to_json() for item in table.all_items()}


class World:
    def __init__(self, table: Any, caller: Caller) -> None:
        self.table, self.caller = table, caller
        self.known: Items | None = None  # the table as the last 4xx left it

    def answer(self, kind: str, route: Route, text: str | None, **event: Any) -> tuple[int, str]:
        """Send; assert never a 5xx and that a 4xx is the envelope and wrote nothing; (status, code)."""
        before = self.known if self.known is not None else table_items()
        self.known = None
        TRIED[kind] += 1
        try:
            status, body = call(route.function, self.caller.event(route, text, **event))
        except Exception:
            FIVE_XX[kind] += 1  # the Lambda runtime answers an unhandled exception with a 500
            raise
        if status >= 500:
            FIVE_XX[kind] += 1
        assert status < 500, f"{route}: {status} {body}"
        if status < 400:
            return status, ""
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
        after = table_items()
        if route.scope is None and after != before:
            # A signed event the services refuse binds its webhook-id (a retry is judged again
            # against it): that record, and nothing else, may be written.
            written = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
            assert written <= {(f"WEBHOOK#shop#{self.caller.webhook_id}", "WEBHOOK")}, f"{route}: {body}"
        else:
            assert after == before, f"{route}: {status} {body} wrote to the table"
            self.known = after
        return status, body["error"]["code"]


@pytest.fixture
def world(svc: Wiring, table: Any, clock: Clock) -> World:
    assert api.create_reward("coffee", 300, stock=1000)[0] == 201
    assert api.earn("m1", "o1", 123456)[0] == 200
    status, body = partners.register("shop")
    assert status == 201, body
    assert sorted(table_items()) == [(i["PK"]["S"], i["SK"]["S"]) for i in snapshot(table)]  # the same table
    return World(table, Caller(str(body["secret"]), clock))


def place(data: st.DataObject, routes: list[Route]) -> tuple[Route, tuple[str | int, ...]]:
    route = data.draw(st.sampled_from(routes), label="route")
    return route, data.draw(st.sampled_from(list(paths(route.body))), label="path")


INVALID = (422, "VALIDATION_FAILED")

# ----- nesting --------------------------------------------------------------------------------


def nested(depth: int, kind: str, closed: bool) -> tuple[Raw, int]:
    opener, closer, levels = {"array": ("[", "]", 1), "object": ('{"a": ', "}", 1),
                              "both": ('[{"a": ', "}]", 2)}[kind]
    return Raw(opener * depth + "1" + (closer * depth if closed else "")), depth * levels


@HOSTILE
@given(data=st.data(), depth=st.integers(1, 3000), kind=st.sampled_from(["array", "object", "both"]),
       closed=st.booleans())
def test_given_json_nested_at_any_depth_anywhere_in_a_body_then_past_32_levels_it_is_a_422_never_a_5xx(
    world: World, data: st.DataObject, depth: int, kind: str, closed: bool
) -> None:
    route, path = place(data, ROUTES)
    value, levels = nested(depth, kind, closed)
    text = dumps(replaced(route.body, path, value))
    answer = world.answer("nesting depth", route, text)
    if levels + len(path) > 32 or not closed:
        assert answer == INVALID, text[:200]


# ----- numbers --------------------------------------------------------------------------------

OUT_OF_RANGE = st.one_of(
    st.integers(min_value=10**38), st.integers(max_value=-(10**38)),
    st.integers(39, 6000).map(lambda digits: Raw("9" * digits)),
    st.sampled_from([Raw(x) for x in ("1e400", "-1e400", "NaN", "Infinity", "-Infinity")]),
)
ODD_NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                        st.sampled_from([Raw(x) for x in ("1e-400", "-0", "0.0", "1E2", "100.0", "1.5e308")]))


@HOSTILE
@given(data=st.data(), number=st.one_of(OUT_OF_RANGE, ODD_NUMBERS))
def test_given_numbers_past_10_to_the_38_or_no_int_where_ints_go_then_it_is_a_422_never_a_5xx(
    world: World, data: st.DataObject, number: Any
) -> None:
    route, path = place(data, ROUTES)
    text = dumps(replaced(route.body, path, number))
    answer = world.answer("huge numbers", route, text)
    literal = str(number) if isinstance(number, Raw | int) else repr(number)
    huge = isinstance(number, int) or re.fullmatch(r"9{39,}|-?1e400|NaN|-?Infinity", literal) is not None
    no_int = re.fullmatch(r"-?\d+", literal) is None
    if huge or (route is not PROGRAM and path and path[-1] in INTS and no_int):
        assert answer == INVALID, text


# ----- text -----------------------------------------------------------------------------------

TEXTS = st.one_of(
    st.text(st.characters(categories=["Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Lo", "Ll", "Nd", "So", "Mn"]),
            max_size=60),
    st.builds(lambda unit, times: unit * times, st.sampled_from([" ", "\u3000", "\t", "\n", "\u00a0", "a", "名"]),
              st.integers(0, 600)),
    st.sampled_from(["a\u0000b", "\u200b", "a\u202eb", "\ufeffx", "a\u2028b", "\u00ad", "\ud800", "ok \udfff"]),
)


@HOSTILE
@given(data=st.data(), text=TEXTS)
def test_given_blank_or_control_character_text_in_any_field_then_free_text_refuses_it_and_nothing_is_a_5xx(
    world: World, data: st.DataObject, text: str
) -> None:
    route, path = place(data, ROUTES)
    body = dumps(replaced(route.body, path, text))
    answer = world.answer("text", route, body)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert answer == INVALID, body  # a lone surrogate is no Unicode text, wherever it is
    if route is not PROGRAM and path and path[-1] in TEXT and bad_text(text):
        assert answer == INVALID, body


# ----- instants and days ------------------------------------------------------------------------

OFFSETS = st.one_of(st.sampled_from(["Z", "", "+00:00", "+14:00", "-12:00"]),
                    st.builds("{}{:02d}:{:02d}".format, st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)))
# The ends of the calendar are where conversions overflow: drawn as often as the rest.
YEARS = st.one_of(st.integers(1, 9999), st.sampled_from([1, 2, 1999, 2000, 2100, 2101, 9998, 9999]))
ISO_INSTANTS = st.builds("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}".format, YEARS,
                         st.integers(1, 12), st.integers(1, 31), st.integers(0, 23), st.integers(0, 59),
                         st.integers(0, 59), OFFSETS)
DATES = st.one_of(
    ISO_INSTANTS,
    st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)),
    st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.sampled_from(["", "now", "2026-11-23", "20261123T000000Z", "1700000000", "2026-02-30T00:00:00Z",
                     "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00", "2026-11-25T00:00:00+08:00"]),
)
DATE_FIELDS = INSTANTS | {"birthday", "date"}
DATED = [r for r in ROUTES if any(p and p[-1] in DATE_FIELDS for p in paths(r.body))]


@HOSTILE
@given(data=st.data(), value=DATES)
def test_given_any_instant_or_day_then_outside_2000_to_2100_or_a_day_ahead_it_is_a_422_never_a_5xx(
    world: World, clock: Clock, data: st.DataObject, value: Any
) -> None:
    route = data.draw(st.sampled_from(DATED), label="route")
    path = data.draw(st.sampled_from([p for p in paths(route.body) if p and p[-1] in DATE_FIELDS]), label="path")
    text = dumps(replaced(route.body, path, value))
    answer = world.answer("dates", route, text)
    if path[-1] in INSTANTS:
        year = instant_year(value)
        if year is None or not 2000 <= year <= 2100:
            assert answer == INVALID, text
        else:
            try:
                instant = dt.datetime.fromisoformat(str(value))
            except ValueError:
                return
            if instant.tzinfo is None or instant > clock() + dt.timedelta(days=1):
                assert answer == INVALID, text


# ----- ids --------------------------------------------------------------------------------------

IDS = st.one_of(st.text(max_size=80), st.integers(60, 5000).map(lambda n: "a" * n),
                st.text(st.characters(codec="ascii"), min_size=1, max_size=3000))


@HOSTILE
@given(data=st.data(), value=IDS, where=st.sampled_from(["sub", "program", "path", "key", "body"]))
def test_given_long_or_odd_ids_in_token_path_header_or_body_then_a_malformed_token_is_a_401_never_a_5xx(
    world: World, data: st.DataObject, value: str, where: str
) -> None:
    route = data.draw(st.sampled_from(ROUTES), label="route")
    text, event = dumps(route.body), {}
    if where in {"sub", "program"} and route.scope is not None:
        claims = member_claims() if route.scope == "member" else admin_claims()
        event["claims"] = {**claims, where: value}
    elif where == "path" and route.params:
        event["params"] = {name: value for name in route.params}
    elif where == "key" and route.keyed:
        event["key"] = value
    else:
        ids = [p for p in paths(route.body) if p and isinstance(value_at(route.body, p), str)]
        text = dumps(replaced(route.body, data.draw(st.sampled_from(ids), label="field"), value))
    status, code = world.answer("long ids", route, text, **event)
    if "claims" in event:
        pattern = MEMBER_ID if where == "sub" else PROGRAM_ID
        if not re.fullmatch(pattern, value):
            assert (status, code) == (401, "UNAUTHORIZED"), value


# ----- JSON types -------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


@HOSTILE
@given(data=st.data(), value=JSON_VALUES)
def test_given_any_json_value_in_place_of_any_field_then_ints_and_instants_take_no_other_type_never_a_5xx(
    world: World, data: st.DataObject, value: Any
) -> None:
    route, path = place(data, ROUTES)
    text = dumps(replaced(route.body, path, value))
    answer = world.answer("wrong JSON types", route, text)
    field = path[-1] if path and route is not PROGRAM else None
    not_an_object = not path and not isinstance(value, dict)
    not_an_int = field in INTS and (isinstance(value, bool) or not isinstance(value, int)) and not (
        value is None and field in NULLABLE_INTS)
    not_a_text = field in INSTANTS and not isinstance(value, str) and value is not None
    if not_an_object or not_an_int or not_a_text:
        assert answer == INVALID, text


# ----- duplicate keys ---------------------------------------------------------------------------


@HOSTILE
@given(data=st.data(), again=st.one_of(st.just("same"), JSON_VALUES))
def test_given_a_key_repeated_in_any_object_of_a_body_then_it_is_a_422_whichever_value_comes_last(
    world: World, data: st.DataObject, again: Any
) -> None:
    route = data.draw(st.sampled_from(ROUTES), label="route")
    where = data.draw(st.sampled_from(list(objects(route.body))), label="object")
    key = data.draw(st.sampled_from(sorted(value_at(route.body, where))), label="key")
    repeated = value_at(route.body, (*where, key)) if again == "same" else again
    text = dumps(with_duplicate(route.body, where, key, repeated))
    assert world.answer("duplicate keys", route, text) == INVALID, text


# ----- media types ------------------------------------------------------------------------------

MEDIA_TYPES = st.one_of(
    st.sampled_from([
        "application/json", "APPLICATION/JSON", "Application/Json; charset=UTF-8", "application/json;charset=latin-1",
        "application/vnd.api+json", "application/merge-patch+json", "application/problem+json; q=1",
        "application/jsonx", "application/json-seq", "text/json", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "", " ", "application/", "/json", "application/+json", "json",
        "application/json, text/plain", "application/xml", "*/*", "application/*", "application/json\x00",
    ]),
    st.builds("{}/{}{}".format, st.sampled_from(["application", "APPLICATION", "text", "multipart", "*", "app"]),
              st.sampled_from(["json", "JSON", "vnd.x+json", "X+JSON", "jsonx", "xml", "+json", "*", "json+x"]),
              st.sampled_from(["", "; charset=utf-8", ";charset=UTF-16", "; a=b", " ;", ";;"])),
)


@HOSTILE
@given(data=st.data(), content_type=MEDIA_TYPES)
def test_given_any_media_type_then_json_and_plus_json_are_read_and_anything_else_is_a_415_envelope(
    world: World, data: st.DataObject, content_type: str
) -> None:
    route = data.draw(st.sampled_from(ROUTES), label="route")
    status, code = world.answer("content types", route, dumps(route.body), content_type=content_type)
    if json_media_type(content_type):
        assert status != 415, content_type
    else:
        assert (status, code) == (415, "UNSUPPORTED_MEDIA_TYPE"), content_type
