"""The package imports and works with numba absent (a Python numba does not support yet, a browser kernel): every
kernel falls back to its NumPy reference, with one notice. A representative part of the suite runs that way."""
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
HIDE_NUMBA = '''import sys
class HideNumba:
    """Makes `import numba` fail as if it were not installed."""
    def find_spec(self, name, path=None, target=None):
        if name == "numba" or name.startswith("numba."):
            raise ModuleNotFoundError("No module named 'numba' (hidden by tests/test_without_numba.py)")
sys.meta_path.insert(0, HideNumba())
'''


def run_without_numba(tmp_path, *args):
    (tmp_path / "sitecustomize.py").write_text(HIDE_NUMBA, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]), "MINIGRAD_AE_NUMBA": "1"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=900)


def test_import_warns_once_and_kernels_run_their_references(tmp_path):
    code = ("import warnings, sys\nwarnings.simplefilter('always')\n"
            "import minigrad_ae as mg, numpy as np\n"
            "from minigrad_ae import kernels as K\n"
            "x = mg.tensor(np.linspace(-3, 3, 7), requires_grad=True)\n"
            "x.sigmoid().relu().sum().backward()\n"
            "print(K.NUMBA_ENABLED, K.sigmoid, 'numba' in sys.modules)")
    result = run_without_numba(tmp_path, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False" and "NumPy reference" in result.stdout
    assert result.stdout.strip().endswith("False")
    assert result.stderr.count("numba is not installed") == 1 and "pip install numba" in result.stderr


def test_the_core_of_the_suite_passes_without_numba(tmp_path):
    result = run_without_numba(tmp_path, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-W",
                               "ignore::RuntimeWarning", "-k", "not second_derivative",
                               "tests/test_gradients.py", "tests/test_engine.py", "tests/test_layers.py",
                               "tests/test_functional.py", "tests/test_conv.py", "tests/test_optim.py",
                               "tests/test_train.py", "tests/test_integration.py", "tests/test_kernels.py",
                               "tests/test_tsne.py")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout
