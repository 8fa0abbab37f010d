"""Scrub layer: finding secrets and their encoded forms in text."""
