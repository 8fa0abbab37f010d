"""Every log record is scrubbed before any handler, file handlers included."""

from __future__ import annotations

import logging

import pytest

from tau_secrets_ext.ipython._logging_guard import LoggingGuard
from tau_secrets_ext.scrub.scrub import Scrubber


@pytest.fixture
def scrubber(canary) -> Scrubber:
    scrub = Scrubber()
    scrub.register(canary, "demo")
    return scrub


@pytest.fixture
def log_file(tmp_path):
    """A child logger writing to a file, through a formatter with exceptions."""
    path = tmp_path / "app.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tau.tests.child.grandchild")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, path
    logger.removeHandler(handler)
    handler.close()


@pytest.fixture
def guard(scrubber):
    installed = LoggingGuard(scrubber)
    yield installed
    installed.uninstall()


def test_message_arguments_are_scrubbed_before_the_file_handler(
    guard, log_file, canary
):
    logger, path = log_file
    logger.warning("token %s in %r", canary, {"k": canary})
    assert path.read_text() == (
        "WARNING token [REDACTED:demo] in {'k': '[REDACTED:demo]'}\n"
    )


def test_exception_text_and_stack_are_scrubbed(guard, log_file, canary):
    logger, path = log_file
    try:
        raise ValueError("bad " + canary)
    except ValueError:
        logger.exception("failed")
    logger.error("here", stack_info=True)
    text = path.read_text()
    assert "ValueError: bad [REDACTED:demo]" in text
    assert "Stack (most recent call last)" in text
    assert canary not in text


def test_a_previous_factory_keeps_working_and_comes_back(scrubber, canary):
    seen = []
    original = logging.getLogRecordFactory()

    def tagging(*args, **kwargs):
        record = original(*args, **kwargs)
        seen.append(record.name)
        return record

    logging.setLogRecordFactory(tagging)
    try:
        guard = LoggingGuard(scrubber)
        made = logging.getLogRecordFactory()(
            "x", logging.INFO, __file__, 1, "v=%s", (canary,), None
        )
        assert made.getMessage() == "v=[REDACTED:demo]"
        assert seen == ["x"]
        guard.uninstall()
        assert logging.getLogRecordFactory() is tagging
    finally:
        logging.setLogRecordFactory(original)


def test_a_failing_scrub_withholds_the_record(log_file, canary):
    class Broken(Scrubber):
        """Raises on every scrub: the only way to reach the failure path."""

        def scrub(self, text: str) -> str:
            raise RuntimeError("broken")

    guard = LoggingGuard(Broken())
    own = logging.getLogger("tau_secrets_ext")
    own.setLevel(logging.DEBUG)
    try:
        logger, path = log_file
        own.addHandler(logger.handlers[0])
        logger.warning("token %s", canary)
    finally:
        own.removeHandler(logger.handlers[0])
        own.setLevel(logging.NOTSET)
        guard.uninstall()
    assert path.read_text() == (
        "DEBUG log record withheld: RuntimeError\n"
        "WARNING [tau-secrets: output withheld]\n"
    )


def test_uninstall_restores_the_factory(scrubber):
    before = logging.getLogRecordFactory()
    LoggingGuard(scrubber).uninstall()
    assert logging.getLogRecordFactory() is before
