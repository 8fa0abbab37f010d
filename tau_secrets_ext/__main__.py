"""``python -m tau_secrets_ext``: the ``tau-secrets`` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
