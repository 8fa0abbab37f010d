import copy
import pickle
import secrets

import pytest

from tau_secrets_ext import Secret
from tau_secrets_ext.core.secret import MASK


@pytest.fixture
def value() -> str:
    return "canary-" + secrets.token_urlsafe(24)


def test_every_display_shows_the_fixed_mask(value):
    s = Secret(value)
    percent = "%s" % (s,)  # noqa: UP031 -- the %-operator is what is tested
    shown = [repr(s), str(s), f"{s}", f"{s!r}", f"{s:>40}", percent, s._repr_html_()]
    for text in shown:
        assert value not in text
        assert MASK in text


def test_mask_does_not_depend_on_length():
    assert repr(Secret("a" * 9)) == repr(Secret("b" * 900))


def test_ipython_pretty_shows_mask(value):
    from IPython.lib.pretty import pretty

    assert pretty(Secret(value)) == MASK
    assert pretty([Secret(value)]) == f"[{MASK}]"


def test_reveal_returns_value(value):
    assert Secret(value).reveal() == value


def test_pickling_raises(value):
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(value))


def test_copies_stay_secret(value):
    s = Secret(value)
    assert copy.deepcopy(s) is s
    assert copy.copy(s) is s


def test_equality_compares_values(value):
    assert Secret(value) == Secret(value)
    assert Secret(value) != Secret(value + "x")
    assert Secret(value) != value


def test_unhashable(value):
    with pytest.raises(TypeError):
        hash(Secret(value))


def test_refuses_non_strings():
    with pytest.raises(TypeError, match="bytes"):
        Secret(b"not a str")  # type: ignore[arg-type]
