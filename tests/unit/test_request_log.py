"""The account's log of recent request keys (store/requests.py): what it keeps and forgets."""

from __future__ import annotations

from loyalty.store import requests
from loyalty.store.requests import MAX_POINTERS, Pointer, append, decode, digest, find

from .builders import EPOCH_DAY


def pointer(key: str, version: int, expires_day: int = EPOCH_DAY + 7) -> Pointer:
    return Pointer(digest(key), version, expires_day)


def test_given_an_appended_key_then_it_is_found_with_the_version_that_holds_its_record() -> None:
    log = append(b"", pointer("redeem:k1", 42), today=EPOCH_DAY)
    found = find(log, "redeem:k1")
    assert found is not None and (found.version, found.expires_day) == (42, EPOCH_DAY + 7)
    assert find(log, "redeem:k2") is None


def test_given_pointers_past_their_day_when_the_account_is_written_then_they_are_dropped() -> None:
    log = append(b"", pointer("old", 1, expires_day=EPOCH_DAY - 1), today=EPOCH_DAY - 8)
    log = append(log, pointer("kept", 2, expires_day=EPOCH_DAY), today=EPOCH_DAY - 1)
    log = append(log, pointer("new", 3), today=EPOCH_DAY)
    assert [p.version for p in decode(log)] == [2, 3]  # a pointer lives through its last day


def test_given_more_recent_keys_than_the_cap_then_the_oldest_are_forgotten_and_the_log_stays_bounded() -> None:
    log = b""
    for n in range(MAX_POINTERS + 10):
        log = append(log, pointer(f"k{n}", n + 1), today=EPOCH_DAY)
    assert len(log) == 12 * MAX_POINTERS
    assert find(log, "k9") is None and find(log, "k10") is not None


def test_given_a_key_recorded_twice_then_the_newest_pointer_wins() -> None:
    log = append(append(b"", pointer("k", 5), today=EPOCH_DAY), pointer("k", 9), today=EPOCH_DAY)
    found = find(log, "k")
    assert found is not None and found.version == 9


def test_given_a_pointer_to_a_request_item_then_its_version_says_so() -> None:
    log = append(b"", pointer("remind:2027-01-31:7", requests.IN_REQUEST_ITEM), today=EPOCH_DAY)
    found = find(log, "remind:2027-01-31:7")
    assert found is not None and found.version == requests.IN_REQUEST_ITEM
