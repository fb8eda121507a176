"""Every notebook in notebooks/ executes top to bottom (offline, on the simulator), and is committed without outputs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_three_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_prompt_experiments.ipynb",
        "03_batch_analysis.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_have_no_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: strip outputs before commit"
            )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_offline(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    # No DeepSeek or LangSmith variables: the notebook must pick the simulator by itself.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "LANGSMITH_", "COPYLOOP_"))}
    env["MPLBACKEND"] = "agg"
    book.cells.append(nbformat.v4.new_code_cell("import sys; print('kernel python:', sys.executable)"))
    client = NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute(env=env)  # raises CellExecutionError, with the cell and traceback, if any cell fails
    text = "".join(
        output.get("text", "")
        for cell in book.cells
        for output in cell.get("outputs", [])
        if "text" in output
    )
    assert "offline simulator" in text and "not DeepSeek's" in text
    # jupyter_client starts the `python3` kernel with the interpreter running the tests: the project's venv.
    assert f"kernel python: {sys.executable}" in text
