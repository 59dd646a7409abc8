"""The message catalogue and the Refusal base class."""

from __future__ import annotations

import pickle

import pytest

from tablecloth import messages
from tablecloth.errors import Refusal


def test_unknown_reason_fails_where_it_is_raised():
    with pytest.raises(KeyError, match="not-a-reason"):
        Refusal("not-a-reason")


def test_refusal_reads_as_its_english_message():
    refusal = Refusal("refused", count=3)
    assert str(refusal) == messages.CATALOGUE["refused"]
    assert refusal.reason == "refused" and refusal.detail == {"count": 3}


def test_refusal_survives_pickling_with_its_detail():
    again = pickle.loads(pickle.dumps(Refusal("refused", limit=2)))
    assert type(again) is Refusal and again.detail == {"limit": 2}


@pytest.mark.parametrize(("value", "shown"), [(3, "3"), (2.5, "2.5"), (1.0, "1"), (1.256, "1.26")])
def test_numbers_print_plainly_in_english(value, shown, monkeypatch):
    monkeypatch.setitem(messages.CATALOGUE, "test.number", "n=%(n)s")
    assert messages.text("test.number", {"n": value}) == f"n={shown}"


def test_every_placeholder_is_a_plain_string_placeholder():
    # Numbers arrive formatted for the reader's locale, so %(x).2f would break in Russian.
    import re

    bad = [m for m in messages.CATALOGUE.values() if re.search(r"%\([a-z_]+\)[^s]", m)]
    assert not bad
