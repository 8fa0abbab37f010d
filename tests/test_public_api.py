import tau_secrets_ext

EXPECTED = {
    "Secret",
    "SecretsError",
    "StoreError",
    "WrongPassphrase",
    "StoreCorrupted",
    "StoreLocked",
    "StoreModeMismatch",
    "UnsupportedStoreVersion",
    "StorePermissionError",
    "SecretNotFound",
    "KeyFileMissing",
    "BackendUnavailable",
    "BackendPermissionDenied",
    "BackendConfigError",
    "StorePermissionWarning",
    "InvalidSecret",
    "PlaintextStoreWarning",
    "SecretStore",
    "SecretInfo",
    "Scrubber",
    "protect",
    "get_secret",
    "load_ipython_extension",
    "unload_ipython_extension",
    "__version__",
}


def test_all_lists_exactly_the_public_names():
    assert set(tau_secrets_ext.__all__) == EXPECTED


def test_every_public_name_resolves():
    for name in tau_secrets_ext.__all__:
        assert getattr(tau_secrets_ext, name) is not None, name


def test_errors_share_one_root():
    for name in tau_secrets_ext.__all__:
        obj = getattr(tau_secrets_ext, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            if issubclass(obj, Warning):
                continue
            assert issubclass(obj, tau_secrets_ext.SecretsError), name
