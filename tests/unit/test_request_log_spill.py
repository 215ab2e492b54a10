"""What a write does to the account's request log before the store appends its own pointer
(store/requests.py ``prepare``): second keys added, and the oldest pointers spilled to an item
of their own instead of being forgotten when the log is full."""

from __future__ import annotations

from loyalty.store.requests import (
    MAX_POINTERS,
    SPILL_CHUNK,
    SPILL_MARK,
    Pointer,
    append,
    decode,
    digest,
    encode,
    find,
    prepare,
    second_key,
    spill_op,
)

from .builders import EPOCH_DAY


def full_log(count: int = MAX_POINTERS, *, expires_day: int = EPOCH_DAY + 7) -> bytes:
    return encode([Pointer(digest(f"k{n}"), n + 1, expires_day) for n in range(count)])


def test_given_a_log_with_room_when_a_write_prepares_it_then_it_is_handed_on_as_it_is_and_nothing_spills() -> None:
    log = full_log(MAX_POINTERS - 1)
    assert prepare(log, new=[], adds_pointer=True, today=EPOCH_DAY) == (log, [])


def test_given_a_full_log_when_a_write_adds_its_pointer_then_the_oldest_chunk_spills_and_no_key_is_lost() -> None:
    log = full_log()
    kept, moved = prepare(log, new=[], adds_pointer=True, today=EPOCH_DAY)
    assert [p.version for p in moved] == list(range(1, SPILL_CHUNK + 1))
    pointers = decode(kept)
    assert pointers[-1] == Pointer(SPILL_MARK, 0, EPOCH_DAY + 7)  # until the last spilled pointer's day
    assert [p.version for p in pointers[:-1]] == list(range(SPILL_CHUNK + 1, MAX_POINTERS + 1))
    after = append(kept, Pointer(digest("new"), 999, EPOCH_DAY + 7), today=EPOCH_DAY)
    # Every key is either still in the account's log or in the spill item: none forgotten.
    assert len(decode(after)) < MAX_POINTERS
    assert all(find(after, f"k{n}") or any(p.digest == digest(f"k{n}") for p in moved) for n in range(MAX_POINTERS))


def test_given_a_log_that_spilled_before_when_it_spills_again_then_one_mark_lasts_until_the_latest_spilled_day() -> None:
    older = [Pointer(digest(f"k{n}"), n + 1, EPOCH_DAY + 3) for n in range(SPILL_CHUNK)]
    newer = [Pointer(digest(f"n{n}"), 500 + n, EPOCH_DAY + 4) for n in range(MAX_POINTERS - SPILL_CHUNK - 1)]
    log = encode([*older, Pointer(SPILL_MARK, 0, EPOCH_DAY + 9), *newer])  # an earlier spill lives to EPOCH_DAY + 9
    again, moved = prepare(log, new=[], adds_pointer=True, today=EPOCH_DAY)
    assert moved == older
    assert [p for p in decode(again) if p.digest == SPILL_MARK] == [Pointer(SPILL_MARK, 0, EPOCH_DAY + 9)]
    assert [p for p in decode(again) if p.digest != SPILL_MARK] == newer


def test_given_a_second_key_when_a_write_prepares_the_log_then_it_is_added_and_counts_toward_the_bound() -> None:
    extra = second_key("earn:order-1001", 42, EPOCH_DAY + 7)
    log, moved = prepare(full_log(3), new=[extra], adds_pointer=False, today=EPOCH_DAY)
    assert moved == [] and find(log, "earn:order-1001") == extra
    _, moved = prepare(full_log(MAX_POINTERS - 1), new=[extra], adds_pointer=True, today=EPOCH_DAY)
    assert len(moved) == SPILL_CHUNK


def test_given_spilled_pointers_when_their_last_day_passes_then_the_mark_leaves_the_log_with_them() -> None:
    kept, _ = prepare(full_log(expires_day=EPOCH_DAY + 7), new=[], adds_pointer=True, today=EPOCH_DAY)
    later = append(kept, None, today=EPOCH_DAY + 8)
    assert decode(later) == []


def test_given_a_spill_then_its_item_holds_the_pointers_and_expires_after_the_last_of_them() -> None:
    moved = [Pointer(digest("a"), 1, EPOCH_DAY + 5), Pointer(digest("b"), 2, EPOCH_DAY + 7)]
    op = spill_op("P#demo#M#m1", 300, moved)
    assert op["Key"] == {"PK": "P#demo#M#m1", "SK": "REQLOG#0000000300"}
    values = op["ExpressionAttributeValues"]
    assert decode(values[":p"]) == moved and values[":t"] == (EPOCH_DAY + 8) * 86400
    assert "ConditionExpression" not in op  # one per account version: it can never fail a write
