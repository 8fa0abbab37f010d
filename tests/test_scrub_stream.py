"""StreamScrubber: a secret split across any number of pieces never gets out."""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import string
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tau_secrets_ext.scrub import _stream
from tau_secrets_ext.scrub.scrub import Scrubber

MASK = "[REDACTED:k]"


def _key() -> str:
    return "tau" + secrets.token_urlsafe(24)


def _scrubber(*keys: str) -> Scrubber:
    s = Scrubber()
    for key in keys:
        s.register(key, "k")
    return s


def _run(s: Scrubber, pieces: list[str]) -> str:
    stream = s.stream()
    out = "".join(stream.feed(p) for p in pieces) + stream.flush()
    assert not stream.pending
    return out


def _split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def test_character_at_a_time_key_is_masked():
    key = _key()
    out = _run(_scrubber(key), list(f"before {key} after"))
    assert out == f"before {MASK} after"


def test_clean_text_is_released_at_once():
    s = _scrubber(_key())
    stream = s.stream()
    assert stream.feed("hello, world! ") == "hello, world! "
    assert not stream.pending


def test_possible_start_of_a_key_is_held_until_it_is_decided():
    key = _key()
    stream = _scrubber(key).stream()
    assert stream.feed("value: " + key[:6]) == "value: "
    assert stream.pending
    assert stream.feed(key[6:] + " ok.") == MASK + " ok."
    assert stream.feed("value: " + key[:6]) == "value: "
    assert stream.flush() == key[:6]
    assert not stream.pending


def test_key_at_the_very_end_is_held_then_masked_on_flush():
    key = _key()
    stream = _scrubber(key).stream()
    assert stream.feed("x" + key) == "x"
    assert stream.flush() == MASK


def test_partial_run_split_in_two_is_masked_whole():
    key = _key()
    out = _run(_scrubber(key), ["#" + key[:10], key[10:20] + "!"])
    assert out == f"#{MASK}!"


def test_stream_uses_keys_registered_after_it_was_made():
    key = _key()
    s = _scrubber(_key())
    stream = s.stream()
    first = stream.feed("x ")
    s.register(key, "late")
    out = first + stream.feed(key[:20]) + stream.feed(key[20:] + " y") + stream.flush()
    assert out == "x [REDACTED:late] y"


def test_split_unregistered_key_format_is_masked():
    value = "ghp_" + "".join(secrets.choice(string.ascii_letters) for _ in range(40))
    out = _run(Scrubber(), ["token=", *value, ";"])
    assert out == "token=[REDACTED:pattern];"


def test_endless_run_of_key_characters_is_released_at_the_limit():
    s = Scrubber()
    stream = s.stream()
    out = stream.feed("sk-")
    chunk = "a" * 4096
    for _ in range(_stream.HOLD_LIMIT // len(chunk) + 2):
        out += stream.feed(chunk)
    assert out
    assert "a" * 20 not in out


def test_large_piece_still_holds_its_tail():
    key = _key()
    stream = _scrubber(key).stream()
    big = "clean text. " * 20_000
    out = stream.feed(big + key[:10]) + stream.feed(key[10:] + ".")
    assert out + stream.flush() == big + MASK + "."


Encoder = Callable[[str], str]

VARIANTS: list[tuple[str, Encoder]] = [
    ("exact", lambda k: k),
    ("json", lambda k: json.dumps(k)),
    ("repr", repr),
    ("hex", lambda k: k.encode().hex()),
    ("HEX", lambda k: k.encode().hex().upper()),
    ("b64", lambda k: base64.b64encode(b"user:" + k.encode() + b"\n").decode()),
    ("b64url", lambda k: base64.urlsafe_b64encode(b"x" + k.encode()).decode()),
    ("partial", lambda k: k[3:22]),
]

_KEY_CHARS = st.sampled_from(string.ascii_letters + string.digits + "\"'\\<&%/+é🔑 ")
_FILLER = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    core=st.text(alphabet=_KEY_CHARS, min_size=24, max_size=40),
    variant=st.sampled_from(range(len(VARIANTS))),
    before=_FILLER,
    after=_FILLER,
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)
def test_random_splits_never_let_a_key_or_variant_through(
    core, variant, before, after, cuts
):
    key = "tau" + core
    s = _scrubber(key)
    encoded = VARIANTS[variant][1](key)
    text = before + encoded + after
    out = _run(s, _split(text, cuts))

    assert key not in out
    assert key[3:22] not in out
    assert encoded not in out
    assert s.scrub(out) == out


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=20),
)
def test_random_splits_of_clean_text_come_out_unchanged(text, cuts):
    s = _scrubber(_key(), _key())
    assert _run(s, _split(text, cuts)) == text
