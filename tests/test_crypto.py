"""The crypto boundary: sealing, padding, derivation, MACs, key files."""

from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import Path

import pytest

from tau_secrets_ext.core import crypto

PACKAGE = Path(crypto.__file__).resolve().parents[1]
CHEAP = crypto.KdfParams(memory_kib=64, iterations=1, lanes=1, salt=b"s" * 16)


def test_seal_round_trips_with_its_associated_data():
    key = crypto.new_key()
    plaintext = "värde-".encode() + secrets.token_bytes(40)

    nonce, sealed = crypto.seal(key, plaintext, b"ad")

    assert crypto.unseal(key, nonce, sealed, b"ad") == plaintext
    assert plaintext not in sealed


@pytest.mark.parametrize("part", ["key", "nonce", "ciphertext", "ad"])
def test_any_change_fails_with_one_opaque_non_empty_error(part):
    key, ad = crypto.new_key(), b"store/name"
    nonce, sealed = crypto.seal(key, b"a secret value", ad)
    args = {"key": key, "nonce": nonce, "ciphertext": sealed, "ad": ad}
    changed = bytearray(args[part])
    changed[0] ^= 1
    args[part] = bytes(changed)

    with pytest.raises(crypto.CryptoError) as caught:
        crypto.unseal(args["key"], args["nonce"], args["ciphertext"], args["ad"])

    message = str(caught.value)
    assert message == "wrong key, or the data was altered"
    assert "a secret" not in message


def test_padding_hides_lengths_within_32_bytes():
    key = crypto.new_key()
    sizes = {len(crypto.seal(key, b"x" * n, b"")[1]) for n in range(1, 32)}
    assert len(sizes) == 1
    assert len(crypto.seal(key, b"x" * 40, b"")[1]) > sizes.pop()


def test_nonces_never_repeat():
    key = crypto.new_key()
    assert len({crypto.seal(key, b"v", b"")[0] for _ in range(500)}) == 500


def test_base64_is_canonical():
    data = secrets.token_bytes(31)
    text = crypto.b64encode(data)
    assert crypto.b64decode(text) == data
    # Same bytes, other spelling (unused low bits set): refused.
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    other = text[:-1] + last[last.index(text[-1]) ^ 1]
    for bad in (other, text + "=", text[:-1] + "*"):
        with pytest.raises(ValueError):
            crypto.b64decode(bad)


def test_argon2id_is_deterministic_and_nfc_normalised():
    composed = "café-passphrase"
    key = crypto.derive_passphrase_key(composed, CHEAP)

    assert len(key) == 32
    assert crypto.derive_passphrase_key(composed, CHEAP) == key
    assert (
        crypto.derive_passphrase_key(unicodedata.normalize("NFD", composed), CHEAP)
        == key
    )
    assert crypto.derive_passphrase_key(composed + " ", CHEAP) != key
    assert crypto.derive_passphrase_key(composed, CHEAP.with_new_salt()) != key


def test_subkeys_depend_on_salt_and_purpose():
    master = crypto.new_key()
    keys = {
        crypto.subkey(master, salt, info)
        for salt in (b"a", b"b")
        for info in (b"one", b"two")
    }
    assert len(keys) == 4


def test_fingerprints_are_short_stable_and_keyed():
    key, value = crypto.new_key(), "tau-" + secrets.token_urlsafe(20)
    fp = crypto.fingerprint(key, value)
    assert re.fullmatch(r"[0-9a-f]{8}", fp)
    assert crypto.fingerprint(key, value) == fp
    assert crypto.fingerprint(crypto.new_key(), value) != fp


def test_macs_verify_or_raise():
    key = crypto.new_key()
    tag = crypto.mac(key, b"data")
    crypto.verify_mac(key, b"data", tag)
    with pytest.raises(crypto.CryptoError):
        crypto.verify_mac(key, b"datA", tag)


def test_key_files_round_trip_and_reject_garbage():
    keys = {"id1": crypto.new_key(), "id2": crypto.new_key()}
    assert crypto.decode_key_file(crypto.encode_key_file(keys)) == keys
    for bad in (b"\xff", b"nonsense\n", b"tau-secrets-key-v1 id AAAA\n"):
        with pytest.raises(ValueError) as caught:
            crypto.decode_key_file(bad)
        assert "AAAA" not in str(caught.value)


def test_crypto_is_the_only_module_that_imports_cryptography():
    importers = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^\s*(from|import) cryptography", path.read_text(), re.M)
    ]
    assert importers == ["core/crypto.py"]


def test_unusable_kdf_parameters_are_a_crypto_error():
    bad = crypto.KdfParams(memory_kib=8, iterations=1, lanes=4, salt=b"s" * 16)
    with pytest.raises(crypto.CryptoError, match="parameters"):
        crypto.derive_passphrase_key("long-enough-passphrase", bad)
    with pytest.raises(ValueError, match="Unicode"):
        crypto.derive_passphrase_key("bad-\udcff-passphrase", CHEAP)
