"""Backends: places other than the local file where secrets can live."""
