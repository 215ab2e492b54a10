"""webhook-timestamp is read before anything else of a delivery, by anyone who can reach the URL:
whatever it holds, the answer is a 401 with a reason, never an exception out of the parser."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty.api.webhooks import WebhookRefused, read_headers

NOW = dt.datetime(2026, 11, 23, 6, 0, 0, 500_000, tzinfo=dt.UTC)  # half a second past the full second
NOW_S = int(NOW.timestamp())


def reason(timestamp: str) -> str:
    headers = {"webhook-id": "msg_ts", "webhook-timestamp": timestamp, "webhook-signature": "v1,AAAA"}
    with pytest.raises(WebhookRefused) as caught:
        read_headers(headers, NOW)
    assert caught.value.code == "UNAUTHORIZED"
    return caught.value.reason


@pytest.mark.parametrize("timestamp", ["²", "1614265330²", "١٦١٤٢٦٥٣٣٠", "１６１４２６５３３０", "𝟏𝟔𝟏𝟒", "+1614265330",
                                       "1_614_265_330", "0x60378000", "1" * 13, "9" * 5000])
def test_given_a_timestamp_of_anything_but_1_to_12_ascii_digits_then_it_is_an_invalid_timestamp(
    timestamp: str
) -> None:
    assert reason(timestamp) == "invalid_timestamp"


@pytest.mark.parametrize("timestamp", ["999999999999", "99999999999", str(NOW_S + 10**9)])
def test_given_a_timestamp_past_the_years_a_datetime_can_hold_then_it_is_simply_too_new(timestamp: str) -> None:
    assert reason(timestamp) == "timestamp_too_new"


@pytest.mark.parametrize("timestamp", ["0", "000000000001", str(NOW_S - 301)])
def test_given_a_timestamp_near_the_epoch_then_it_is_simply_too_old(timestamp: str) -> None:
    assert reason(timestamp) == "timestamp_too_old"


def test_given_the_tolerance_then_it_is_five_minutes_of_the_exact_instant_both_ways() -> None:
    # now is N.5 s: N - 300 is 300.5 s old (refused), N + 300 is 299.5 s ahead (accepted).
    assert reason(str(NOW_S - 300)) == "timestamp_too_old"
    assert reason(str(NOW_S + 301)) == "timestamp_too_new"
    for accepted in (NOW_S - 299, NOW_S, NOW_S + 300, f"  {NOW_S}  "):
        headers = {"webhook-id": "msg_ok", "webhook-timestamp": str(accepted), "webhook-signature": "v1,AAAA"}
        assert read_headers(headers, NOW).timestamp == int(str(accepted))
