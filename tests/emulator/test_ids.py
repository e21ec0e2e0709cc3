"""Generated ids: their alphabets, their randomness, seeded sequences, and their cost."""

from __future__ import annotations

import collections
import re
import secrets
import string

import pytest

from trigger.emulator.ids import IdGenerator


def test_unseeded_values_have_their_shapes_and_never_repeat() -> None:
    ids = IdGenerator()
    cuids = [ids.cuid() for _ in range(2000)]
    assert all(re.fullmatch(r"c[a-z0-9]{24}", value) for value in cuids)
    assert len(set(cuids)) == len(cuids)
    assert re.fullmatch(r"tr_dev_[A-Za-z0-9]{24}", ids.secret_key("dev"))
    assert re.fullmatch(r"tr_pat_[a-z0-9]{40}", ids.personal_access_token())
    assert re.fullmatch(r"proj_[a-z]{20}", ids.project_ref())
    assert re.fullmatch(r"[a-z0-9]{7}", ids.token(7))


def test_unseeded_characters_are_equally_likely() -> None:
    # 36 symbols do not divide 256: a plain `byte % 36` would make a-d a ninth likelier.
    ids = IdGenerator()
    counts = collections.Counter("".join(ids.token(100) for _ in range(3600)))
    assert set(counts) == set(string.ascii_lowercase + string.digits)
    expected = 360_000 / 36
    assert all(abs(n - expected) < expected * 0.05 for n in counts.values()), counts


def test_seeded_sequences_are_what_they_always_were() -> None:
    ids = IdGenerator(1)
    assert ids.cuid() == "cieqh524yng5by1a2rogubbb8"
    assert ids.secret_key("dev") == "tr_dev_a84yRnBUbHoWC8FJowoRoWD8"
    assert ids.token(8) == "sb09glsh"


def test_unseeded_ids_take_one_random_read_each(monkeypatch: pytest.MonkeyPatch) -> None:
    # One id per trigger: drawing each character from SystemRandom read the OS once per
    # character (100 µs an id); one read per id is what keeps triggering cheap (the speed
    # itself is measured in benchmarks/emulator.py, not asserted here).
    reads: list[int] = []
    real = secrets.token_bytes

    def counting(count: int) -> bytes:
        reads.append(count)
        return real(count)

    monkeypatch.setattr(secrets, "token_bytes", counting)
    ids = IdGenerator()
    made = {ids.cuid() for _ in range(1_000)}
    assert len(made) == 1_000
    # Exactly one read an id, but for a rare second one when too many bytes were dropped.
    assert 1_000 <= len(reads) <= 1_010
