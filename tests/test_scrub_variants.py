"""Encoded forms, partial runs, key formats, awkward characters, no over-redaction."""

from __future__ import annotations

import base64
import html
import json
import os
import secrets
import string
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest

from tau_secrets_ext.scrub import providers
from tau_secrets_ext.scrub.scrub import Scrubber

MASK = "[REDACTED:k]"


def _tail(n: int = 20) -> str:
    return secrets.token_urlsafe(n)


# Built at run time; each mixes in characters that every encoding treats
# specially.
AWKWARD = {
    "plain": lambda: "tau" + _tail(),
    "quotes": lambda: 'it\'s "q" ' + _tail(),
    "single-quote": lambda: "it's-" + _tail(),
    "backslash": lambda: "c:\\new\\" + _tail(),
    "html": lambda: "<a&b>" + _tail(),
    "percent": lambda: "100%+/x?" + _tail(),
    "control": lambda: "tab\tline\n" + _tail(),
    "cyrillic": lambda: "ключ-" + _tail(),
    "emoji": lambda: "🔑é" + _tail(),
    "cjk": lambda: "秘密鍵" + _tail(),
}

ENCODERS: dict[str, Callable[[str], str]] = {
    "exact": lambda k: k,
    "json": lambda k: json.dumps(k)[1:-1],
    "json-unicode": lambda k: json.dumps(k, ensure_ascii=False)[1:-1],
    "json-document": lambda k: json.dumps({"key": k}),
    "repr": lambda k: repr(k),
    "repr-in-list": lambda k: repr([k, 1]),
    "repr-single": lambda k: repr(k + "'\"")[1:-4],
    "ascii": lambda k: ascii(k),
    "json-of-repr": lambda k: json.dumps(repr(k)),
    "json-of-json": lambda k: json.dumps(json.dumps(k)),
    "html": lambda k: html.escape(k),
    "html-noquote": lambda k: html.escape(k, quote=False),
    "quote": lambda k: quote(k),
    "quote-safe-none": lambda k: quote(k, safe=""),
    "quote-plus": lambda k: quote_plus(k),
    "quote-plus-slash": lambda k: quote_plus(k, safe="/"),
    "url-query": lambda k: "https://x.test/?key=" + quote_plus(k) + "&a=1",
    "hex": lambda k: k.encode().hex(),
    "hex-upper": lambda k: k.encode().hex().upper(),
}


@pytest.fixture(params=sorted(AWKWARD))
def key(request) -> str:
    return AWKWARD[request.param]()


def _scrubber(key: str, **settings) -> Scrubber:
    s = Scrubber(**settings)
    s.register(key, "k")
    return s


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_every_text_encoding_is_masked_with_its_surroundings_kept(key, encoding):
    encoded = ENCODERS[encoding](key)
    text = f"«before» {encoded} «after»"
    out = _scrubber(key).scrub(text)
    assert MASK in out
    assert key not in out
    assert ENCODERS[encoding](key) not in out
    assert out.startswith("«before» ")
    assert out.endswith(" «after»")


def _b64(data: bytes, urlsafe: bool, padded: bool) -> str:
    text = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
    return text if padded else text.rstrip("=")


def _inside_chars(n_bits_before: int, n_bits: int) -> tuple[int, int]:
    """First and end index of the base64 characters made only of key bits."""
    return -(-n_bits_before // 6), (n_bits_before + n_bits) // 6


@pytest.mark.parametrize("urlsafe", [False, True])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize(
    ("before", "after"),
    [(b"", b""), (b"u", b""), (b"us", b"\n"), (b"user:", b"\n"), (b"ab", b"xyz!")],
)
def test_base64_at_every_alignment_is_masked(key, urlsafe, padded, before, after):
    data = key.encode()
    encoded = _b64(before + data + after, urlsafe, padded)
    out = _scrubber(key).scrub(f"Basic {encoded} end")

    assert out.count(MASK) == 1
    head, tail = out.split(MASK)
    first, end = _inside_chars(8 * len(before), 8 * len(data))
    # Nothing the key's bits made is left; nothing outside the blob changed.
    assert head.startswith("Basic ")
    assert tail.endswith(" end")
    blob_head, blob_tail = head[len("Basic ") :], tail[: -len(" end")]
    assert encoded.startswith(blob_head)
    assert encoded.endswith(blob_tail)
    assert first - 1 <= len(blob_head) <= first
    fully_after = len(encoded.rstrip("=")) - -(-(8 * (len(before) + len(data))) // 6)
    assert len(blob_tail.rstrip("=")) >= fully_after
    assert len(encoded) - len(blob_tail) >= end


def test_base64_inside_a_long_blob_keeps_the_rest_of_the_blob(key):
    noise = os.urandom(300)
    encoded = base64.b64encode(noise + key.encode() + noise).decode()
    out = _scrubber(key).scrub(encoded)
    head, tail = out.split(MASK)
    assert encoded.startswith(head) and len(head) >= 399
    assert encoded.endswith(tail) and len(tail) >= 399


@pytest.mark.parametrize(("start", "length"), [(0, 16), (0, 20), (5, 17), (-16, 16)])
def test_partial_runs_are_masked_whole(start, length):
    key = "tau" + _tail(30)
    piece = key[start : start + length] if start >= 0 else key[start:]
    out = _scrubber(key).scrub(f"shown: «{piece}».")
    assert out == f"shown: «{MASK}»."


def test_partial_run_is_extended_to_its_full_length():
    key = "tau" + _tail(30)
    out = _scrubber(key).scrub(f"<{key[2:35]}>")
    assert out == f"<{MASK}>"


def test_short_runs_and_disabled_partial_are_left_alone():
    key = "tau" + _tail(30)
    assert _scrubber(key).scrub(key[:15]) == key[:15]
    assert _scrubber(key, partial_length=0).scrub(key[:30]) == key[:30]
    s = _scrubber(key, partial_length=0)
    s.partial_length = 24
    assert s.scrub(key[:23] + "|" + key[:24]) == key[:23] + "|" + MASK


def test_partial_runs_of_escaped_forms_are_masked():
    key = 'a"b\\c' + _tail(30)
    shown = repr(key)[:25]
    assert _scrubber(key).scrub(shown).endswith(MASK)


def _key_samples() -> list[str]:
    alnum = string.ascii_letters + string.digits

    def rand(n: int, chars: str = alnum) -> str:
        return "".join(secrets.choice(chars) for _ in range(n))

    return [
        "sk-" + rand(40),
        "sk-proj-" + rand(48),
        "sk-ant-" + rand(60),
        "AIza" + rand(35),
        "hf_" + rand(34),
        "gsk_" + rand(52),
        "sk-or-v1-" + rand(64, "0123456789abcdef"),
        "ghp_" + rand(36),
        "gho_" + rand(36),
        "github_pat_" + rand(60),
        "AKIA" + rand(16, string.ascii_uppercase + string.digits),
        "xoxb-" + rand(24),
    ]


@pytest.mark.parametrize("sample", range(12))
def test_unregistered_key_formats_are_masked_as_pattern(sample):
    value = _key_samples()[sample]
    out = Scrubber().scrub(f"key = '{value}';")
    assert out == "key = '[REDACTED:pattern]';"
    assert Scrubber(patterns=False).scrub(value) == value


def test_key_format_needs_a_boundary():
    value = _key_samples()[0]
    text = "x" + value
    assert Scrubber().scrub(text) == text


def test_registered_name_wins_over_pattern():
    value = _key_samples()[1]
    assert _scrubber(value).scrub(value) == MASK


def test_every_key_pattern_has_prefixes():
    assert set(providers.PATTERN_PREFIXES) == set(providers.KEY_PATTERNS)
    for prefixes in providers.PATTERN_PREFIXES.values():
        assert prefixes
        assert all(set(p) <= set(providers.KEY_CHARS) for p in prefixes)


def test_turning_patterns_off_takes_effect_next_scrub():
    value = _key_samples()[3]
    s = Scrubber()
    assert s.scrub(value) == "[REDACTED:pattern]"
    s.patterns = False
    assert s.scrub(value) == value


def test_non_ascii_text_around_a_key_keeps_positions():
    key = "tau" + _tail()
    s = _scrubber(key)
    filler = "жé🙂" * 400
    text = f"{filler}{key}{filler}{key.encode().hex()}{filler}"
    assert s.scrub(text) == f"{filler}{MASK}{filler}{MASK}{filler}"


def _printable_noise(n: int) -> str:
    table = bytes(32 + i % 95 for i in range(256))
    return os.urandom(n).translate(table).decode("ascii")


def test_100_mb_of_random_text_with_100_secrets_masks_nothing():
    s = Scrubber(patterns=False)
    for i in range(100):
        s.register(AWKWARD[sorted(AWKWARD)[i % len(AWKWARD)]](), f"k{i}")
    text = _printable_noise(100_000_000)
    assert s.find(text) == []
    assert s.scrub(text) is text


def test_random_text_patterns_agree_with_the_regexes():
    text = _printable_noise(2_000_000) + " " + _key_samples()[0] + " "
    expected = sorted(
        {(m.start(), m.end()) for p in providers.KEY_PATTERNS for m in p.finditer(text)}
    )
    found = [(f.start, f.end) for f in Scrubber().find(text)]
    assert found == expected
    assert found


# 30 more secrets take the prefilter from its SIMD searcher to one DFA.
@pytest.mark.parametrize("extra", [0, 30])
def test_long_and_short_texts_give_the_same_findings(extra):
    keys = [AWKWARD[name]() for name in sorted(AWKWARD)]
    s = Scrubber()
    for i, key in enumerate(keys):
        s.register(key, f"k{i}")
    for i in range(extra):
        s.register(_tail(), f"extra{i}")
    pieces = [ENCODERS[e](k) for k in keys for e in sorted(ENCODERS)]
    pieces += [base64.b64encode(b"user:" + k.encode()).decode() for k in keys]
    for piece in pieces:
        short = f"<{piece}>"
        pad = "é." * 600
        expected = [
            (f.name, f.start + len(pad), f.end + len(pad)) for f in s.find(short)
        ]
        assert expected
        assert [tuple(f) for f in s.find(pad + short + pad)] == expected
