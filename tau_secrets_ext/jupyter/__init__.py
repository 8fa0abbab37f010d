"""Jupyter layer: server pre-save guard and notebook scanning."""
