"""The magics on the Vault backend, in real kernels against a real OpenBao.

Two kernels of one user share keys through the server without a restart;
the token and every fetched key stay out of every message the kernels send.
"""

from __future__ import annotations

import secrets

import pytest
from _kernel import Kernel, leaks
from _openbao import BaoServer, free_ports, shared_dev_server, unique_user

pytestmark = pytest.mark.vault


@pytest.fixture(scope="session")
def bao(request: pytest.FixtureRequest) -> BaoServer:
    return shared_dev_server(request)


def _vault_env(bao: BaoServer, user: str, token: str) -> dict[str, str]:
    return {
        "TAU_SECRETS_BACKEND": "vault",
        "VAULT_ADDR": bao.addr,
        "VAULT_TOKEN": token,
        "JUPYTERHUB_USER": user,
    }


def test_two_kernels_share_keys_and_leak_neither_key_nor_token(bao, tmp_path):
    user = unique_user("kern")
    token = bao.add_user(user, writes=[f"tau/{user}"])
    key = "tau" + secrets.token_hex(20)
    env = _vault_env(bao, user, token)

    with (
        Kernel(tmp_path / "a", env={**env, "TAU_SOURCE": key}) as first,
        Kernel(tmp_path / "b", env=env) as second,
    ):
        stored = first.execute("%tau_setkey acme --from-env TAU_SOURCE")
        assert stored.reply["content"]["status"] == "ok", stored.stderr

        # The second kernel was started before the key existed.
        auth = second.execute("%tau_auth acme")
        assert auth.reply["content"]["status"] == "ok", auth.stderr
        assert "ready" in auth.stdout and "ACME_API_KEY" in auth.stdout
        echo = second.execute(
            "import os\nprint(os.environ['ACME_API_KEY'])\n"
            "print(os.environ['VAULT_TOKEN'])"
        )
        assert echo.stdout.splitlines() == ["[REDACTED:acme]", "[REDACTED:vault-token]"]
        table = "".join(
            m["content"]["data"]["text/plain"]
            for m in second.execute("%tau_keys").of_type("display_data")
        )
        assert f"vault:secret/tau/{user}" in table

        for kernel in (first, second):
            sent = kernel.raw_bytes() + kernel.process_output()
            assert leaks(sent, key) == []
            assert leaks(sent, token) == []


def test_a_server_error_is_one_line_in_the_kernel(tmp_path):
    (port,) = free_ports(1)
    token = "tau-tok-" + secrets.token_hex(16)
    env = {
        "TAU_SECRETS_BACKEND": "vault",
        "VAULT_ADDR": f"http://127.0.0.1:{port}",
        "VAULT_TOKEN": token,
        "JUPYTERHUB_USER": "nobody",
    }
    with Kernel(tmp_path, env=env) as kernel:
        cell = kernel.execute("%tau_keys")
        text = cell.stdout + cell.stderr + str(cell.reply) + str(cell.iopub)

        assert "cannot reach the Vault server" in text
        assert "Traceback" not in text
        assert leaks(kernel.raw_bytes() + kernel.process_output(), token) == []
