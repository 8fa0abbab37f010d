"""SecretInput: a masked box whose key never stays in any widget state.

ipywidgets' own ``Password`` echoes its value back to the frontend, keeps it
in the kernel and lets nbclient save it into the notebook. Here the value is
not echoed (``echo_update=False``), arrives only on Enter or when the box
loses focus (``continuous_update=False``), and is cleared in the kernel and in
the frontend the moment it has been handed on, so neither side keeps it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from ipywidgets import Button, HBox, Label, Layout, Password, VBox
from traitlets import Bool, Unicode

from ..core.errors import SecretsError

__all__ = ["SecretInput"]

log = logging.getLogger(__name__)

_NOTHING_ENTERED = "error: nothing entered; paste the key, then press Enter or Store"
_FAILED = "error: the key could not be stored; nothing was kept"


class _MaskedText(Password):
    """A Password box that never echoes its value and sends it only on submit."""

    value = Unicode("", help="Cleared as soon as it arrives.").tag(
        sync=True, echo_update=False
    )
    continuous_update = Bool(False).tag(sync=True)

    def __repr__(self) -> str:
        return f"_MaskedText(description={self.description!r})"


class SecretInput(VBox):
    """A labelled masked box with a Store button; Enter also submits.

    ``submit`` receives the typed key and returns the status line to show
    (it must not contain the key); a ``SecretsError`` or ``UsageError`` it
    raises is shown as ``error: <message>``.
    """

    def __init__(
        self,
        label: str,
        submit: Callable[[str], str],
        *,
        button: str = "Store",
        placeholder: str = "paste the key, then press Enter",
    ) -> None:
        self._submit = submit
        self._arrived = False
        self._box = _MaskedText(
            description=label,
            tooltip=label,  # read out by screen readers with the label
            placeholder=placeholder,
            style={"description_width": "initial"},
            layout=Layout(width="28em"),
        )
        self._button = Button(
            description=button, tooltip=f"{button} the key", button_style="primary"
        )
        self._status = Label("")
        super().__init__([HBox([self._box, self._button]), self._status])
        self._box.observe(self._value_arrived, names="value")
        # Enter arrives as a custom "submit" message (on_submit is deprecated).
        self._box.on_msg(self._custom_msg)
        self._button.on_click(self._submitted)

    @property
    def status(self) -> str:
        """The last status line shown below the box."""
        return str(self._status.value)

    @property
    def label(self) -> str:
        """The box's visible label."""
        return str(self._box.description)

    def __repr__(self) -> str:
        return f"SecretInput(label={self.label!r}, status={self.status!r})"

    def _value_arrived(self, change: dict[str, Any]) -> None:
        value = change["new"]
        if not value:
            return  # our own clearing, below
        # Clear first: this sends value="" to the frontend, so that neither
        # its model nor the kernel keeps the key, whatever happens next.
        self._box.value = ""
        self._arrived = True
        self._status.value = self._hand_on(value.strip())

    def _hand_on(self, value: str) -> str:
        if not value:
            return _NOTHING_ENTERED
        try:
            status = self._submit(value)
        except (SecretsError, UsageError) as exc:
            return f"error: {exc}"
        except Exception as exc:
            # Reported without detail: an unexpected error's text could quote
            # the value.
            log.debug("secret input handler failed: %s", type(exc).__name__)
            return _FAILED
        self._box.disabled = self._button.disabled = True
        return status

    def _custom_msg(self, _widget: object, content: Any, _buffers: object) -> None:
        if isinstance(content, dict) and content.get("event") == "submit":
            self._submitted(None)

    def _submitted(self, _source: object) -> None:
        # Enter and the button arrive after the value (if one was typed).
        if not self._arrived and not self._box.disabled:
            self._status.value = _NOTHING_ENTERED
        self._arrived = False
