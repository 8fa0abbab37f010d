"""``tau-secrets kernelspec install``, ``enable`` and ``disable``, run for real.

Each test runs the command in a subprocess with private IPYTHONDIR,
JUPYTER_* folders and prefix, then checks the files, and for ``enable`` a
real kernel's view of its configuration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = "ipython_kernel_config.json"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    result = dict(os.environ)
    result.update(
        IPYTHONDIR=str(tmp_path / "ipython"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
    )
    return result


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tau_secrets_ext", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def profile_config(env: dict[str, str]) -> Path:
    return Path(env["IPYTHONDIR"]) / "profile_default" / CONFIG


def test_kernelspec_install_prefix_loads_the_extension(env, tmp_path):
    result = run(env, "kernelspec", "install", "--prefix", str(tmp_path / "p"))

    assert result.returncode == 0, result.stderr
    spec = tmp_path / "p/share/jupyter/kernels/tau-python3/kernel.json"
    kernel = json.loads(spec.read_text())
    assert kernel["display_name"] == "Python 3 (tau secrets)"
    assert kernel["argv"][0] == sys.executable
    assert "--ext=tau_secrets_ext" in kernel["argv"]
    assert "{connection_file}" in kernel["argv"]


def test_kernelspec_install_user_goes_to_jupyter_data_dir(env):
    result = run(env, "kernelspec", "install", "--user")

    assert result.returncode == 0, result.stderr
    spec = Path(env["JUPYTER_DATA_DIR"]) / "kernels/tau-python3/kernel.json"
    assert "--ext=tau_secrets_ext" in json.loads(spec.read_text())["argv"]
    assert str(spec.parent) in result.stdout


def run_with_prefix(env: dict[str, str], prefix: Path, *args: str):
    """Run the real command in a Python whose sys.prefix is ``prefix``.

    The shared environment's own prefix is thus never modified by a test.
    """
    code = (
        "import sys; sys.prefix = sys.argv.pop(1); "
        "from tau_secrets_ext.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(prefix), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_kernelspec_install_sys_prefix_uses_sys_prefix(env, tmp_path):
    result = run_with_prefix(
        env, tmp_path / "venv", "kernelspec", "install", "--sys-prefix"
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "venv/share/jupyter/kernels/tau-python3/kernel.json").exists()


def test_kernelspec_install_refuses_two_places(env, tmp_path):
    result = run(env, "kernelspec", "install", "--user", "--prefix", str(tmp_path))

    assert result.returncode == 2
    assert "not allowed" in result.stderr
    assert not (tmp_path / "share").exists()


def test_enable_creates_config_and_disable_removes_it(env):
    assert run(env, "enable").returncode == 0
    config = json.loads(profile_config(env).read_text())
    assert config == {"InteractiveShellApp": {"extra_extensions": ["tau_secrets_ext"]}}

    again = run(env, "enable")
    assert again.returncode == 0
    assert "already enabled" in again.stdout

    assert run(env, "disable").returncode == 0
    assert json.loads(profile_config(env).read_text()) == {}


def test_enable_and_disable_preserve_other_settings(env):
    path = profile_config(env)
    path.parent.mkdir(parents=True)
    original = {
        "InteractiveShellApp": {"extensions": ["autoreload"]},
        "IPKernelApp": {"extra_extensions": ["other_ext"], "pylab": "inline"},
        "InteractiveShell": {"colors": "nocolor"},
    }
    path.write_text(json.dumps(original))

    assert run(env, "enable").returncode == 0
    enabled = json.loads(path.read_text())
    assert enabled["IPKernelApp"]["extra_extensions"] == [
        "other_ext",
        "tau_secrets_ext",
    ]
    assert enabled["InteractiveShellApp"] == original["InteractiveShellApp"]
    assert enabled["InteractiveShell"] == original["InteractiveShell"]

    assert run(env, "disable").returncode == 0
    assert json.loads(path.read_text()) == original


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]", '{"InteractiveShellApp": {"extra_extensions": "x"}}'],
)
def test_enable_refuses_unreadable_config_and_leaves_it(env, content):
    path = profile_config(env)
    path.parent.mkdir(parents=True)
    path.write_text(content)

    result = run(env, "enable")

    assert result.returncode == 1
    assert "left unchanged" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert path.read_text() == content


def test_enable_refuses_when_python_config_sets_the_list(env):
    folder = profile_config(env).parent
    folder.mkdir(parents=True)
    hand_written = "c.InteractiveShellApp.extra_extensions = ['mine']\n"
    (folder / "ipython_kernel_config.py").write_text(hand_written)

    result = run(env, "enable")

    assert result.returncode == 1
    assert "ipython_kernel_config.py" in result.stderr
    assert not profile_config(env).exists()


def test_enable_ignores_commented_options_of_a_generated_profile(env):
    folder = profile_config(env).parent
    folder.mkdir(parents=True)
    (folder / "ipython_config.py").write_text(
        "# c.InteractiveShellApp.extra_extensions = []\n"
    )

    assert run(env, "enable").returncode == 0


def test_enable_sys_prefix_writes_under_sys_prefix(env, tmp_path):
    result = run_with_prefix(env, tmp_path / "venv", "enable", "--sys-prefix")

    assert result.returncode == 0, result.stderr
    written = json.loads((tmp_path / "venv/etc/ipython" / CONFIG).read_text())
    assert written["InteractiveShellApp"]["extra_extensions"] == ["tau_secrets_ext"]


@pytest.mark.kernel
def test_enabled_kernel_sees_the_extension_in_its_config(env):
    from jupyter_client.manager import start_new_kernel

    path = profile_config(env)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"InteractiveShellApp": {"extensions": ["autoreload"]}}))
    assert run(env, "enable").returncode == 0

    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        code = (
            "from ipykernel.kernelapp import IPKernelApp; a = IPKernelApp.instance(); "
            "print(sorted(a.extensions + a.extra_extensions))"
        )
        lines: list[str] = []
        client.execute_interactive(
            code, output_hook=lambda m: lines.append(m["content"].get("text", ""))
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "".join(lines).strip() == "['autoreload', 'tau_secrets_ext']"


@pytest.mark.kernel
def test_kernel_from_the_installed_kernelspec_loads_the_extension(
    env, tmp_path, monkeypatch
):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    assert (
        run(env, "kernelspec", "install", "--prefix", str(tmp_path / "p")).returncode
        == 0
    )
    # Looked up in this process, so only the prefix just written can match.
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "p/share/jupyter"))
    specs = KernelSpecManager()
    spec_dir = specs.find_kernel_specs()["tau-python3"]
    assert spec_dir.startswith(str(tmp_path))
    env["TAU_SECRETS_DIR"] = str(tmp_path / "store")

    manager = KernelManager(kernel_name="tau-python3", kernel_spec_manager=specs)
    manager.start_kernel(env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        lines: list[str] = []
        client.execute_interactive(
            "print(sorted(get_ipython().extension_manager.loaded))",
            output_hook=lambda m: lines.append(m["content"].get("text", "")),
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "tau_secrets_ext" in "".join(lines)
