import datetime as dt
from collections import Counter
from loyalty.api.routes import partners as partner_routes
from tests.support import partners as p

def test_measure(svc, table, monkeypatch):
    now = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(partner_routes, "utc_now", lambda: now)
    secret = p.register()[1]["secret"]
    p.send("shop", secret, p.payload("member.registered"), webhook_id="warm", at=now)
    calls = Counter()
    def count(event_name, **kw):
        calls[event_name.split(".")[-1]] += 1
    svc.store.client.meta.events.register("before-call.dynamodb", count)
    svc.partners.provider.client.meta.events.register("before-call.ssm", count)
    for name, body, wid in [("paid", p.payload("order.paid", order_id="o1", amount_fen=10000), "w1"),
                            ("paid replay", p.payload("order.paid", order_id="o1", amount_fen=10000), "w1"),
                            ("completed", p.payload("order.completed", order_id="o1"), "w2"),
                            ("refunded", p.payload("order.refunded", order_id="o1", refund_id="r", amount_fen=100), "w3")]:
        calls.clear()
        p.send("shop", secret, body, webhook_id=wid, at=now)
        print(f"\n{name}: {dict(calls)}")
    assert 0
