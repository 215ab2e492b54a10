import json

from ..support.events import admin_claims, call, http_event, member_claims


def test_probe(svc, table):
    def show(fn, ev):
        s, b = call(fn, ev); print(ev["routeKey"], s, json.dumps(b, ensure_ascii=False)[:400])
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(), raw_body="{bad", headers={"Idempotency-Key": "k"}))
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(), raw_body="\xff\xfe", base64_body=False, headers={"Idempotency-Key": "k"}))
    ev = http_event("POST", "/v1/me/redemptions", claims=member_claims(), body={"reward_id":"x"}, headers={"Idempotency-Key": "k"})
    import base64; ev["body"] = base64.b64encode(b"\xff\xfe{}").decode(); ev["isBase64Encoded"] = True
    show("redeem", ev)
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(), raw_body="reward_id=x", headers={"Idempotency-Key": "k", "content-type": "application/x-www-form-urlencoded"}))
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(), raw_body="--x", headers={"Idempotency-Key": "k", "content-type": "multipart/form-data"}))
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(), body={}, headers={"Idempotency-Key": "k"}))
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(), body={"reward_id":"x"}))
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(), body=[1], headers={"Idempotency-Key": "k"}))
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=None, body={"reward_id":"x"}, headers={"Idempotency-Key": "k"}))
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=admin_claims(), body={"reward_id":"x"}, headers={"Idempotency-Key": "k"}))
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(), body={"reward_id":"x"}, headers={"Idempotency-Key": "k"}))
    show("redeem", http_event("GET", "/v1/nothing", claims=member_claims()))
    show("redeem", http_event("POST", "/v1/me/redemptions", claims=member_claims(), raw_body="", headers={"Idempotency-Key": "k"}))
    show("admin", http_event("GET", "/v1/admin/program", claims=admin_claims()))
    show("admin", http_event("PUT", "/v1/admin/program", claims=admin_claims(), body={"id": "demo", "name": "x", "tiers": [{"code":"a","name":"A","threshold":5}, {"code":"b","name":"B","threshold":1}], "timezone": "Mars/Base"}))
    show("admin", http_event("PUT", "/v1/admin/program", claims=admin_claims(), body=[1]))
    show("admin", http_event("POST", "/v1/admin/rewards", claims=admin_claims(), body={"id": "a b#c", "name": "x", "points": 5}))
    show("admin", http_event("GET", "/v1/admin/rewards", claims=admin_claims()))
    show("account", http_event("GET", "/v1/me/ledger", claims=member_claims(), query={"cursor": "!!!!"}))
    show("account", http_event("GET", "/v1/me/ledger", claims=member_claims(), query={"cursor": "VFgjMDAw"}))
    show("account", http_event("GET", "/v1/me/ledger", claims=member_claims(), query={"limit": "0"}))
    show("account", http_event("GET", "/v1/me/ledger", claims=member_claims(), query={"limit": "abc"}))
    show("account", http_event("GET", "/v1/me", claims=member_claims(program="nope")))
    show("account", http_event("GET", "/v1/me", claims={"sub": "m1", "program": "demo", "scope": "member"}))
