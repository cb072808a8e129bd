"""Every lesson, written as a notebook by `minigrad-ae lessons notebook` and executed in a real IPython kernel as
Jupyter would (kernel in the notebook's folder, MINIGRAD_AE_QUICK=1, no flags): it runs, shows each figure it saves
inline, saves them in out/ beside the notebook, and writes nothing into the working folder it was started from."""
import base64

import nbclient
import nbformat
import pytest

from minigrad_ae import cli

LESSONS = cli.find_lessons()


@pytest.mark.parametrize("number", sorted(LESSONS), ids=[LESSONS[n].stem for n in sorted(LESSONS)])
def test_lesson_runs_as_a_notebook_and_shows_its_figures_inline(number, tmp_path, monkeypatch):
    started_in, notebook_folder = tmp_path / "cwd", tmp_path / "notebooks"
    started_in.mkdir()
    monkeypatch.chdir(started_in)
    monkeypatch.setenv("MINIGRAD_AE_QUICK", "1")
    monkeypatch.delenv("MINIGRAD_AE_OUT", raising=False)
    (path,) = cli.write_notebooks(LESSONS, str(number), notebook_folder)

    notebook = nbclient.NotebookClient(nbformat.read(path, as_version=4), timeout=600, kernel_name="python3",
                                       resources={"metadata": {"path": str(notebook_folder)}})
    executed = notebook.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails

    outputs = [output for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs]
    shown = {base64.b64decode(output["data"]["image/png"]) for output in outputs
             if "image/png" in output.get("data", {})}
    saved = sorted((notebook_folder / "out").glob("*.png"))
    assert saved, "the lesson saved no figure beside its notebook"
    assert shown >= {png.read_bytes() for png in saved}, "a saved figure was not shown inline"
    printed = "".join(output.get("text", "") for output in outputs)
    assert f"figures go to {notebook_folder / 'out'}" in printed
    assert list(started_in.iterdir()) == [], "the lesson wrote into the folder it was started from"
