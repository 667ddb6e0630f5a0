"""The corpus of hostile and malformed files, through every command: exit 0 with a result or exit 2 with
one line naming the file, nothing executed (a canary file that must never appear), nothing written on 2.

Models live in ``tests/data/hostile/models`` (comments, names, units, lookups, GET paths, XML entities,
broken encodings, broken time settings); YAML cases are made here (alias bombs, deep nesting, extends
chains, a file too large, bad encodings, lone surrogates, NaN and infinity, code tags, wrong types).
Every model runs through ``simulate`` (every engine and ``--emit-code``), ``levers``, ``indicators``,
``loops``, ``export`` and ``check``, and a scenario naming it through ``validate`` and ``run``; every
YAML case, as a programme of a small comparison, through ``validate``, ``run``, ``compare``, ``ensemble``,
``sensitivity``, ``portfolio`` and the dashboard's core.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cityfutures.cli import main
from cityfutures.errors import InputError
from tests.helpers import DATA, MINI_DIR

CORPUS = DATA / "hostile" / "models"
CANARY = "cityfutures-canary"

# what each model must give: 0 (runs, with a correct result) or 2 (refused with one line naming the file)
MODELS = {
    "comment-docstring.mdl": 0, "comment-backslash.mdl": 0, "units.mdl": 0, "quoted-name.mdl": 0,
    "lookup.mdl": 0, "nul-bytes.mdl": 0, "not-utf8.mdl": 0,
    "subscript-range.mdl": 2, "subscript-element.mdl": 2, "data-name.mdl": 2, "function-name.mdl": 2,
    "get-absolute.mdl": 2, "get-dotdot.mdl": 2, "get-backslash.mdl": 2, "deep-expression.mdl": 2,
    "time-step-zero.mdl": 2, "final-before-initial.mdl": 2, "no-control.mdl": 2, "empty.mdl": 2,
    "garbage.mdl": 2, "binary.mdl": 2, "billion-laughs.xmile": 2, "external-entity.xmile": 2,
}


@pytest.fixture(autouse=True)
def _in_a_folder_of_its_own(tmp_path, monkeypatch, tmp_path_factory):
    """Each case runs in its own folder (where a relative canary would land) with a shared translation cache."""
    monkeypatch.setenv("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "hostile-cache"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield
    assert not list(tmp_path.rglob(CANARY)) and not (Path.cwd() / CANARY).exists(), "a file's code ran"


def _check(code: int, err: str, expected: int, names: str, out: Path | None = None) -> None:
    assert code == expected, err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
        assert names in err, err
        assert out is None or not out.exists(), "written on exit 2"


def test_the_corpus_is_complete():
    assert sorted(MODELS) == sorted(p.name for p in CORPUS.iterdir())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_hostile_model_through_every_command(name, tmp_path, capsys):
    folder = tmp_path / "models"
    shutil.copytree(CORPUS, folder)
    model = folder / name
    expected = MODELS[name]
    for args, out in ((["simulate", str(model), "--out", "default.csv"], Path("default.csv")),
                      (["simulate", str(model), "--engine", "batch", "--out", "batch.csv"], Path("batch.csv")),
                      (["simulate", str(model), "--engine", "pysd", "--out", "pysd.csv"], Path("pysd.csv")),
                      (["levers", "--model", str(model)], None), (["indicators", "--model", str(model)], None)):
        code = main(args)
        _check(code, capsys.readouterr().err, expected, name, out)
    code = main(["simulate", str(model), "--emit-code", "program.py"])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 0:
        compile(Path("program.py").read_text(encoding="utf-8"), "program.py", "exec")   # text, not run
    else:
        _check(code, err, 2, name, Path("program.py"))
    if expected == 0:                      # the same numbers on every engine
        import pandas as pd
        pysd = pd.read_csv("pysd.csv", index_col=0)
        for csv in ("default.csv", "batch.csv"):
            ours = pd.read_csv(csv, index_col=0)
            pd.testing.assert_frame_equal(ours[sorted(ours.columns)], pysd[sorted(ours.columns)], rtol=1e-9,
                                          check_exact=False)
    code = main(["loops", str(model), "--periods", "2", "--no-charts", "--out", "loops"])
    _check(code, capsys.readouterr().err, expected, name, Path("loops"))
    code = main(["export", str(model), "--out", "exported.xmile"])   # a translation: time settings need not run
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:
        _check(code, err, 2, name, Path("exported.xmile"))
    else:                                  # the file's text stays text in the XML written
        from lxml import etree
        tree = etree.parse("exported.xmile", etree.XMLParser(resolve_entities=False, no_network=True))
        assert tree.docinfo.doctype == "" and tree.getroot().tag.endswith("xmile")
    code = main(["check", str(model), "--samples", "2"])
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err, err     # findings are lines of their own
    if expected == 2:
        _check(code, err, 2, name)
    scenario = Path("s.yaml")
    scenario.write_text(f"name: s\ntitle: {{en: S, id: S}}\nmodel: {model}\n", encoding="utf-8")
    for args, out in ((["validate", str(scenario)], None), (["run", str(scenario), "--out", "o1"], Path("o1")),
                      (["run", str(scenario), "--engine", "pysd", "--out", "o2"], Path("o2"))):
        code = main(args)
        _check(code, capsys.readouterr().err, expected, name, out)


# ----------------------------------------------------------------------------- YAML
HEAD = "name: drains\ntitle: {en: More drains, id: Tambah drainase}\nextends: baseline.yaml\n"
IV = "interventions:\n  - {lever: Drainage investment, add: 10, start: 2019}\n"


def _bomb(levels: int = 9, width: int = 9) -> str:
    text = "description: &a0 [" + ", ".join(["x"] * width) + "]\n"
    return text + "".join(f"source{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]\n" for i in range(1, levels))


def _chain(folder: Path, n: int) -> str:
    for i in range(n):
        (folder / f"c{i}.yaml").write_text(f"name: c{i}\nextends: {'baseline' if i == n - 1 else f'c{i + 1}'}.yaml\n",
                                           encoding="utf-8")
    return "name: drains\nextends: c0.yaml\n"


def _cycle(folder: Path) -> str:
    (folder / "c0.yaml").write_text("name: c0\nextends: drains.yaml\n", encoding="utf-8")
    return "name: drains\nextends: c0.yaml\n"


YAML = {   # name -> (text, or a function of the folder), the field the refusal names ("" when it runs)
    "alias-bomb": (HEAD + _bomb(), "YAML nodes"),
    "recursive-alias": (HEAD + "source: &a [1, *a]\n", "alias"),
    "deep-nesting": (HEAD + "description: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested deeper"),
    "deep-mapping": (HEAD + "description: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", "nested deeper"),
    "too-large": (HEAD + "description: '" + "x" * (3 * 1024 * 1024) + "'\n", "larger than 2 MB"),
    "long-extends": (lambda folder: _chain(folder, 40), "extends chain is longer than 32"),
    "extends-cycle": (lambda folder: _cycle(folder), "extends cycle"),
    "latin-1": (HEAD.replace("drainase", "drainase caf\xe9").encode("latin-1"), "not UTF-8"),
    "utf-16": (HEAD.encode("utf-16"), "not UTF-8"),
    "lone-surrogate": (HEAD.replace("More drains", "\\ud800") .replace("{en: ", '{en: "')
                       .replace(", id:", '", id:'), "U+D800"),
    "escape-sequence": (HEAD + 'description: "\\e[2J\\e[31mred"\n', "U+001B"),
    "nan": (HEAD + "interventions:\n  - {lever: Drainage investment, add: .nan}\n", "finite"),
    "inf-cost": (HEAD + IV.replace("start: 2019}", "start: 2019, cost: {capex_idr_bn: .inf}}"), "finite"),
    "huge-cost": (HEAD + IV.replace("start: 2019}", "start: 2019, cost: {capex_idr_bn: 1e308}}"), "add up to"),
    "huge-ramp": (HEAD + IV.replace("start: 2019}", "start: 2019, ramp_years: 1e308}"), ""),
    "huge-int": (HEAD + "seed: " + "9" * 400 + "\n", "seed"),
    "python-tag": (HEAD + f"description: !!python/object/apply:os.system ['touch {CANARY}']\n", "YAML"),
    "python-name": (HEAD + "description: !!python/name:os.system\n", "YAML"),
    "tab-indent": (HEAD + "interventions:\n\t- {lever: Drainage investment, add: 10}\n", "tab"),
    "bad-indent": (HEAD + "interventions:\n  - lever: Drainage investment\n   add: 10\n", "indentation"),
    "decimal-comma": (HEAD + "interventions:\n  - lever: Drainage investment\n    add: 0,5\n", "write 0.5"),
    "misspelt-key": (HEAD.replace("name:", "nmae:") + IV, "did you mean 'name'"),
    "top-level-list": ("- name: drains\n", "mapping"),
    "empty": ("", "empty"),
    "horizon-overflow": (HEAD + "horizon: {start: -1e308, end: 1e308, dt: 1e306}\n", "too long"),
    "title-markup": (HEAD.replace("More drains", "'$x^2$ | <b>b</b> `c` [d](e)'") + IV, ""),
    "ok": (HEAD + IV, ""),
}


@pytest.fixture(scope="module")
def mini_cache(tmp_path_factory):
    return tmp_path_factory.getbasetemp()


def _workshop(folder: Path) -> Path:
    folder.mkdir()
    for name in ("mini.mdl", "mini.meta.yaml"):
        shutil.copy(MINI_DIR / name, folder / name)
    (folder / "baseline.yaml").write_text(
        "name: baseline\ntitle: {en: Baseline, id: Dasar}\nmodel: mini.mdl\nseed: 1\nuncertain:\n  constants:\n"
        "    Exposure fraction: {dist: uniform, min: 0.05, max: 0.15}\n", encoding="utf-8")
    (folder / "buses.yaml").write_text(
        "name: buses\ntitle: {en: Buses, id: Bus}\nextends: baseline.yaml\ninterventions:\n"
        "  - {lever: Bus capacity, add: 100, start: 2020}\n", encoding="utf-8")
    (folder / "workshop.yaml").write_text(
        "name: w\ntitle: {en: W, id: W}\nbaseline: baseline.yaml\ninterventions: [drains.yaml, buses.yaml]\n",
        encoding="utf-8")
    return folder / "workshop.yaml"


@pytest.mark.parametrize("case", sorted(YAML))
def test_a_hostile_scenario_file_through_every_command(case, tmp_path, capsys):
    workshop = _workshop(tmp_path / "lib")
    text, words = YAML[case]
    text = text(workshop.parent) if callable(text) else text
    target = workshop.parent / "drains.yaml"
    target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    expected = 2 if words else 0
    commands = [(["validate", str(target)], None), (["run", str(target), "--out", "o1"], Path("o1")),
                (["compare", str(workshop), "--charts", "--out", "o2"], Path("o2")),
                (["ensemble", str(workshop), "--samples", "4", "--no-charts", "--quiet", "--out", "o3"], Path("o3")),
                (["sensitivity", str(workshop), "--method", "morris", "--samples", "2", "--no-charts", "--quiet",
                  "--out", "o4"], Path("o4")),
                (["portfolio", str(workshop), "--budget", "100", "--no-charts", "--quiet", "--out", "o5"], Path("o5"))]
    for args, out in commands:
        code = main(args)
        err = capsys.readouterr().err
        _check(code, err, expected, str(workshop.parent), out)     # the file named is in the folder
        if expected == 2:
            assert words in err, err
        elif out is not None:
            assert (out / "cityfutures-manifest.json").is_file()
    from cityfutures.dashboard import Dashboard
    try:
        Dashboard(workshop.parent)
    except InputError as exc:
        assert expected == 2 and words in str(exc) and "\n" not in str(exc)
    else:
        assert expected == 0


@pytest.mark.parametrize("key", ["name", "title", "extends", "model", "horizon", "focus_area", "track", "set",
                                 "interventions", "add_interventions", "shocks", "add_shocks", "seed",
                                 "description", "source", "owner", "uncertain"])
@pytest.mark.parametrize("value", ["[1, 2]", "{a: 1}", "true", "null", ".nan", "-.inf", "2028-01-01", "''",
                                   "'\\u00e9\\u0000'", "99999999999999999999999999", "-1"])
def test_a_wrong_value_in_any_field_is_one_line(key, value, tmp_path, capsys):
    lib = _workshop(tmp_path / "lib").parent
    base = {"name": "drains", "title": "{en: D, id: D}", "extends": "baseline.yaml"}
    base[key] = value
    (lib / "drains.yaml").write_text("".join(f"{k}: {v}\n" for k, v in base.items()), encoding="utf-8")
    code = main(["validate", str(lib / "drains.yaml")])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith(f"error: {lib / 'drains.yaml'}") or err.startswith(f"error: {lib}"), err
        assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("key", ["name", "title", "description", "baseline", "interventions", "bundles",
                                 "indicators", "weights", "discount_rate", "portfolio"])
@pytest.mark.parametrize("value", ["[1, 2]", "{a: 1}", "true", "null", ".nan", "''", "[[1]]", "{b: {c: 1}}",
                                   "'../../etc/passwd'", "[baseline.yaml, baseline.yaml]"])
def test_a_wrong_value_in_any_comparison_field_is_one_line(key, value, tmp_path, capsys):
    workshop = _workshop(tmp_path / "lib")
    (workshop.parent / "drains.yaml").write_text(HEAD + IV, encoding="utf-8")
    base = {"name": "w", "baseline": "baseline.yaml", "interventions": "[drains.yaml, buses.yaml]"}
    base[key] = value
    workshop.write_text("".join(f"{k}: {v}\n" for k, v in base.items()), encoding="utf-8")
    code = main(["compare", str(workshop), "--out", "o"])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:
        assert err.count("\n") == 1 and "Traceback" not in err and str(workshop.parent) in err, err
        assert not Path("o").exists()


def test_the_canary_would_be_seen(tmp_path):
    """The check is not vacuous: a file named like the canary is found where a model's code would make it."""
    (Path.cwd() / CANARY).write_text("")
    assert (Path.cwd() / CANARY).exists()
    os.unlink(Path.cwd() / CANARY)
