"""The dashboard against a careless room and a hostile folder or website: names no other tab holds, files
only inside the folder, every save error in the page, requests only from the page's own address."""
from __future__ import annotations

import http.client
import shutil
import warnings
from pathlib import Path

import pytest

from cityfutures.dashboard import Dashboard
from cityfutures.dashboard.files import SESSIONS
from cityfutures.dashboard.guard import MAX_SESSIONS, allowed_addresses, refusal
from cityfutures.errors import ScenarioError
from cityfutures.scenario import load_scenario
from tests.dashboard.server import dashboard_server

PAGE = {"Host": "127.0.0.1:5006"}
ALLOWED = allowed_addresses("127.0.0.1", 5006)


# ----------------------------------------------------------------------------- saving from several tabs
def test_a_name_saved_by_one_tab_is_refused_to_another(make_library):
    d = Dashboard(make_library())
    first, second = object(), object()
    path = d.save(d.initial_state(), "group-1", owner=first)
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ScenarioError, match="'group-1' was saved from another tab"):
        d.save(d.initial_state().with_switch("programme", "mrt-phase-2", True), "group-1", owner=second)
    assert path.read_text(encoding="utf-8") == before
    d.save(d.initial_state().with_switch("programme", "mrt-phase-2", True), "group-1", owner=first)   # its own
    assert load_scenario(path).interventions
    d.export_comparison("session-a", owner=first)
    with pytest.raises(ScenarioError, match="another tab"):
        d.export_comparison("session-a", owner=second)


def test_a_name_taken_on_disk_between_check_and_write_is_not_overwritten(make_library, monkeypatch):
    lib = make_library()
    d = Dashboard(lib)
    real = d.files.target
    calls = []

    def racing(name, what, taken, owner=None):          # another process saves the name after the last check
        target = real(name, what, taken, owner)
        calls.append(name)
        if len(calls) == 2:                              # the check made under the lock, just before writing
            target.parent.mkdir(exist_ok=True)
            target.write_text("name: theirs\n", encoding="utf-8")
        return target
    monkeypatch.setattr(d.files, "target", racing)
    with pytest.raises(ScenarioError, match="was just saved by someone else"):
        d.save(d.initial_state(), "group-2")
    assert (lib / SESSIONS / "group-2.yaml").read_text(encoding="utf-8") == "name: theirs\n"
    assert not [p for p in (lib / SESSIONS).iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("title", ["\ud800", "bell\x07", "nul\x00"])
def test_a_title_that_is_not_text_is_refused(make_library, title):
    d = Dashboard(make_library())
    with pytest.raises(ScenarioError, match="which is not text"):
        d.save(d.initial_state(), "try-1", title_en=title)
    assert not (d.sessions_dir / "try-1.yaml").exists()


def test_every_save_error_is_said_in_the_page(make_library, monkeypatch):
    pytest.importorskip("panel")
    from cityfutures.dashboard.app import DashboardPage
    d = Dashboard(make_library())
    with warnings.catch_warnings():          # Panel 1.9 deprecates button_type (kept: the extra allows Panel 1.4)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        page = DashboardPage(d)
    page.save_name.value = "Not A Slug"
    page._on_save()
    assert "data-ok='false'" in page.save_message.object and "is not a slug" in page.save_message.object

    def broken(*a, **k):
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    monkeypatch.setattr(d, "save", broken)
    page.save_name.value = "fine-name"
    page._on_save()
    assert "data-ok='false'" in page.save_message.object and "internal error: UnicodeEncodeError" in \
        page.save_message.object
    page.save_title_en.value = "<script>alert(1)</script>"
    page._on_save()
    assert "<script>" not in page.save_message.object


# ----------------------------------------------------------------------------- files outside the folder
def _with_outside_model(lib: Path, tmp_path: Path, how: str) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "models" / "jakarta.mdl", outside / "jakarta.mdl")
    shutil.copy(Path(__file__).resolve().parents[2] / "models" / "jakarta.meta.yaml", outside / "jakarta.meta.yaml")
    base = lib / "baseline.yaml"
    text = base.read_text(encoding="utf-8")
    if how == "dotdot":
        base.write_text(text.replace("model: jakarta", "model: ../elsewhere/jakarta.mdl"), encoding="utf-8")
    elif how == "absolute":
        base.write_text(text.replace("model: jakarta", f"model: {outside / 'jakarta.mdl'}"), encoding="utf-8")
    else:   # a link inside the folder to a model outside it
        (lib / "models").mkdir()
        (lib / "models" / "jakarta.mdl").symlink_to(outside / "jakarta.mdl")
        base.write_text(text.replace("model: jakarta", "model: models/jakarta.mdl"), encoding="utf-8")


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_a_model_outside_the_folder_is_refused(make_library, tmp_path, how):
    lib = make_library()
    _with_outside_model(lib, tmp_path, how)
    with pytest.raises(ScenarioError, match="outside the scenario folder"):
        Dashboard(lib)


@pytest.mark.parametrize("how", ["dotdot", "symlink"])
def test_an_extends_outside_the_folder_is_refused(make_library, tmp_path, how):
    lib = make_library()
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text((lib / "baseline.yaml").read_text(encoding="utf-8").replace("name: baseline", "name: far"),
                       encoding="utf-8")
    prog = lib / "mrt-phase-2.yaml"
    if how == "dotdot":
        ref = "../elsewhere.yaml"
    else:
        (lib / "near.yaml").symlink_to(outside)
        ref = "near.yaml"
    prog.write_text(prog.read_text(encoding="utf-8").replace("extends: baseline.yaml", f"extends: {ref}"),
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match="outside the scenario folder") as info:
        Dashboard(lib)
    assert info.value.field == "extends"


def test_the_bundled_model_by_name_is_allowed(library):
    assert Dashboard(library).model.name == "jakarta"        # scenarios/ names 'model: jakarta'


# ----------------------------------------------------------------------------- who may open the page
@pytest.mark.parametrize("headers, words", [
    ({"Host": "evil.example:5006"}, "not at evil.example:5006"),
    ({}, "not at (no host)"),
    ({**PAGE, "Origin": "http://evil.example"}, "requests from http://evil.example"),
    ({**PAGE, "Origin": "null"}, "opaque origin"),
    ({**PAGE, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
     "another site's page"),
    ({**PAGE, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
     "another site's page"),
])
def test_requests_not_addressed_to_the_page_are_refused(headers, words):
    assert words in refusal(headers, ALLOWED)


@pytest.mark.parametrize("headers", [
    PAGE, {"host": "localhost:5006"}, {**PAGE, "Origin": "http://127.0.0.1:5006"},
    {**PAGE, "Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"},
    {**PAGE, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"},
    {**PAGE, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
])
def test_the_page_s_own_requests_and_links_to_it_pass(headers):
    assert refusal(headers, ALLOWED) == ""


def test_allow_origin_widens_the_addresses_and_the_session_cap_holds():
    allowed = allowed_addresses("0.0.0.0", 5006, ["workshop.example.org", "http://10.0.0.5:8080", "[::1]:7000"])
    assert {"workshop.example.org:5006", "10.0.0.5:8080", "[::1]:7000", "0.0.0.0:5006"} <= set(allowed)
    assert refusal({"Host": "workshop.example.org:5006", "Origin": "http://workshop.example.org:5006"},
                   allowed) == ""
    assert "limit" in refusal(PAGE, ALLOWED, sessions=MAX_SESSIONS)
    assert refusal(PAGE, ALLOWED, sessions=MAX_SESSIONS - 1) == ""


def test_the_help_states_the_session_limit():
    from cityfutures.cli.dashboard import MAX_SESSIONS_HELP
    assert MAX_SESSIONS_HELP == MAX_SESSIONS == 20


def _get(port: int, headers: dict) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/", headers=headers)
    r = conn.getresponse()
    body = r.read().decode("utf-8", "replace")
    location = r.getheader("Location") or ""
    conn.close()
    if r.status in (301, 302) and "cityfutures-refused" in location:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", location.lstrip("."), headers={"Host": f"127.0.0.1:{port}"})
        r2 = conn.getresponse()
        return r2.status, r2.read().decode("utf-8", "replace"), location
    return r.status, body, location


@pytest.mark.slow
def test_the_server_refuses_other_addresses_and_a_tab_beyond_the_limit(make_library, tmp_path):
    pytest.importorskip("panel")
    lib = make_library()
    with dashboard_server(lib, tmp_path, "--max-sessions", "2", wait=90) as (port, _log):
        own = {"Host": f"127.0.0.1:{port}"}
        status, body, where = _get(port, {**own, "Origin": "http://evil.example"})
        assert status == 403 and "requests from http://evil.example are not accepted" in body, (status, body, where)
        status, body, _ = _get(port, {"Host": f"evil.example:{port}"})
        assert status == 403 and "not at evil.example" in body
        status, body, _ = _get(port, {**own, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors",
                                      "Sec-Fetch-Dest": "image"})
        assert status == 403
        assert _get(port, own)[0] == 200 and _get(port, {**own, "Host": f"localhost:{port}"})[0] == 200
        status, body, _ = _get(port, own)                  # a third tab while two sessions are open
        assert status == 403 and "limit" in body


def test_a_model_in_the_models_folder_beside_the_scenarios_is_allowed(make_library, tmp_path):
    """A project's layout (scenarios/ and models/ side by side) works; a link there to elsewhere does not."""
    lib = make_library()
    models = lib.parent / "models"
    models.mkdir()
    for suffix in (".mdl", ".meta.yaml"):
        shutil.copy(Path(__file__).resolve().parents[2] / "models" / f"jakarta{suffix}", models / f"city{suffix}")
    base = lib / "baseline.yaml"
    text = base.read_text(encoding="utf-8")
    base.write_text(text.replace("model: jakarta", "model: city"), encoding="utf-8")
    assert Dashboard(lib).model.name == "city"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (models / "city.mdl").rename(outside / "city.mdl")
    (models / "city.mdl").symlink_to(outside / "city.mdl")
    with pytest.raises(ScenarioError, match="outside the scenario folder"):
        Dashboard(lib)
