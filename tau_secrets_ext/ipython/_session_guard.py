"""Scrub every message the kernel sends, by wrapping ``kernel.session.send``.

Every socket and thread of ipykernel (6.29 and 7.x) sends through this one
method, so one wrapper covers streams, displays, replies, comms and debugger
messages. Headers are left alone: ``header`` is built by the session from ids
and dates, and ``parent_header`` is the frontend's own request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from jupyter_client.session import Message

from ._streams import Pending, StreamBook
from ._walk import WITHHELD, scrub_buffer, scrub_tree, withhold_tree

if TYPE_CHECKING:
    from ..scrub.scrub import Scrubber

__all__ = ["SessionGuard"]

log = logging.getLogger(__name__)

# Messages that show output of a cell: held-back stream text of the same cell
# goes out before them, so that the order of output is kept.
_OUTPUT_TYPES = frozenset(
    {"display_data", "update_display_data", "execute_result", "error", "clear_output"}
)


class SessionGuard:
    """Replaces ``session.send`` on one session; :meth:`uninstall` undoes it."""

    def __init__(self, session: Any, scrubber: Scrubber):
        self._session = session
        self._scrubber = scrubber
        self._original = session.send
        self._had_own = "send" in vars(session)
        self._active = True
        self._book = StreamBook(scrubber, self._emit_pending)
        session.send = self._send

    def uninstall(self) -> None:
        """Release held-back text and put the original ``send`` back."""
        self._book.stop()
        self._active = False
        if vars(self._session).get("send") != self._send:
            return  # someone wrapped on top of us: stay as a pass-through
        if self._had_own:
            self._session.send = self._original
        else:
            del self._session.send

    def _send(
        self,
        stream: Any,
        msg_or_type: Any,
        content: Any = None,
        parent: Any = None,
        ident: Any = None,
        buffers: Any = None,
        track: bool = False,
        header: Any = None,
        metadata: Any = None,
    ) -> Any:
        if not self._active:
            return self._original(
                stream,
                msg_or_type,
                content,
                parent,
                ident,
                buffers,
                track,
                header,
                metadata,
            )
        if isinstance(msg_or_type, Message):
            msg_or_type = _plain(msg_or_type)
        if isinstance(msg_or_type, dict):
            msg = msg_or_type
            buffers = buffers or msg.get("buffers") or []
        else:
            msg = self._session.msg(
                msg_or_type,
                content=content,
                parent=parent,
                header=header,
                metadata=metadata,
            )
        clean, buffers, scrubbed = self._clean(msg, buffers or [])
        if clean is None:
            return msg
        if scrubbed:
            clean = self._route(stream, ident, clean)
        if clean is None:
            return msg
        return self._original(stream, clean, ident=ident, buffers=buffers, track=track)

    def _clean(
        self, msg: dict[str, Any], buffers: list[Any]
    ) -> tuple[dict[str, Any] | None, list[Any], bool]:
        """Scrub content, metadata and buffers; withhold them if that fails.

        Stream text is left to :meth:`_route`. The flag is False when the
        message was withheld instead of scrubbed.
        """
        try:
            scrub = self._scrubber.scrub
            clean = dict(msg)
            clean["metadata"] = scrub_tree(msg.get("metadata", {}), scrub)
            if _msg_type(msg) != "stream":
                clean["content"] = scrub_tree(msg.get("content", {}), scrub)
            clean["buffers"] = [scrub_buffer(buf, scrub) for buf in buffers]
            return clean, clean["buffers"], True
        except Exception as exc:
            log.debug(
                "scrub failed, withholding %s: %s", _msg_type(msg), type(exc).__name__
            )
        try:
            return self._withhold(msg), [], False
        except Exception as exc:
            log.debug("withholding failed, dropping message: %s", type(exc).__name__)
            return None, [], False

    def _withhold(self, msg: dict[str, Any]) -> dict[str, Any]:
        keep = self._scrubber.min_length
        clean = dict(msg)
        clean["metadata"] = withhold_tree(msg.get("metadata", {}), keep)
        clean["content"] = withhold_tree(msg.get("content", {}), keep)
        if _msg_type(msg) == "stream":
            clean["content"]["text"] = WITHHELD + "\n"
        clean["buffers"] = []
        return clean

    def _route(
        self, stream: Any, ident: Any, msg: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Pass stream text through its streaming scrubber; release held text."""
        msg_type = _msg_type(msg)
        parent = msg.get("parent_header") or {}
        parent_id = str(parent.get("msg_id", ""))
        if msg_type == "stream":
            return self._route_stream(stream, ident, msg, parent)
        if msg_type in _OUTPUT_TYPES:
            self._book.release(parent_id)
        elif msg_type == "status" and _is_idle(msg):
            self._book.release(parent_id, idle=True)
        return msg

    def _route_stream(
        self, stream: Any, ident: Any, msg: dict[str, Any], parent: dict[str, Any]
    ) -> dict[str, Any] | None:
        content = msg.get("content") or {}
        try:
            text = self._book.feed(
                stream, ident, parent, content["name"], content["text"]
            )
        except Exception as exc:
            log.debug("stream scrub failed: %s", type(exc).__name__)
            text = WITHHELD + "\n"
        if not text:
            return None
        return {**msg, "content": {**content, "text": text}}

    def _emit_pending(self, entry: Pending, text: str) -> None:
        """Send released stream text as its own stream message."""
        out = self._session.msg(
            "stream", {"name": entry.name, "text": text}, parent=entry.parent
        )
        self._original(entry.socket, out, ident=entry.ident)


def _plain(obj: Any) -> Any:
    """A ``Message`` (attribute dict) turned into plain dicts, so all is walked."""
    if isinstance(obj, Message):
        return {key: _plain(value) for key, value in vars(obj).items()}
    return obj


def _msg_type(msg: dict[str, Any]) -> str:
    header = msg.get("header") or {}
    return str(header.get("msg_type", msg.get("msg_type", "")))


def _is_idle(msg: dict[str, Any]) -> bool:
    content = msg.get("content") or {}
    return content.get("execution_state") == "idle"
