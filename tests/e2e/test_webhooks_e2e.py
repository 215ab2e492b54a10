"""Partner webhooks over real HTTP through the local stack: the route has no JWT authorizer, the
partner's secret comes from the stack's SSM, and the ledger tells the whole order story."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook

from .conftest import Local, unique

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def post_signed(local: Local, partner: str, secret: str, body: dict[str, Any], webhook_id: str,
                *, at: dt.datetime | None = None) -> tuple[int, Any]:
    """POST the exact bytes that were signed (no re-serialisation on the way)."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    when = at or dt.datetime.now(dt.UTC)  # the stack's functions read the real clock
    headers = {"content-type": "application/json", "webhook-id": webhook_id,
               "webhook-timestamp": str(int(when.timestamp())),
               "webhook-signature": Webhook(secret).sign(webhook_id, when, raw.decode())}
    url = urllib.parse.urlsplit(f"{local.endpoints.api_url}/v1/partners/{partner}/webhooks")
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
    try:
        conn.request("POST", url.path, body=raw, headers=headers)
        response = conn.getresponse()
        text = response.read()
    finally:
        conn.close()
    return response.status, json.loads(text) if text else None


def test_a_signed_order_paid_then_completed_then_partly_refunded_tells_its_story_in_the_ledger(local: Local) -> None:
    # given: a registered partner
    admin, member = local.admin(), local.member(unique("wh"))
    partner = unique("shop")
    status, registered = admin.call("PUT", f"/v1/admin/partners/{partner}",
                                    {"name": "Shop", "events": ["order.paid", "order.completed", "order.refunded"]})
    assert status == 201, registered
    secret = registered["secret"]
    order = unique("ord")

    # when: it signs order.paid, order.completed (twice) and a half refund; then: each is answered
    paid = {"type": "order.paid", "data": {"member_id": member.id, "order_id": order, "amount_fen": 25800}}
    status, answer = post_signed(local, partner, secret, paid, unique("msg"))
    assert status == 200, answer
    assert answer["results"][0] | {"member_id": member.id} == {
        "member_id": member.id, "points": 758, "status": "pending", "balance": 0, "pending": 758, "order_id": order}
    assert (member.me()["balance"], member.me()["pending"]) == (0, 758)

    completed_id = unique("msg")
    completed = {"type": "order.completed", "data": {"member_id": member.id, "order_id": order}}
    status, first = post_signed(local, partner, secret, completed, completed_id)
    assert (status, first["results"][0]["status"], first["results"][0]["balance"]) == (200, "available", 758)
    assert post_signed(local, partner, secret, completed, completed_id) == (200, first)  # a partner's retry

    refunded = {"type": "order.refunded",
                "data": {"member_id": member.id, "order_id": order, "refund_id": "rf-1", "amount_fen": 12900}}
    status, answer = post_signed(local, partner, secret, refunded, unique("msg"))
    # Half the order: half its 258 points come back, the first-order bonus stays.
    assert (status, answer["results"][0]["points"], answer["results"][0]["balance"]) == (200, -129, 629)

    # then: the ledger tells the order's story
    status, ledger = member.call("GET", "/v1/me/ledger?limit=10")
    assert status == 200
    assert [(e["type"], e["points"], e["balance_after"], e["ref"]) for e in reversed(ledger["entries"])] == [
        ("earn", 0, 0, order), ("bonus", 0, 0, order), ("activate", 758, 758, order), ("clawback", -129, 629, order)]


def test_an_unsigned_or_stale_delivery_is_refused_with_401_and_writes_nothing(local: Local) -> None:
    admin, member = local.admin(), local.member(unique("wh"))
    partner = unique("shop")
    status, registered = admin.call("PUT", f"/v1/admin/partners/{partner}", {"name": "Shop", "events": ["order.paid"]})
    assert status == 201, registered
    paid = {"type": "order.paid", "data": {"member_id": member.id, "order_id": unique("o"), "amount_fen": 1000}}
    before = local.table_items()
    status, body = local.call("POST", f"/v1/partners/{partner}/webhooks", body=paid)
    assert (status, body["error"]["code"], body["error"]["details"]["reason"]) == (401, "UNAUTHORIZED", "missing_headers")
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=301)
    status, body = post_signed(local, partner, registered["secret"], paid, unique("msg"), at=stale)
    assert (status, body["error"]["details"]["reason"]) == (401, "timestamp_too_old")
    assert local.table_items() == before


def test_points_earned_reach_a_subscribed_partner_as_signed_posts_through_stream_bus_and_queue(local: Local) -> None:
    # given: a partner's endpoint on 127.0.0.1, subscribed to PointsEarned
    received: list[tuple[dict[str, str], bytes]] = []
    arrived = threading.Condition()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            with arrived:
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                arrived.notify_all()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        admin, member = local.admin(), local.member(unique("ev"))
        partner = unique("crm")
        status, registered = admin.call("PUT", f"/v1/admin/partners/{partner}", {
            "name": "CRM", "events": [], "deliver_to": f"http://127.0.0.1:{server.server_address[1]}/loyalty",
            "subscribe": ["PointsEarned"]})
        assert status == 201, registered
        # when: points are earned
        admin.earn(member.id, unique("order"), 1000)  # 10 points and the 500 first-order bonus
        with arrived:
            # Stream -> publisher -> bus -> fan-out -> queue -> POST runs on its own; wait for it.
            arrived.wait_for(lambda: len([b for _, b in received if member.id.encode() in b]) >= 2, timeout=90)
    finally:
        server.shutdown()
        server.server_close()
    # then: both entries arrived as posts the reference package verifies
    mine = [(h, b) for h, b in received if member.id.encode() in b]
    verified = [Webhook(registered["secret"]).verify(body, headers) for headers, body in mine]
    assert sorted((v["type"], v["data"]["entry_type"], v["data"]["points"]) for v in verified) == [
        ("PointsEarned", "bonus", 500), ("PointsEarned", "earn", 10)]
    assert all(h["webhook-id"] == f"evt_{v['data']['event_id']}" for (h, _), v in zip(mine, verified, strict=True))


def test_an_invite_by_webhook_pays_the_inviter_once_the_friends_first_order_is_paid(local: Local) -> None:
    """The whole referral path of the stack: the table's stream, the publisher, the bus's rule
    for the engine's own ReferralQualified, the member-action consumer."""
    admin = local.admin()
    inviter, friend = local.member(unique("inviter")), local.member(unique("friend"))
    partner = unique("shop")
    status, registered = admin.call("PUT", f"/v1/admin/partners/{partner}",
                                    {"name": "Shop", "events": ["member.action", "order.paid"]})
    assert status == 201, registered
    secret = registered["secret"]
    invite = {"type": "member.action", "data": {"member_id": inviter.id, "action": "invite", "ref": friend.id}}
    status, answer = post_signed(local, partner, secret, invite, unique("msg"))
    assert status == 200 and answer["results"][0]["status"] == "recorded", answer

    paid = {"type": "order.paid", "data": {"member_id": friend.id, "order_id": unique("ord"), "amount_fen": 9900}}
    status, answer = post_signed(local, partner, secret, paid, unique("msg"))
    assert status == 200, answer
    deadline = time.monotonic() + 90
    while inviter.me()["balance"] != 200 and time.monotonic() < deadline:
        time.sleep(1)
    assert inviter.me()["balance"] == 200
    status, ledger = inviter.call("GET", "/v1/me/ledger")
    assert status == 200
    assert [(e["points"], e["ref"]) for e in ledger["entries"]] == [(200, friend.id), (0, friend.id)]
