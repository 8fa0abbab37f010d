"""Store layer: the encrypted file store and other backends."""
