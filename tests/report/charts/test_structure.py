"""The structure maps are reproducible: the same model draws the same positions and the same PNG bytes in
any process, whatever the string hashing's salt (``PYTHONHASHSEED``), since no order in them comes from a
set's iteration.

Each test runs the same code in two Python processes with different seeds (1 and 2: before every order was
fixed, eight of the nine maps of models/jakarta.mdl and the layouts of its sectors differed between them)
and compares what they give.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import JAKARTA, REPO

SEEDS = ("1", "2")

# the positions of every sector's map of a structure read from stdin (links and flows as lists, made sets
# here, so that their order is the child's): what sector_layout decides, in its drawing order
_LAYOUT = """
import json, sys
from cityfutures.model.structure import Structure, skeleton
from cityfutures.report.charts.structure import sector_layout
d = json.load(sys.stdin)
st = Structure(kind=d["kind"], sector=d["sector"], links={tuple(x) for x in d["links"]},
               inflows={tuple(x) for x in d["inflows"]})
out = {}
for s in d["sectors"]:
    lay = sector_layout(st, s)
    out[str(s)] = {"inside": lay.inside, "incoming": lay.incoming, "outgoing": lay.outgoing,
                   "pos": [[n, x, y] for n, (x, y) in lay.pos.items()], "ncols": lay.ncols,
                   "longest": lay.longest, "reduced": lay.reduced}
sk = skeleton(st)
out["skeleton kinds"] = list(sk.kind)
print(json.dumps(out))
"""

# every structure map of the Jakarta model (overview and sectors) drawn as PNG into argv[1]
_DRAW = """
import sys
from pathlib import Path
from cityfutures.model import load_model, structure as ms
from cityfutures.report.charts import structure
from cityfutures.report.labels import Labels
from tests.report.synthetic_results import build_results
ds, model = build_results(), load_model(sys.argv[2])
structure.draw(ds, Path(sys.argv[1]), Labels(ds, "en", model=model), ("png",), ms.build(model))
"""


def _run(code: str, seed: str, *args, stdin: str | None = None) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], input=stdin, env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def jakarta_structure():
    if not JAKARTA.is_file():
        pytest.skip("models/jakarta.mdl is not in the repository")
    from cityfutures.model import load_model, structure as model_structure
    from cityfutures.report.charts.structure import _sectors
    model = load_model(JAKARTA)
    st = model_structure.build(model)
    return st, _sectors(model, st)


def test_sector_layouts_do_not_depend_on_the_hash_seed(jakarta_structure):
    """Every sector's positions (skeletons included) and their order are the same under two hash seeds."""
    st, sectors = jakarta_structure
    data = json.dumps({"kind": st.kind, "sector": st.sector, "links": sorted(st.links),
                       "inflows": sorted(st.inflows), "sectors": sectors})
    first, second = (json.loads(_run(_LAYOUT, seed, stdin=data)) for seed in SEEDS)
    assert set(first) == {str(s) for s in sectors} | {"skeleton kinds"}
    assert {first[str(s)]["reduced"] for s in sectors} == {True, False}, "both layouts (full and skeleton) tested"
    for key in first:
        assert first[key] == second[key], f"{key}: the layout depends on PYTHONHASHSEED"


@pytest.mark.slow
def test_structure_maps_are_the_same_bytes_under_two_hash_seeds(tmp_path):
    """The Jakarta model's structure maps (overview and every sector) drawn in two processes with different
    ``PYTHONHASHSEED``: identical PNG files."""
    if not JAKARTA.is_file():
        pytest.skip("models/jakarta.mdl is not in the repository")
    folders = [tmp_path / f"seed-{seed}" for seed in SEEDS]
    for seed, folder in zip(SEEDS, folders):
        _run(_DRAW, seed, folder, JAKARTA)
    names = sorted(p.name for p in folders[0].glob("*.png"))
    assert "structure-overview.png" in names and len(names) > 2
    assert names == sorted(p.name for p in folders[1].glob("*.png"))
    differ = [n for n in names if (folders[0] / n).read_bytes() != (folders[1] / n).read_bytes()]
    assert not differ, f"different bytes under PYTHONHASHSEED {SEEDS}: {differ}"
