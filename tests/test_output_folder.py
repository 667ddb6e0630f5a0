"""Output folders: a manifest, refusal of other folders, whole replacement, one writer, no stale staging."""
from __future__ import annotations

import errno
import json
import os
import shutil
import stat

import pytest

from cityfutures.errors import OutputError
from cityfutures.files import atomic_write, sha256_file
from cityfutures.output_folder import MANIFEST, OutputFolder, check_output_folder, output_folder, read_manifest


def _write(folder, files, command="cityfutures test"):
    with output_folder(folder, command=command) as out:
        for rel, text in files.items():
            target = out.stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return out


def _names(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_new_folder_gets_the_files_and_a_manifest(tmp_path):
    out = _write(tmp_path / "a" / "out", {"results.csv": "x", "charts/one.png": "y"}, "cityfutures run s.yaml")
    folder = tmp_path / "a" / "out"
    assert _names(folder) == sorted(["charts", "charts/one.png", MANIFEST, "results.csv"])
    assert out.files == [folder / "charts/one.png", folder / "results.csv"]
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["format"] == "cityfutures-manifest" and manifest["command"] == "cityfutures run s.yaml"
    assert manifest["created"] and manifest["cityfutures_version"]
    assert manifest["files"] == [
        {"path": "charts/one.png", "bytes": 1, "sha256": sha256_file(folder / "charts/one.png")},
        {"path": "results.csv", "bytes": 1, "sha256": sha256_file(folder / "results.csv")}]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["out"]      # no lock or staging beside it


def test_an_empty_folder_is_taken(tmp_path):
    (tmp_path / "out").mkdir()
    _write(tmp_path / "out", {"a.csv": "1"})
    assert _names(tmp_path / "out") == sorted([MANIFEST, "a.csv"])


@pytest.mark.parametrize("content", [{"notes.txt": "mine"}, {"results.nc": "old"}, {"sub/x": ""}])
def test_a_folder_of_other_files_is_refused_and_left_alone(tmp_path, content):
    folder = tmp_path / "out"
    for rel, text in content.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    before = _names(folder)
    with pytest.raises(OutputError, match="not a cityfutures output folder; use an empty folder") as info:
        _write(folder, {"a.csv": "1"})
    assert info.value.field == "--out" and str(folder) in str(info.value)
    assert _names(folder) == before and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("manifest", ["not json", json.dumps({"format": "other", "files": []}),
                                      json.dumps({"format": "cityfutures-manifest", "files": [{"path": "../x"}]}),
                                      json.dumps({"format": "cityfutures-manifest", "files": [{"path": "/etc/x"}]})])
def test_a_manifest_cityfutures_did_not_write_is_refused(tmp_path, manifest):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / MANIFEST).write_text(manifest)
    (tmp_path / "x").write_text("keep")
    with pytest.raises(OutputError, match=MANIFEST):
        _write(folder, {"a.csv": "1"})
    assert (tmp_path / "x").read_text() == "keep" and _names(folder) == [MANIFEST]


def test_a_file_is_not_a_folder(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(OutputError, match="names a file, not a folder"):
        check_output_folder(tmp_path / "out")


def test_the_previous_run_is_replaced_as_a_whole_and_unlisted_files_stay(tmp_path):
    folder = tmp_path / "out"
    _write(folder, {"results.nc": "old", "brief.pdf": "old brief", "charts/old.png": "o"})
    (folder / "notes.txt").write_text("mine")
    (folder / "charts" / "mine.png").write_text("mine too")
    (folder / "nested").mkdir()
    _write(folder / "nested", {"x.csv": "nested run"})           # an output folder inside: it goes with the run
    (folder / "empty").mkdir()
    _write(folder, {"results.nc": "new", "comparison.md": "new"})
    assert _names(folder) == sorted(["charts", "charts/mine.png", MANIFEST, "comparison.md", "empty", "notes.txt",
                                     "results.nc"])
    assert (folder / "results.nc").read_text() == "new" and (folder / "notes.txt").read_text() == "mine"
    assert [f["path"] for f in read_manifest(folder)["files"]] == ["comparison.md", "results.nc"]


def test_a_new_file_never_replaces_one_the_manifest_does_not_list(tmp_path):
    folder = tmp_path / "out"
    _write(folder, {"results.nc": "old"})
    (folder / "brief.pdf").write_text("my own brief")
    with pytest.raises(OutputError, match="'brief.pdf' is not listed"):
        _write(folder, {"results.nc": "new", "brief.pdf": "generated"})
    assert (folder / "brief.pdf").read_text() == "my own brief" and (folder / "results.nc").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    folder = tmp_path / "out"
    with output_folder(folder) as first:
        (first.stage / "a.csv").write_text("1")
        with pytest.raises(OutputError, match="another cityfutures command is writing to this folder"):
            with output_folder(folder):
                pass
    assert _names(folder) == sorted([MANIFEST, "a.csv"])
    _write(folder, {"b.csv": "2"})                                  # the lock went with the first writer
    assert _names(folder) == sorted([MANIFEST, "b.csv"])


def test_a_failure_writes_nothing_and_removes_the_folders_it_made(tmp_path):
    with pytest.raises(RuntimeError):
        with output_folder(tmp_path / "new" / "out") as out:
            (out.stage / "a.csv").write_text("1")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_staging_a_killed_writer_left_is_removed(tmp_path):
    folder = tmp_path / "out"
    _write(folder, {"a.csv": "1"})
    (tmp_path / ".out.cityfutures-staging-dead").mkdir()
    (tmp_path / ".out.cityfutures-staging-dead" / "a.csv").write_text("half")
    (folder / ".cityfutures-k2j3h4").mkdir()                        # an older version's staging, inside OUT
    _write(folder, {"b.csv": "2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and _names(folder) == sorted([MANIFEST, "b.csv"])


def test_a_folder_whose_only_content_is_stale_staging_counts_as_empty(tmp_path):
    (tmp_path / "out" / ".cityfutures-abc").mkdir(parents=True)
    _write(tmp_path / "out", {"a.csv": "1"})
    assert _names(tmp_path / "out") == sorted([MANIFEST, "a.csv"])


def test_a_replacement_cut_between_its_renames_is_rolled_back(tmp_path):
    folder = tmp_path / "out"
    _write(folder, {"a.csv": "1"})
    os.rename(folder, tmp_path / ".out.cityfutures-old-x1")        # killed after the first rename
    (tmp_path / ".out.cityfutures-staging-x2").mkdir()
    with output_folder(folder) as out:
        assert (folder / "a.csv").read_text() == "1"                # the previous run is back
        (out.stage / "b.csv").write_text("2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and _names(folder) == sorted([MANIFEST, "b.csv"])


def test_every_file_and_folder_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        with output_folder(tmp_path / "out") as out:
            (out.stage / "sub").mkdir(mode=0o700)
            (out.stage / "sub" / "a.png").write_text("x")
            os.chmod(out.stage / "sub" / "a.png", 0o600)             # as a writer that makes private files
            atomic_write(out.stage / "b.csv", lambda tmp: tmp.write_text("y"))
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [tmp_path / "out", *(tmp_path / "out").rglob("*")]}
    assert modes == {"out": 0o750, "sub": 0o750, "a.png": 0o640, "b.csv": 0o640, MANIFEST: 0o640}


def test_a_full_device_is_one_line_naming_the_folder(tmp_path):
    def full(tmp):
        raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OutputError, match=r"no space left on the device \(.*out"):
        with output_folder(tmp_path / "out") as out:
            atomic_write(out.stage / "results.nc", full)
    assert list(tmp_path.iterdir()) == []


def test_a_wrapped_disk_error_is_recognised_by_the_free_space(tmp_path, monkeypatch):
    def hdf(tmp):
        tmp.write_text("partial")
        raise RuntimeError("NetCDF: HDF error")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(100, 100, 0))
    with pytest.raises(OutputError, match="no space left on the device"):
        atomic_write(tmp_path / "results.nc", hdf)
    monkeypatch.undo()
    with pytest.raises(RuntimeError, match="HDF error"):             # not full: the error as it is
        atomic_write(tmp_path / "results.nc", hdf)
    assert list(tmp_path.iterdir()) == []


def test_the_root_folder_is_never_an_output_folder():
    with pytest.raises(OutputError, match="root folder"):
        check_output_folder("/")


def test_output_folder_is_a_context_manager_class(tmp_path):
    assert isinstance(OutputFolder(tmp_path / "o"), OutputFolder)
