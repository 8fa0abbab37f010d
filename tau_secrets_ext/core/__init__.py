"""Core: Secret, the exception tree and cryptography."""
