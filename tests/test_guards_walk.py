"""Scrubbing a message part: every string, in any nesting, and nothing else."""

from __future__ import annotations

import base64

import pytest

from tau_secrets_ext.ipython._walk import (
    WITHHELD,
    scrub_buffer,
    scrub_tree,
    withhold_tree,
)
from tau_secrets_ext.scrub.scrub import Scrubber


@pytest.fixture
def scrub(canary):
    scrubber = Scrubber()
    scrubber.register(canary, "demo")
    return scrubber.scrub


def test_every_string_in_dicts_lists_and_tuples(scrub, canary):
    history = [(1, 2, "x = " + canary), (1, 3, "pass")]
    content = {"history": history, "count": 3, canary: None, "ok": True}
    clean = scrub_tree(content, scrub)
    assert clean == {
        "history": [(1, 2, "x = [REDACTED:demo]"), (1, 3, "pass")],
        "count": 3,
        "[REDACTED:demo]": None,
        "ok": True,
    }
    assert content["history"][0][2].endswith(canary)  # the input is untouched


def test_raster_images_are_skipped_but_their_metadata_is_not(scrub, canary):
    png = base64.b64encode(b"\x89PNG" + canary.encode()).decode()
    bundle = {"data": {"image/png": png}, "metadata": {"image/png": {"alt": canary}}}
    clean = scrub_tree(bundle, scrub)
    assert clean["data"]["image/png"] == png
    assert clean["metadata"]["image/png"]["alt"] == "[REDACTED:demo]"


def test_buffers_keep_every_byte_around_the_key(scrub, canary):
    raw = b"\x00\xff binary " + canary.encode() + b" \xfe\x01"
    assert scrub_buffer(raw, scrub) == b"\x00\xff binary [REDACTED:demo] \xfe\x01"
    clean = b"\x00\xff nothing here"
    assert scrub_buffer(memoryview(clean), scrub).tobytes() == clean


def test_withholding_keeps_field_names_and_short_values(canary):
    reply = {"status": "ok", "protocol_version": "5.4", "text/plain": "some text"}
    reply[canary] = [canary, 7, b"bytes"]
    held = withhold_tree(reply, keep_below=8)
    assert held == {
        "status": "ok",
        "protocol_version": "5.4",
        "text/plain": WITHHELD,
        WITHHELD: [WITHHELD, 7, b""],
    }


def test_nesting_too_deep_raises_so_the_caller_fails_closed(scrub):
    deep: list = []
    for _ in range(500):
        deep = [deep]
    with pytest.raises(RecursionError):
        scrub_tree(deep, scrub)
