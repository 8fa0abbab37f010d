"""Jupyter server extension: mask keys in every notebook before it is saved.

Enabled by ``jupyter_server_config.d/tau_secrets_ext.json``. The pre-save
hook masks stored keys and well-known key patterns in sources, outputs,
attachments and widget state, and empties password-widget values; new
checkpoints are cleaned the same way. The server runs as the same user as
the kernels and reads the same store; when that store is a locked keyed one
the patterns still apply. The hook never blocks a save: on its own failure
it masks what it can and logs the error's type, never content.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from pathlib import Path
from typing import Any

from ..core.errors import SecretsError
from ..scrub.scrub import Scrubber
from . import nbscan
from ._keys import open_store, register_environment, register_store, store_note

__all__ = ["SaveGuard"]

log = logging.getLogger(__name__)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "tau_secrets_ext.jupyter.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    guard = SaveGuard()
    contents = serverapp.contents_manager
    contents.register_pre_save_hook(guard.pre_save)
    guard.watch_checkpoints(contents.checkpoints)
    log.debug("pre-save guard registered on %s", type(contents).__name__)


class SaveGuard:
    """Holds the scrubber and the store, and masks what is about to be saved."""

    def __init__(self) -> None:
        self._scrubber = Scrubber()
        self._store: Any = None
        self._lock = threading.Lock()
        self._last_note = ""

    def scrubber(self) -> Scrubber:
        """The scrubber, with any key added to the store since the last save."""
        with self._lock:
            register_environment(self._scrubber)
            self._register_stored()
            return self._scrubber

    def pre_save(self, model: dict[str, Any], path: str = "", **_: Any) -> None:
        """Contents-manager pre-save hook: mask the model in place."""
        try:
            scrub = self.scrubber()
        except Exception as exc:  # keys seen before and the patterns still apply
            log.error("pre-save guard: key loading failed (%s)", type(exc).__name__)
            scrub = self._scrubber
        try:
            changed = self._clean_model(model, scrub)
        except Exception as exc:  # never block a save; log without content
            log.error("pre-save guard failed on %s (%s)", path, type(exc).__name__)
            return
        if changed:
            log.debug("pre-save guard masked %d string(s) in %s", changed, path)

    def clean_checkpoint(self, os_path: str) -> None:
        """Mask a checkpoint file in place (a copy of a file saved elsewhere)."""
        try:
            nbscan.clean_file(Path(os_path), self.scrubber())
        except Exception as exc:  # a checkpoint failure must not fail the save
            log.error("checkpoint guard failed (%s)", type(exc).__name__)

    def watch_checkpoints(self, checkpoints: Any) -> None:
        """Clean each checkpoint right after the checkpoint manager writes it."""
        locate = getattr(checkpoints, "checkpoint_path", None)
        if locate is None:
            # Checkpoints not kept as files copy the saved, guarded model.
            return
        original = checkpoints.create_checkpoint
        checkpoints.create_checkpoint = _after_create(original, locate, self)

    def _register_stored(self) -> None:
        try:
            if self._store is None:
                self._store = open_store()
            register_store(self._scrubber, self._store)
        except SecretsError as exc:
            self._store = None
            self._note(store_note(exc))
        except Exception as exc:  # an unexpected store failure keeps the rest
            self._store = None
            self._note(f"stored keys not checked ({type(exc).__name__})")

    def _note(self, text: str) -> None:
        """Log why stored keys are skipped, once per distinct reason."""
        if text != self._last_note:
            self._last_note = text
            log.warning("pre-save guard: %s", text)

    @staticmethod
    def _clean_model(model: dict[str, Any], scrub: Scrubber) -> int:
        kind = model.get("type")
        content = model.get("content")
        if kind == "notebook" and isinstance(content, dict):
            return nbscan.clean_notebook(content, scrub)
        if (
            kind == "file"
            and model.get("format") == "text"
            and isinstance(content, str)
        ):
            new = nbscan.clean_text(content, scrub)
            model["content"] = new
            return int(new != content)
        return 0


def _after_create(original: Any, locate: Any, guard: SaveGuard) -> Any:
    """Wrap ``create_checkpoint`` (sync or async) to clean what it wrote."""
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def create_async(contents_mgr: Any, path: str) -> Any:
            model = await original(contents_mgr, path)
            guard.clean_checkpoint(locate(model["id"], path))
            return model

        return create_async

    @functools.wraps(original)
    def create(contents_mgr: Any, path: str) -> Any:
        model = original(contents_mgr, path)
        guard.clean_checkpoint(locate(model["id"], path))
        return model

    return create
