"""An event's canonical form (``workflows.chain.canonical``) is written piece by piece
for speed: byte for byte what the JSON encoder the form is defined by writes, for any
text (quotes, backslashes, control and non-ASCII characters) and for fields of other
types too (a row written behind the bot's back), so that no digest ever changes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from workflows import chain

_REFERENCE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
texts = st.text(st.characters(codec="utf-8"), max_size=40)
maybe = st.none() | texts
odd = st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none() | texts


def reference(*fields: Any) -> bytes:
    return _REFERENCE([chain.FORM, *fields]).encode()


@given(st.tuples(texts, st.integers(min_value=0, max_value=10**12), texts, texts, texts,
                 texts, maybe, maybe, texts))
def test_the_canonical_form_is_what_the_encoder_writes(fields: tuple[Any, ...]) -> None:
    assert chain.canonical(*fields) == reference(*fields)


@given(st.lists(odd, min_size=9, max_size=9))
def test_fields_of_other_types_are_written_by_the_encoder_itself(fields: list[Any]) -> None:
    assert chain.canonical(*fields) == reference(*fields)


def test_a_known_event_keeps_its_digest() -> None:
    detail = json.dumps({"line": 2, "name": "Chicago, IL", "note": "“legal” opinion\n"},
                        sort_keys=True)
    fields = ("chicago", 3, "response", "U-LEA", "2017-06-30",
              "2018-02-03T15:04:05.123456+00:00", "letter_sent", None, detail)
    assert chain.canonical(*fields) == reference(*fields)
    assert chain.digest(*fields) == (
        "ce9bf53f79e0d2b40c5d00e7f3e4ca57d796c6a447b348934e90910df22c4245")
