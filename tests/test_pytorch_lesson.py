"""Lesson 19 (from PyTorch to minigrad_ae) prints each PyTorch example with a table of the lines its port changes,
then runs the port. Here: every port cell is exactly its PyTorch code with the table's lines changed and
``torch.<name>`` written ``mg.<name>`` (so the table the student reads is the whole difference), and the lesson
runs where PyTorch is not installed, saying so. (tests/test_lessons.py runs it as it is: with PyTorch, in this
environment, its comparisons too.)"""
import ast
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
LESSON = REPO / "lessons" / "19_from_pytorch.py"
PORT_MARK = "# the port of "


def texts_and_changes():
    """{NAME: (PyTorch code, [(PyTorch line, port line, why)])} from the lesson's NAME_PYTORCH / NAME_CHANGES."""
    tree = ast.parse(LESSON.read_text(encoding="utf-8"))
    constants = [node for node in tree.body if isinstance(node, ast.Assign) and len(node.targets) == 1
                 and isinstance(node.targets[0], ast.Name)
                 and node.targets[0].id.endswith(("_PYTORCH", "_CHANGES", "_CHANGE", "_WHY"))]
    namespace = {}
    exec(compile(ast.Module(body=constants, type_ignores=[]), str(LESSON), "exec"), namespace)
    return {name.removesuffix("_PYTORCH"): (code, namespace[name.replace("_PYTORCH", "_CHANGES")])
            for name, code in namespace.items() if name.endswith("_PYTORCH")}


def port_cells():
    """{NAME: the lines of the cell that starts with '# the port of NAME_PYTORCH'}, trailing blank lines dropped."""
    cells, current = {}, None
    for line in LESSON.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            current = None
        elif line.startswith(PORT_MARK):
            current = cells.setdefault(line[len(PORT_MARK):].removesuffix("_PYTORCH"), [])
        elif current is not None:
            current.append(line)
    return {name: _trimmed(lines) for name, lines in cells.items()}


def ported(code, changes):
    """The PyTorch code with each listed line replaced (indentation kept) and torch.<name> as mg.<name> elsewhere."""
    replace = {old: new for old, new, _ in changes}
    lines = []
    for line in code.splitlines():
        stripped = line.strip()
        indent = line[:len(line) - len(line.lstrip())]
        lines.append(indent + replace[stripped] if stripped in replace else line.replace("torch.", "mg."))
    return _trimmed(lines)


def _trimmed(lines):
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def test_every_port_is_its_pytorch_code_with_only_the_listed_lines_changed():
    examples, cells = texts_and_changes(), port_cells()
    assert len(examples) >= 9 and set(cells) == set(examples), (set(examples), set(cells))
    for name, (code, changes) in examples.items():
        assert ported(code, changes) == cells[name], f"the port of {name}_PYTORCH is not its code with {name}_CHANGES"
        assert all(old != new for old, new, _ in changes), f"{name}: a listed change changes nothing"
        assert "torch" not in "\n".join(cells[name]), f"the port of {name} still names torch"


def test_the_lesson_runs_without_pytorch_and_says_so(tmp_path):
    hide = ('import sys\n'
            'class HideTorch:\n'
            '    """Makes `import torch` and `import safetensors` fail as if they were not installed."""\n'
            '    def find_spec(self, name, path=None, target=None):\n'
            '        if name.split(".")[0] in ("torch", "safetensors"):\n'
            '            raise ModuleNotFoundError(f"No module named {name!r} (hidden by the test)")\n'
            'sys.meta_path.insert(0, HideTorch())\n')
    (tmp_path / "sitecustomize.py").write_text(hide, encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    result = subprocess.run([sys.executable, str(LESSON), "--quick", "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "PyTorch comparisons: skipped — torch and safetensors not installed here" in out
    assert out.count("PyTorch is not installed here, so this comparison is skipped.") == 7
    assert "PyTorch is not installed here: the file was read back by minigrad_ae only." in out
    assert "── 001 variational autoencoder, in PyTorch ──" in out   # the PyTorch code is still shown
    assert "No PyTorch here: no comparison figure." in out
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["19_cyclic_lr.png", "19_reconstructions.png"]
