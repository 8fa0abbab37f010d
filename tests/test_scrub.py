"""Scrubber: registration, bad input, masking, findings, settings, threads."""

from __future__ import annotations

import logging
import secrets
import string
import threading

import pytest

from tau_secrets_ext.core.errors import InvalidSecret
from tau_secrets_ext.scrub.scrub import Finding, Scrubber


def _key(prefix: str = "tau", n: int = 24) -> str:
    return prefix + secrets.token_urlsafe(n)


@pytest.fixture
def scrubber(canary: str) -> Scrubber:
    s = Scrubber()
    s.register(canary, "canary")
    return s


def test_register_reports_new_and_known(canary: str) -> None:
    s = Scrubber()
    assert s.register(canary, "one") is True
    assert s.register(canary, "two") is False
    assert len(s) == 1
    assert canary in s
    assert _key() not in s
    assert 42 not in s


def test_exact_key_is_masked_and_text_around_it_kept(scrubber, canary) -> None:
    text = f"<before>{canary}\n{canary}<after>"
    assert scrubber.scrub(text) == "<before>[REDACTED:canary]\n[REDACTED:canary]<after>"


def test_clean_text_is_returned_unchanged(scrubber) -> None:
    text = string.printable * 50
    assert scrubber.scrub(text) == text
    assert scrubber.find(text) == []


def test_find_reports_names_and_positions(canary) -> None:
    s = Scrubber()
    other = _key()
    s.register(canary, "first")
    s.register(other, "second")
    text = f"a {other} b {canary}"
    assert s.find(text) == [
        Finding("second", 2, 2 + len(other)),
        Finding("first", 5 + len(other), 5 + len(other) + len(canary)),
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "must be a str"),
        (12345678901, "must be a str"),
        (b"bytes-are-not-text", "must be a str"),
        ("", "empty"),
        ("         ", "whitespace"),
        ("short", "shorter than 8"),
        ("[REDACTED:name]", "mask"),
        ("xx[REDACTED:name]yy", "mask"),
        ("REDACTED:na", "mask"),
        ("\ud800" + "x" * 20, "surrogate"),
    ],
)
def test_bad_values_are_refused_with_a_reason(value, reason) -> None:
    s = Scrubber()
    with pytest.raises(InvalidSecret, match=reason):
        s.register(value, "name")
    assert len(s) == 0


def test_bad_name_is_refused(canary) -> None:
    with pytest.raises(InvalidSecret, match="name"):
        Scrubber().register(canary, "")
    with pytest.raises(InvalidSecret, match="name"):
        Scrubber().register(canary, None)  # type: ignore[arg-type]


def test_refusal_messages_never_carry_the_value() -> None:
    value = secrets.token_urlsafe(3)[:5]
    s = Scrubber(min_length=8)
    with pytest.raises(InvalidSecret) as info:
        s.register(value, "name")
    message = str(info.value)
    assert value not in message
    assert value[:3] not in message
    assert str(len(value)) not in message


def test_min_length_applies_to_register_only(canary) -> None:
    s = Scrubber(min_length=100)
    with pytest.raises(InvalidSecret):
        s.register(canary, "x")
    s.min_length = 8
    assert s.register(canary, "x")
    s.min_length = 100
    assert s.scrub(canary) == "[REDACTED:x]"


def test_mask_is_configurable_and_takes_effect_next_scrub(scrubber, canary) -> None:
    version = scrubber.version
    scrubber.mask = "<{name} hidden>"
    assert scrubber.version > version
    assert scrubber.scrub(canary) == "<canary hidden>"
    scrubber.mask = "***"
    assert scrubber.scrub(canary) == "***"


@pytest.mark.parametrize("mask", ["", "  ", "{other}", "{0}", "{name"])
def test_bad_mask_is_refused(mask) -> None:
    with pytest.raises(ValueError, match="mask"):
        Scrubber(mask=mask)
    s = Scrubber()
    with pytest.raises(ValueError, match="mask"):
        s.mask = mask
    assert s.mask == "[REDACTED:{name}]"


def test_setting_the_same_value_keeps_the_version(scrubber) -> None:
    version = scrubber.version
    scrubber.mask = scrubber.mask
    scrubber.partial_length = scrubber.partial_length
    scrubber.patterns = scrubber.patterns
    assert scrubber.version == version


def test_same_secret_gets_the_same_mask_everywhere(scrubber, canary) -> None:
    out = scrubber.scrub(f"{canary} {canary[:20]} {canary.encode().hex()}")
    assert out == "[REDACTED:canary] [REDACTED:canary] [REDACTED:canary]"


def test_scrub_is_idempotent(scrubber, canary) -> None:
    once = scrubber.scrub(f"x{canary}y {_key('sk-', 30)}")
    assert scrubber.scrub(once) == once


def test_repr_shows_no_secret(scrubber, canary) -> None:
    assert canary not in repr(scrubber)
    assert canary[:8] not in repr(scrubber)
    assert canary not in repr(scrubber.stream())


def test_on_register_callbacks_run_and_errors_stay_quiet(canary, caplog) -> None:
    s = Scrubber()
    calls: list[int] = []
    s.on_register(lambda: calls.append(len(s)))

    def broken() -> None:
        raise RuntimeError(f"callback saw {canary}")

    s.on_register(broken)
    caplog.set_level(logging.DEBUG)
    assert s.register(canary, "x")
    assert not s.register(canary, "x")
    assert calls == [1]
    assert canary not in caplog.text
    assert "RuntimeError" in caplog.text


def test_normal_scrubbing_logs_nothing_above_debug(scrubber, canary, caplog) -> None:
    caplog.set_level(logging.INFO)
    scrubber.scrub(canary * 3)
    assert caplog.records == []


def test_register_during_scrubbing_on_other_threads(canary) -> None:
    s = Scrubber()
    s.register(canary, "first")
    text = (f"{canary} plain text " * 20) + "end" * 300
    keys = [_key() for _ in range(30)]
    errors: list[BaseException] = []

    def scrub_loop() -> None:
        try:
            for _ in range(50):
                assert canary not in s.scrub(text)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=scrub_loop) for _ in range(3)]
    for t in threads:
        t.start()
    for key in keys:
        s.register(key, "late")
    for t in threads:
        t.join()
    assert errors == []
    assert all(s.scrub(k) == "[REDACTED:late]" for k in keys)


@pytest.mark.parametrize("size", [10, 2000])
def test_text_with_lone_surrogates_is_scrubbed(scrubber, canary, size) -> None:
    filler = "\udcff\u00e9" * size
    text = f"{filler}{canary}{filler}"
    assert scrubber.scrub(text) == f"{filler}[REDACTED:canary]{filler}"
    stream = scrubber.stream()
    out = stream.feed(text[: size + 10]) + stream.feed(text[size + 10 :])
    assert out + stream.flush() == f"{filler}[REDACTED:canary]{filler}"


def test_scrub_refuses_non_text(scrubber) -> None:
    with pytest.raises(TypeError, match="bytes"):
        scrubber.scrub(b"raw bytes")  # type: ignore[arg-type]
