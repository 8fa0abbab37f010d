"""JupyterLab in Debian's Chromium: the masked box end to end.

A real JupyterLab on 127.0.0.1 with a temporary root, store and kernelspec;
Playwright drives the system Chromium. The key is typed into the masked box
like a user would, then printed and saved; neither the page nor the saved
file nor its checkpoint may show it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from pathlib import Path

import pytest
from _jupyter import code_cell, notebook, running_server, server_env

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 90_000
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# The notebook on show; other tabs keep their (hidden) panels in the page.
PANEL = ".jp-NotebookPanel:visible"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab with the tau kernelspec installed under a private prefix."""
    from tau_secrets_ext.jupyter.kernelconfig import install_kernelspec

    home = tmp_path_factory.mktemp("lab")
    root = home / "root"
    root.mkdir()
    prefix = home / "prefix"
    install_kernelspec(user=False, prefix=str(prefix))
    env = server_env(home, {"JUPYTER_PATH": str(prefix / "share" / "jupyter")})
    settings = home / "lab-settings"
    # No "official news?" toast over the page, and no network calls for it.
    _lab_setting(
        settings,
        "@jupyterlab/apputils-extension/notification",
        {"fetchNews": "false", "checkForUpdates": False},
    )
    # Widget state goes into the saved file, as users who turn this on get it.
    _lab_setting(
        settings, "@jupyter-widgets/jupyterlab-manager/plugin", {"saveState": True}
    )
    args = (f"--LabApp.user_settings_dir={settings}",)
    with running_server(root, env, lab=True, args=args) as server:
        yield server


def _lab_setting(folder: Path, plugin: str, values: dict) -> None:
    path = folder / f"{plugin}.jupyterlab-settings"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))


def open_notebook(browser, lab, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(TIMEOUT_MS)
    # A workspace per notebook, so no tab of an earlier test is restored.
    workspace = name.replace(".", "-")
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{name}?token={lab.token}")
    page.wait_for_selector(f"{PANEL} .jp-Cell .cm-content")
    # The kernel is ready once the toolbar names it and reports idle.
    toolbar = page.locator(f"{PANEL} .jp-NotebookPanel-toolbar")
    toolbar.get_by_text("Python 3 (tau secrets)").wait_for()
    page.wait_for_selector(
        f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']"
    )
    return page


def wait_for(page, selector: str, key: str = "") -> None:
    """Wait for ``selector``; on timeout, fail with what the outputs show."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector(selector)
    except PlaywrightTimeout:
        _screenshot(page, "browser-failure.png")
        shown = "\n".join(page.locator(f"{PANEL} .jp-OutputArea").all_inner_texts())
        if key:
            shown = shown.replace(key, "<the key>")
        pytest.fail(f"{selector} did not appear; the outputs show:\n{shown}")


def run_cell(page, index: int) -> None:
    page.locator(f"{PANEL} .jp-Cell .cm-content").nth(index).click()
    page.keyboard.press("Shift+Enter")


def test_open_notebook_with_the_tau_kernel(browser, lab):
    nb = notebook([code_cell("print('tau ' + 'ready')", [], None)], _tau_kernel())
    (lab.root / "hello.ipynb").write_text(json.dumps(nb))

    page = open_notebook(browser, lab, "hello.ipynb")
    try:
        specs = lab.request("GET", "/api/kernelspecs")["kernelspecs"]
        assert "--ext=tau_secrets_ext" in specs["tau-python3"]["spec"]["argv"]
        run_cell(page, 0)
        wait_for(page, f"{PANEL} .jp-OutputArea-output:has-text('tau ready')")
    finally:
        page.close()


def test_key_typed_in_the_masked_box_never_shows_or_is_saved(browser, lab):
    key = "tau-browser-" + secrets.token_urlsafe(24)
    cells = [
        code_cell("%tau_setkey demo", [], None),
        code_cell(
            "%tau_auth demo\nimport os\nprint(os.environ['DEMO_API_KEY'])", [], None
        ),
    ]
    (lab.root / "box.ipynb").write_text(json.dumps(notebook(cells, _tau_kernel())))

    page = open_notebook(browser, lab, "box.ipynb")
    try:
        run_cell(page, 0)
        wait_for(page, f"{PANEL} .jp-OutputArea input[type='password']")
        box = page.locator(f"{PANEL} .jp-OutputArea input[type='password']")
        box.click()
        page.keyboard.type(key)
        page.keyboard.press("Enter")
        wait_for(page, f"{PANEL} .jp-OutputArea:has-text('demo: stored')", key)
        assert box.input_value() == ""
        shown = page.locator("body").inner_text() + page.content()

        run_cell(page, 1)
        wait_for(
            page, f"{PANEL} .jp-OutputArea-output:has-text('[REDACTED:demo]')", key
        )
        page.locator(f"{PANEL} [data-command='docmanager:save']").click()
        _wait_saved(lab.root / "box.ipynb")
        _screenshot(page, "browser-masked-box.png")
        shown += page.locator("body").inner_text() + page.content()
    finally:
        page.close()

    assert key not in shown
    assert key[12:24] not in shown
    assert "[REDACTED:demo]" in shown
    for saved in (lab.root / "box.ipynb", _checkpoint(lab.root, "box.ipynb")):
        text = saved.read_text()
        assert key not in text
        assert "[REDACTED:demo]" in text
        saved_nb = json.loads(text)
        assert _widget_models(saved_nb), "no widget state was saved"
        assert not _password_values(saved_nb)
    assert key not in lab.log_text()


def _wait_saved(path: Path) -> None:
    """Wait until the browser's save (with the new outputs) is on disk."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while "[REDACTED:demo]" not in path.read_text():
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} was not saved")
        time.sleep(0.2)


def _tau_kernel() -> dict:
    return {
        "kernelspec": {
            "name": "tau-python3",
            "display_name": "Python 3 (tau secrets)",
            "language": "python",
        }
    }


def _checkpoint(root: Path, name: str) -> Path:
    return root / ".ipynb_checkpoints" / name.replace(".ipynb", "-checkpoint.ipynb")


def _widget_models(nb: dict) -> list[dict]:
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {})
    return list(state.get("state", {}).values())


def _password_values(nb: dict) -> list[str]:
    return [
        m["state"].get("value", "")
        for m in _widget_models(nb)
        if m.get("model_name") == "PasswordModel" and m["state"].get("value")
    ]


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / name
    page.screenshot(path=str(target))
    docs = os.environ.get("TAU_SCREENSHOT_TO")
    if (
        docs and name == "browser-masked-box.png"
    ):  # refresh the README picture: TAU_SCREENSHOT_TO=docs/masked-box.png
        shutil.copyfile(target, docs)
