"""Fuzz the public API with bad input (issue 15).

Every public callable of ``mg``, ``mg.nn``, ``mg.nn.functional``, ``mg.nn.init``, ``mg.optim``, ``mg.data`` and
``mg.models`` (``mg.save``, ``mg.load`` and ``mg.fit`` among them) has a row in ``ROWS``: how to call it with good
arguments, and what kind of value each argument is; layers and models also get rows for the calls where data enters
them (``layer(x)``, ``model.loss(x)`` ...). Hypothesis then replaces one argument at a time by a bad value of its
kind: a wrong type (None, a string, a dict, a number where an array goes, a list where a Tensor goes), a wrong
shape, a wrong dtype (int, bool, float16, complex, object, uint8), NaN/Inf, an empty array, a number out of range
(a negative size, a probability outside [0, 1], a learning rate <= 0). Every call must either

* succeed, with a numeric result of the right shape, finite when every input array was (a NaN *setting* — an lr, a
  p — must be refused, not passed on); a list or tuple where an array goes must succeed, as for fit; or
* raise ValueError (ShapeError and CheckpointError are ValueErrors), TypeError, or an exception type the row
  documents (RuntimeError, FileNotFoundError), with a message that names the function the user called;

and it must never modify an input array, warn without naming the function, nor make NumPy overflow or produce an
invalid value from finite input (``np.errstate(over/invalid/divide='raise')`` then). AttributeError,
ZeroDivisionError, IndexError, KeyError and NumPy's own errors fail the test as they are.

A row with ``skip`` says why its callable is not fuzzed.
"""
import copy
import inspect
import math
import re
import types
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from minigrad_ae.nn import init

# Derandomized, so CI and a laptop draw the same ~5,100 calls (30 per row). Measured: 21 s of CPU for the file
# (3 s of it importing and collecting), so well under a minute on a CI runner's 2 cores; 40-90 s of wall time here,
# where 5-10 jobs shared the 2 cores. Every (argument, bad value) pair of every row would be ~5,600 calls.
FUZZ = settings(max_examples=30, derandomize=True, deadline=None, database=None)


# ======================================================================= bad values, by kind of argument


@dataclass(frozen=True)
class Bad:
    """One way to spoil an argument: ``make(good, rng)`` builds the bad value from the good one."""
    label: str
    make: Callable
    must_work: bool = False   # a legitimate variant (a list where an array goes): the call must succeed

    def __repr__(self):
        return self.label

    def _repr_pretty_(self, printer, cycle):   # how hypothesis shows a failing draw
        printer.text(self.label)


def values(*pairs):
    """Bad values that do not depend on the good one, from (label, value) pairs."""
    return [Bad(label, lambda good, rng, value=value: copy.deepcopy(value)) for label, value in pairs]


def array_of(value):
    return value.data if isinstance(value, mg.Tensor) else np.asarray(value)


def from_array(how, must_work=False):
    """A Bad whose value is ``how(the good array)``; a 0-d good value stays as it is for a change of shape."""
    return lambda label: Bad(label, lambda good, rng: how(array_of(good)), must_work)


def with_one(replacement):
    """A float copy of the good array with one random element replaced (by NaN, Inf ...)."""
    def make(good, rng):
        a = np.array(array_of(good), dtype=np.result_type(array_of(good).dtype, np.float32))
        if a.size:
            a.flat[rng.integers(a.size)] = replacement
        return a
    return make


def reshaped(how):
    return lambda good, rng: how(array_of(good)) if array_of(good).ndim else array_of(good)


NOT_DATA = values(("None", None), ("a string", "abc"), ("a dict", {"x": 1}), ("an object", object()))
DATA = NOT_DATA + values(("an int", 3), ("a float", 2.5), ("a ragged list", [[1.0, 2.0], [3.0]]),
                         ("a list of strings", [["a", "b"]])) + [
    Bad("a list", lambda good, rng: array_of(good).tolist(), must_work=True),
    Bad("a tuple", lambda good, rng: (tuple(array_of(good).tolist()) if array_of(good).ndim
                                      else array_of(good).item()), must_work=True),
    Bad("int dtype", lambda good, rng: np.rint(array_of(good) * 3).astype(np.int64)),
    Bad("bool dtype", lambda good, rng: array_of(good) > np.median(array_of(good))),
    Bad("float16", lambda good, rng: array_of(good).astype(np.float16)),
    Bad("complex", lambda good, rng: array_of(good) + 0.5j),
    Bad("object dtype", lambda good, rng: array_of(good).astype(object)),
    Bad("uint8", lambda good, rng: np.rint(np.abs(array_of(good)) * 3).astype(np.uint8)),
    Bad("a NaN", with_one(np.nan)), Bad("an Inf", with_one(np.inf)), Bad("a -Inf", with_one(-np.inf)),
    Bad("empty", reshaped(lambda a: a[:0])),
    Bad("an extra leading axis", reshaped(lambda a: a[None])),
    Bad("one axis less", reshaped(lambda a: a[0])),
    Bad("a longer last axis", reshaped(lambda a: np.concatenate([a, a[..., :1]], axis=-1))),
    Bad("an empty last axis", reshaped(lambda a: a[..., :0])),
    Bad("transposed", reshaped(lambda a: a.T)),
]
UNIT_DATA = DATA + [   # data meant to lie in [0, 1]: images, probabilities
    Bad("uint8 pixels", lambda good, rng: (np.clip(array_of(good), 0, 1) * 255).astype(np.uint8)),
    Bad("values up to 255", lambda good, rng: array_of(good) * 255),
    Bad("negative values", lambda good, rng: array_of(good) - 2)]
LABELS = NOT_DATA + values(("a float", 2.5), ("a string list", ["a"])) + [
    Bad("a list", lambda good, rng: np.asarray(good).tolist(), must_work=True),
    Bad("float labels", lambda good, rng: np.asarray(good).astype(np.float64)),
    Bad("a negative label", lambda good, rng: np.where(np.arange(len(good)) == 0, -1, good)),
    Bad("a label too large", lambda good, rng: np.asarray(good) + 100),
    Bad("one label more", lambda good, rng: np.append(good, 0)),
    Bad("a column of labels", lambda good, rng: np.asarray(good)[:, None]),
    Bad("empty", lambda good, rng: np.asarray(good)[:0]),
]
TENSORS = NOT_DATA + [   # a list of tensors, e.g. for mg.cat
    Bad("empty", lambda good, rng: []),
    Bad("a None inside", lambda good, rng: [good[0], None]),
    Bad("a Tensor, not a list", lambda good, rng: good[0]),
    Bad("mismatched shapes", lambda good, rng: [good[0], good[0][..., :1]]),
    Bad("a list", lambda good, rng: [array_of(t).tolist() for t in good], must_work=True),
]
GRAPH = NOT_DATA + [   # outputs or inputs of a graph, for mg.grad: Tensors, nothing else
    Bad("empty", lambda good, rng: []), Bad("a None inside", lambda good, rng: [good[0], None]),
    Bad("an array", lambda good, rng: [array_of(good[0])]),
    Bad("a constant tensor", lambda good, rng: [mg.tensor(array_of(good[0]))])]
SIZE = values(("zero", 0), ("negative", -1), ("a float", 2.5), ("a string", "3"), ("None", None), ("True", True),
              ("a list", [3]), ("NaN", math.nan)) + [
    Bad("a NumPy int", lambda good, rng: np.int64(3 if good is None else good), must_work=True)]
SIZES = values(("an int", 6), ("a string", "6-2"), ("None", None), ("one size", [6]), ("a zero", [6, 0]),
               ("a negative", [6, -2]), ("a float", [6.5, 2]), ("empty", []), ("a bool", [True, 2])) + [
    Bad("a tuple", lambda good, rng: tuple(good), must_work=True),
    Bad("an array", lambda good, rng: np.array(good), must_work=True)]
HIDDEN = values(("zero", 0), ("negative", -1), ("empty", []), ("a zero width", [0]), ("a string", "4"),
                ("None", None), ("a float", 2.5), ("a float width", [4.5]))
SHAPE = values(("negative", -1), ("a negative axis", (2, -1)), ("a string", "3"), ("a float", 2.5),
               ("float axes", (2.5, 3)), ("None", None)) + [
    Bad("a list", lambda good, rng: list(good) if isinstance(good, tuple) else good, must_work=True)]
COUNT = values(("negative", -1), ("a float", 2.5), ("a string", "2"), ("None", None), ("a list", [1]))
PROB = values(("negative", -0.1), ("above 1", 1.5), ("NaN", math.nan), ("Inf", math.inf), ("a string", "0.5"),
              ("None", None), ("a list", [0.5]), ("complex", 0.5j))
POSITIVE = values(("zero", 0.0), ("negative", -1.0), ("NaN", math.nan), ("Inf", math.inf), ("a string", "0.1"),
                  ("None", None), ("a list", [0.1]))
NONNEG = values(("negative", -1.0), ("NaN", math.nan), ("Inf", math.inf), ("a string", "0.1"), ("None", None))
REAL = values(("NaN", math.nan), ("Inf", math.inf), ("a string", "1"), ("None", None), ("a list", [1.0]),
              ("complex", 1j))
BETAS = values(("one value", (0.9,)), ("above 1", (1.5, 0.9)), ("a string", "ab"), ("None", None),
               ("NaN", (math.nan, 0.9)), ("negative", (0.9, -0.1)))
AXIS = values(("too large", 7), ("too negative", -7), ("a float", 1.5), ("a string", "0"))
RNG = values(("an int seed", 0), ("a string", "seed"), ("a RandomState", np.random.RandomState(0)),
             ("a float", 1.5), ("a list", [1, 2]))
CHOICE = values(("unknown", "bogus"), ("None", None), ("an int", 3), ("empty", ""))
DTYPE = values(("a string", "float"), ("an int dtype", np.int64), ("float16", np.float16), ("complex", np.complex64),
               ("object", object), ("a bool dtype", np.bool_), ("not a dtype", "floaty"))
CALLABLE = values(("None", None), ("an int", 3), ("a string", "f"))   # None is the default of every such argument
LOSS_FN = CALLABLE + [Bad("a function returning a float", lambda good, rng: lambda m, xb: 0.5),
                      Bad("a function returning a batch", lambda good, rng: lambda m, xb: m(xb)),
                      Bad("a function of one argument", lambda good, rng: lambda m: m),
                      Bad("a function returning a string", lambda good, rng: lambda m, xb: "loss")]
MODULE = values(("None", None), ("a string", "model"), ("an int", 3), ("an array", np.ones(3))) + [
    Bad("a function", lambda good, rng: (lambda x: x)), Bad("a layer class", lambda good, rng: nn.Linear)]
OPTIMIZER = values(("None", None), ("a string", "adam"), ("an int", 3), ("a list", [])) + [
    Bad("another model's optimizer",
        lambda good, rng: mg.optim.SGD([mg.tensor(np.ones(2), requires_grad=True)], 0.1))]
PARAMS = values(("None", None), ("an int", 3), ("a string", "abc"), ("empty", []), ("arrays", [np.ones(3)]),
                ("a dict", {"w": mg.tensor(np.ones(2), requires_grad=True)}),
                ("a Tensor", mg.tensor(np.ones(2), requires_grad=True)),
                ("an int tensor", [mg.tensor(np.ones(2, np.int64))]),
                ("named pairs", [("w", mg.tensor(np.ones(2), requires_grad=True))]))
TARGET = values(("an array", np.ones((3, 2))), ("a list", [[1.0, 2.0]]), ("None", None), ("a string", "w"),
                ("a vector", nn.Parameter(np.ones(3))))   # a Tensor to fill in place (the initialisers)
STATE = NOT_DATA + values(("a None value", {"w": None}), ("an int key", {3: np.ones(2)}),
                          ("a string value", {"w": "abc"}), ("a ragged value", {"w": [[1.0], [2.0, 3.0]]}),
                          ("a dunder key", {"__meta__": np.ones(2)}))
META = values(("a set", {"a": {1, 2}}), ("an object", {"a": object()}), ("an array", {"a": np.ones(2)}),
              ("a string", "meta"), ("NumPy floats", {"a": np.float32(1)}), ("a list", [1, 2]))


def bad_file(kind):
    def make(good, rng):
        folder = _tmp_dir()
        if kind == "missing":
            return folder / "missing.npz"
        if kind == "a folder":
            return folder
        path = folder / "bad.npz"
        path.write_bytes(b"" if kind == "empty" else b"PK\x03\x04 not really a zip")
        return path
    return make


READ_PATH = values(("None", None), ("an int", 3)) + [Bad(kind, bad_file(kind)) for kind in
                                                      ("missing", "a folder", "empty", "garbage")]
WRITE_PATH = values(("None", None), ("an int", 3)) + [
    Bad("in a missing folder", lambda good, rng: _tmp_dir() / "missing" / "model.npz"),
    Bad("a folder", lambda good, rng: _tmp_dir())]

KINDS = {
    "data": DATA, "unit": UNIT_DATA, "labels": LABELS, "tensors": TENSORS, "graph": GRAPH,
    "buffer": [Bad(bad.label, bad.make) for bad in DATA],   # updated in place: no list can be
    "val": [bad for bad in UNIT_DATA if bad.label != "a tuple"],   # fit reads a tuple val as (X_val, y_val)
    # log and sqrt of 0 (False) or -inf are -inf or NaN by definition, as in NumPy and PyTorch: not bad input
    "positive_data": [bad for bad in DATA if bad.label not in ("bool dtype", "a -Inf")],
    "size": SIZE, "sizes": SIZES, "hidden": HIDDEN, "shape": SHAPE, "count": COUNT, "prob": PROB,
    "positive": POSITIVE, "nonneg": NONNEG, "real": REAL, "betas": BETAS, "axis": AXIS, "rng": RNG,
    "choice": CHOICE, "dtype": DTYPE, "callable": CALLABLE, "loss_fn": LOSS_FN, "module": MODULE,
    "optimizer": OPTIMIZER, "params": PARAMS, "target": TARGET, "state": STATE, "meta": META,
    "read_path": READ_PATH, "write_path": WRITE_PATH,
}

_TMP = []   # the module's scratch folder (hypothesis forbids function-scoped fixtures in its tests)


def _tmp_dir():
    return _TMP[-1]


@pytest.fixture(scope="module", autouse=True)
def fuzz_tmp_dir(tmp_path_factory):
    _TMP.append(tmp_path_factory.mktemp("fuzz"))
    yield
    _TMP.pop()


# ======================================================================= the table


@dataclass
class Row:
    """How to call one public callable with good arguments, and which arguments to spoil."""
    name: str                     # as the user writes it: 'F.mse_loss', 'nn.Linear', 'Linear(x)'
    call: Callable = None         # call(**arguments)
    valid: Callable = dict        # () -> {argument: good value}, fresh objects every time
    slots: dict = field(default_factory=dict)   # argument -> kind of value (a key of KINDS)
    says: tuple = ()              # names an error may give (one of them); default: the name's last part
    shape: Callable = None        # arguments -> the shape the result must have (None: not checked)
    raises: tuple = ()            # exception types the function documents beyond ValueError and TypeError
    mutates: tuple = ()           # arguments the call changes on purpose (a tensor an initialiser fills)
    covers: object = None         # the public callable the row is for (test_every_public_callable_has_a_row)
    skip: str = ""                # why it is not fuzzed

    def __post_init__(self):
        self.says = self.says or (re.split(r"[.(]", self.name)[-2 if "(" in self.name else -1],)

    def __repr__(self):
        return self.name

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.name)


def data(shape=(8, 6), low=0.05, high=0.95, seed=0):
    """Good data: float32 in (0, 1), which suits every loss and model."""
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def labels(n=8, classes=3, seed=0):
    return np.random.default_rng(seed).integers(classes, size=n)


def rng():
    return np.random.default_rng(0)


def param(shape, seed=0):
    return nn.Parameter(data(shape, -0.5, 0.5, seed))


def sgd():
    return mg.optim.SGD([param((3, 2))], lr=0.1, momentum=0.9)


def autoencoder():
    return mg.models.Autoencoder([6, 4, 2], rng=rng())


def shape_of(value):
    return value.shape if isinstance(value, mg.Tensor) else np.shape(value)


def same(name):
    return lambda arguments: shape_of(arguments[name])


def scalar(arguments):
    return ()


def starred(function, *names):
    """Row.call for a function of *arguments (Sequential(*modules)): the named ones are passed in order."""
    return lambda **arguments: function(*[arguments[n] for n in names])


def fit_arguments():
    model = autoencoder()
    return dict(model=model, X=data(), epochs=1, batch_size=4, optimizer=mg.optim.Adam(model.parameters(), 1e-2),
                val=data((4, 6), seed=1), rng=rng(), progress=False, loss_fn=None, step=None, on_epoch=None,
                schedule=None, early_stopping=None)


def graph():
    w = mg.tensor(data((2, 3)), requires_grad=True)
    return dict(outputs=[(w * w).sum()], inputs=[w], grad_outputs=np.ones(()))


def idx_file(name="digits-idx1-ubyte", shape=(3,), folder=None):
    """A small IDX file of zeros (MNIST's layout: two zero bytes, type 0x08 = uint8, the sizes, the data)."""
    path = (folder or _tmp_dir()) / name
    path.write_bytes(b"\x00\x00\x08" + bytes([len(shape)]) + b"".join(n.to_bytes(4, "big") for n in shape)
                     + bytes(math.prod(shape)))
    return path


def mnist_folder():
    folder = _tmp_dir() / "mnist"
    folder.mkdir(exist_ok=True)
    idx_file("t10k-images-idx3-ubyte", (2, 28, 28), folder)
    idx_file("t10k-labels-idx1-ubyte", (2,), folder)
    return folder


SKIP_CLASS = "an exception type: raised, not called"
ROWS = [
    Row("mg.ShapeError", covers=mg.ShapeError, skip=SKIP_CLASS),
    Row("mg.CheckpointError", covers=mg.CheckpointError, skip=SKIP_CLASS),
    Row("mg.GradcheckError", covers=mg.GradcheckError, skip=SKIP_CLASS),
    Row("mg.Context", covers=mg.Context, skip="the record Function.apply makes of one op; users never build one"),
    Row("mg.Function", covers=mg.Function, skip="a base class to subclass (its apply is fuzzed through every op)"),
    Row("mg.Checkpoint", covers=mg.Checkpoint, skip="the record mg.load returns (see mg.load)"),
    Row("mg.GradcheckReport", covers=mg.GradcheckReport, skip="the record gradcheck returns (see mg.gradcheck)"),
    Row("mg.History", covers=mg.History, skip="the record fit returns (see mg.fit)"),
    Row("optim.Optimizer", covers=mg.optim.Optimizer, skip="a base class: see SGD, Adam, RMSprop"),
    Row("optim.LRScheduler", covers=mg.optim.LRScheduler, skip="a base class: see StepLR, CyclicLR ..."),
    *[Row(f"optim.{name}", covers=getattr(mg.optim, name), skip="an in-place kernel of Optimizer.step, unchecked by "
          "design (the hot path); the optimizers check their parameters and gradients")
      for name in ("sgd_update", "adam_update", "rmsprop_update")],
    Row("models.PCAResult", covers=mg.models.PCAResult, skip="the record pca returns (see PCAResult.transform)"),
    Row("mg.no_grad", mg.no_grad, covers=mg.no_grad),
    Row("mg.enable_grad", mg.enable_grad, covers=mg.enable_grad),
    Row("mg.detect_anomaly", mg.detect_anomaly, covers=mg.detect_anomaly),
    Row("mg.manual_seed", mg.manual_seed, lambda: dict(seed=0), raises=(RuntimeError,), covers=mg.manual_seed),

    # ----------------------------------------------------------------- mg: tensors and ops
    Row("mg.tensor", mg.tensor, lambda: dict(data=data()), {"data": "data", "dtype": "dtype"}, shape=same("data"),
        covers=mg.tensor),
    Row("mg.Tensor", mg.Tensor, lambda: dict(data=data()), {"data": "data", "dtype": "dtype"}, shape=same("data"),
        says=("Tensor", "tensor"), covers=mg.Tensor),
    Row("mg.as_tensor", mg.as_tensor, lambda: dict(x=data()), {"x": "data"}, shape=same("x"), covers=mg.as_tensor),
    Row("mg.as_array", mg.as_array, lambda: dict(x=data()), {"x": "data"}, shape=same("x"), covers=mg.as_array),
    # zeros/ones/randn take the size positionally (PyTorch's *size): zeros((2, 3)) or zeros(2, 3)
    Row("mg.zeros", lambda size, **kw: mg.zeros(size, **kw), lambda: dict(size=(2, 3)),
        {"size": "shape", "dtype": "dtype"}, covers=mg.zeros),
    Row("mg.ones", lambda size, **kw: mg.ones(size, **kw), lambda: dict(size=(2, 3)),
        {"size": "shape", "dtype": "dtype"}, covers=mg.ones),
    Row("mg.randn", lambda size, **kw: mg.randn(size, **kw), lambda: dict(size=(2, 3), rng=rng()),
        {"size": "shape", "rng": "rng", "dtype": "dtype"}, covers=mg.randn),
    Row("mg.zeros_like", mg.zeros_like, lambda: dict(x=data()), {"x": "data"}, shape=same("x"), covers=mg.zeros_like),
    Row("mg.ones_like", mg.ones_like, lambda: dict(x=data()), {"x": "data"}, shape=same("x"), covers=mg.ones_like),
    Row("mg.randn_like", mg.randn_like, lambda: dict(x=data(), rng=rng()), {"x": "data", "rng": "rng"},
        shape=same("x"), covers=mg.randn_like),
    Row("mg.broadcast_to", mg.broadcast_to, lambda: dict(x=data((1, 6)), shape=(4, 6)),
        {"x": "data", "shape": "shape"}, covers=mg.broadcast_to),
    Row("mg.concatenate", mg.concatenate, lambda: dict(tensors=[mg.tensor(data((2, 3))), mg.tensor(data((4, 3)))],
        axis=0), {"tensors": "tensors", "axis": "axis"}, covers=mg.concatenate),
    Row("mg.cat", mg.cat, lambda: dict(tensors=[mg.tensor(data((2, 3))), mg.tensor(data((4, 3)))], dim=0),
        {"tensors": "tensors", "dim": "axis"}, covers=mg.cat),
    Row("mg.stack", mg.stack, lambda: dict(tensors=[mg.tensor(data((2, 3))), mg.tensor(data((2, 3), seed=1))],
        axis=0), {"tensors": "tensors", "axis": "axis"}, shape=lambda a: (2, 2, 3), covers=mg.stack),
    Row("mg.chunk", mg.chunk, lambda: dict(input=mg.tensor(data()), chunks=3, dim=0),
        {"input": "data", "chunks": "size", "dim": "axis"}, covers=mg.chunk),
    Row("mg.split", mg.split, lambda: dict(input=mg.tensor(data()), split_size_or_sections=3, dim=0),
        {"input": "data", "split_size_or_sections": "size", "dim": "axis"}, covers=mg.split),
    # (data in [1, 5) for all of them, so the int-dtype spoiling keeps log and sqrt inside their domain)
    *[Row(f"mg.{name}", getattr(mg, name), lambda: dict(input=data(low=1, high=5)),
          {"input": "positive_data" if name in ("log", "sqrt") else "data"}, shape=same("input"),
          covers=getattr(mg, name))
      for name in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu")],
    *[Row(f"mg.{name}", getattr(mg, name), lambda: dict(input=data(), dim=1), {"input": "data", "dim": "axis"},
          says=(name, name.capitalize()), shape=lambda a: shape_of(a["input"])[:1] + shape_of(a["input"])[2:], covers=getattr(mg, name)) for name in ("sum", "mean")],
    Row("mg.pow", mg.pow, lambda: dict(input=data(), exponent=2.0), {"input": "data", "exponent": "real"},
        shape=same("input"), covers=mg.pow),
    Row("mg.where", mg.where, lambda: dict(condition=data() > 0.5, x=data(seed=1), y=data(seed=2)),
        {"condition": "data", "x": "data", "y": "data"},
        shape=lambda a: np.broadcast_shapes(*(shape_of(a[k]) for k in ("condition", "x", "y"))), covers=mg.where),
    Row("mg.unbroadcast", mg.unbroadcast, lambda: dict(grad=data(), shape=(1, 6)), {"grad": "data", "shape": "shape"},
        covers=mg.unbroadcast),
    Row("mg.grad", mg.grad, graph, {"outputs": "graph", "inputs": "graph", "grad_outputs": "data"},
        raises=(RuntimeError,), covers=mg.grad),
    Row("mg.gradcheck", mg.gradcheck, lambda: dict(fn=lambda a: (a * a).sum(), inputs=[data((2, 3)).astype(float)]),
        {"fn": "callable", "inputs": "tensors", "eps": "positive", "atol": "nonneg", "rtol": "nonneg",
         "mode": "choice"}, covers=mg.gradcheck),
    Row("mg.numerical_grad", mg.numerical_grad, lambda: dict(fn=lambda a: (a * a).sum(),
        inputs=[data((2, 3)).astype(float)]), {"fn": "callable", "inputs": "tensors", "eps": "positive"},
        covers=mg.numerical_grad),
    Row("mg.relative_error", mg.relative_error, lambda: dict(a=data(), b=data(seed=1)), {"a": "data", "b": "data"},
        shape=scalar, covers=mg.relative_error),

    Row("mg.jacobian", mg.jacobian, lambda: dict(f=lambda x: (x * x).sum(axis=-1), inputs=[data((3, 2)).astype(float)]),
        {"f": "callable", "inputs": "tensors"}, covers=mg.jacobian),
    Row("mg.hessian", mg.hessian, lambda: dict(f=lambda x: (x * x * x).sum(), x=data((4,)).astype(float)),
        {"f": "callable", "x": "data"}, covers=mg.hessian),
    Row("mg.hvp", mg.hvp, lambda: dict(f=lambda x: (x * x * x).sum(), inputs=[data((4,)).astype(float)],
                                       v=[data((4,), seed=1).astype(float)]),
        {"f": "callable", "inputs": "tensors", "v": "tensors"}, covers=mg.hvp),

    # ----------------------------------------------------------------- mg: training and checkpoints
    Row("mg.fit", mg.fit, fit_arguments, {
        "model": "module", "loss_fn": "loss_fn", "X": "unit", "epochs": "size", "batch_size": "size",
        "optimizer": "optimizer", "val": "val", "rng": "rng", "on_epoch": "callable", "step": "callable",
        "schedule": "callable", "early_stopping": "callable"}, covers=mg.fit),
    Row("mg.evaluate", mg.evaluate, lambda: dict(model=autoencoder(), X=data(), batch_size=3, loss_fn=None),
        {"model": "module", "loss_fn": "loss_fn", "X": "unit", "batch_size": "size"}, covers=mg.evaluate),
    Row("mg.save", mg.save, lambda: dict(path=_tmp_dir() / "model.npz", module_or_state=autoencoder(),
        meta={"epochs": 3}), {"path": "write_path", "module_or_state": "state", "meta": "meta"},
        raises=(FileNotFoundError,), covers=mg.save),
    Row("mg.load", mg.load, lambda: dict(path=mg.save(_tmp_dir() / "good.npz", {"w": data()})),
        {"path": "read_path"}, raises=(FileNotFoundError,), covers=mg.load),

    # ----------------------------------------------------------------- mg: t-SNE
    Row("mg.tsne", mg.tsne, lambda: dict(X=data((12, 4)), n_components=2, perplexity=3.0, n_iter=20, rng=rng(),
        init="random", learning_rate=50.0, early_exaggeration=4.0, exaggeration_iter=10),
        {"X": "data", "n_components": "size", "perplexity": "positive", "n_iter": "size", "rng": "rng",
         "init": "choice", "learning_rate": "positive", "early_exaggeration": "positive", "exaggeration_iter": "count",
         "callback": "callable"}, covers=mg.tsne),
    Row("mg.trustworthiness", mg.trustworthiness, lambda: dict(X=data((12, 4)), embedding=data((12, 2), seed=1),
        n_neighbors=3), {"X": "data", "embedding": "data", "n_neighbors": "size"}, shape=scalar,
        covers=mg.trustworthiness),
]


# ----------------------------------------------------------------- mg.nn.functional
def loss_row(name, function, first="input", second="target", kind="unit", second_kind="unit", **extra):
    return Row(f"F.{name}", function, lambda: {first: data(), second: data(seed=1), "reduction": "mean"},
               {first: kind, second: second_kind, "reduction": "choice"}, shape=scalar, covers=function, **extra)


def activation_row(name, function, **slots):
    good = dict(x=data(low=-2, high=2), **{name: 0.1 for name in slots})
    return Row(f"F.{name}", function, lambda: dict(good), {"x": "data", **slots}, shape=same("x"), covers=function)


ROWS += [
    loss_row("mse_loss", F.mse_loss, kind="data", second_kind="data"),
    loss_row("l1_loss", F.l1_loss, kind="data", second_kind="data"),
    loss_row("binary_cross_entropy", F.binary_cross_entropy),
    loss_row("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, first="logits", kind="data"),
    loss_row("gaussian_kl", F.gaussian_kl, first="mu", second="logvar", kind="data", second_kind="data"),
    Row("F.cross_entropy", F.cross_entropy, lambda: dict(logits=data((8, 3)), labels=labels()),
        {"logits": "data", "labels": "labels", "reduction": "choice"}, shape=scalar, covers=F.cross_entropy),
    Row("F.l1_penalty", F.l1_penalty, lambda: dict(h=data()), {"h": "data", "reduction": "choice"}, shape=scalar,
        covers=F.l1_penalty),
    Row("F.kl_sparsity", F.kl_sparsity, lambda: dict(rho_hat=data((6,)), rho=0.05), {"rho_hat": "unit", "rho": "prob"},
        shape=scalar, covers=F.kl_sparsity),
    Row("F.contractive_penalty", F.contractive_penalty, lambda: dict(h=data((8, 4)), weight=param((4, 6))),
        {"h": "unit", "weight": "data", "reduction": "choice"}, shape=scalar, covers=F.contractive_penalty),
    activation_row("relu", F.relu),
    activation_row("sigmoid", F.sigmoid),
    activation_row("tanh", F.tanh),
    activation_row("leaky_relu", F.leaky_relu, negative_slope="real"),
    Row("F.softmax", F.softmax, lambda: dict(x=data(), axis=-1), {"x": "data", "axis": "axis"}, shape=same("x"),
        covers=F.softmax),
    Row("F.log_softmax", F.log_softmax, lambda: dict(x=data(), axis=-1), {"x": "data", "axis": "axis"},
        shape=same("x"), covers=F.log_softmax),
    Row("F.linear", F.linear, lambda: dict(x=data(), weight=param((3, 6)), bias=param((3,))),
        {"x": "data", "weight": "data", "bias": "data"}, shape=lambda a: shape_of(a["x"])[:-1] + (3,), covers=F.linear),
    Row("F.dropout", F.dropout, lambda: dict(x=data(), p=0.5, rng=rng()), {"x": "data", "p": "prob", "rng": "rng"},
        shape=same("x"), covers=F.dropout),
    Row("F.batch_norm", F.batch_norm, lambda: dict(x=data(), running_mean=np.zeros(6, np.float32),
        running_var=np.ones(6, np.float32), weight=param((6,)), bias=param((6,), seed=1), training=True),
        {"x": "data", "running_mean": "buffer", "running_var": "buffer", "weight": "data", "bias": "data",
         "momentum": "prob", "eps": "positive"}, shape=same("x"), mutates=("running_mean", "running_var"),
        covers=F.batch_norm),
    Row("F.reparameterize", F.reparameterize, lambda: dict(mu=data((4, 2)), logvar=data((4, 2), seed=1),
        eps=data((4, 2), seed=2)), {"mu": "data", "logvar": "data", "eps": "data", "rng": "rng"},
        covers=F.reparameterize),
    Row("F.vector_quantize", F.vector_quantize, lambda: dict(z_e=data((8, 2)), codebook=param((5, 2)), beta=0.25),
        {"z_e": "data", "codebook": "data", "beta": "nonneg"}, covers=F.vector_quantize),
    Row("F.conv2d", F.conv2d, lambda: dict(x=data((2, 1, 5, 5)), weight=param((3, 1, 3, 3)), bias=param((3,))),
        {"x": "data", "weight": "data", "bias": "data", "stride": "size", "padding": "count"}, covers=F.conv2d),
    Row("F.conv_transpose2d", F.conv_transpose2d, lambda: dict(x=data((2, 3, 3, 3)), weight=param((3, 1, 3, 3)),
        bias=param((1,)), stride=2), {"x": "data", "weight": "data", "bias": "data", "stride": "size",
                                      "padding": "count", "output_padding": "count"}, covers=F.conv_transpose2d),
]


# ----------------------------------------------------------------- reconstruction losses with mask= (missing values)
def masked_loss_rows(name, function, loss_class, first="input", kind="unit", target_kind="unit"):
    """The functional loss and its module, each given a mask of the observed entries (True/1 = observed)."""
    def good():
        return {"target": data(seed=1), "mask": data(seed=2) > 0.3}
    return [Row(f"F.{name}(mask=)", function, lambda: {first: data(), **good(), "reduction": "mean"},
                {first: kind, "target": target_kind, "mask": "data", "reduction": "choice"}, shape=scalar),
            Row(f"{loss_class.__name__}()(input, target, mask=)",
                lambda input, target, mask: loss_class()(input, target, mask=mask), lambda: {"input": data(), **good()},
                {"input": kind, "target": target_kind, "mask": "data"}, says=(loss_class.__name__, name),
                shape=scalar)]


ROWS += [
    *masked_loss_rows("mse_loss", F.mse_loss, nn.MSELoss, kind="data", target_kind="data"),
    *masked_loss_rows("l1_loss", F.l1_loss, nn.L1Loss, kind="data", target_kind="data"),
    *masked_loss_rows("binary_cross_entropy", F.binary_cross_entropy, nn.BCELoss),
    *masked_loss_rows("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, nn.BCEWithLogitsLoss,
                      first="logits", kind="data"),
]


# ----------------------------------------------------------------- mg.nn: layers, built and then called
def layer_rows(name, layer_class, arguments, slots, x=data, says=(), out_shape=None):
    """The constructor's row, and the row of a call of the built layer on x (where data enters)."""
    return [Row(f"nn.{name}", layer_class, lambda: dict(arguments), slots, says=says, covers=layer_class),
            Row(f"{name}(x)", lambda layer, x: layer(x), lambda: dict(layer=layer_class(**arguments), x=x()),
                {"x": "data"}, says=says or (name,), shape=out_shape)]


def loss_module_rows(name, loss_class, function, target="unit", logits=data):
    return [Row(f"nn.{name}", loss_class, lambda: dict(reduction="mean"), {"reduction": "choice"}, covers=loss_class),
            Row(f"{name}()(input, target)", lambda loss, input, target: loss(input, target),
                lambda: dict(loss=loss_class(), input=logits(), target=labels() if target == "labels" else data()),
                {"input": "unit", "target": target}, says=(name, function.__name__), shape=scalar)]


ROWS += [
    *layer_rows("Linear", nn.Linear, dict(in_features=6, out_features=3, rng=rng()),
                {"in_features": "size", "out_features": "size", "rng": "rng", "dtype": "dtype"},
                says=("Linear", "linear"), out_shape=lambda a: shape_of(a["x"])[:-1] + (3,)),
    *layer_rows("BatchNorm1d", nn.BatchNorm1d, dict(num_features=6),
                {"num_features": "size", "eps": "positive", "momentum": "prob", "dtype": "dtype"},
                says=("BatchNorm1d", "batch_norm"), out_shape=same("x")),
    *layer_rows("Conv2d", nn.Conv2d, dict(in_channels=1, out_channels=2, kernel_size=3, rng=rng()),
                {"in_channels": "size", "out_channels": "size", "kernel_size": "size", "stride": "size",
                 "padding": "count", "rng": "rng", "dtype": "dtype"}, lambda: data((2, 1, 5, 5)),
                says=("Conv2d", "conv2d")),
    *layer_rows("ConvTranspose2d", nn.ConvTranspose2d,
                dict(in_channels=2, out_channels=1, kernel_size=3, stride=2, rng=rng()),
                {"in_channels": "size", "out_channels": "size", "kernel_size": "size", "stride": "size",
                 "padding": "count", "output_padding": "count", "rng": "rng", "dtype": "dtype"},
                lambda: data((2, 2, 3, 3)), says=("ConvTranspose2d", "conv_transpose2d")),
    *layer_rows("Dropout", nn.Dropout, dict(p=0.5, rng=rng()), {"p": "prob", "rng": "rng"},
                says=("Dropout", "dropout"), out_shape=same("x")),
    *layer_rows("LeakyReLU", nn.LeakyReLU, dict(negative_slope=0.1), {"negative_slope": "real"},
                says=("LeakyReLU", "leaky_relu"), out_shape=same("x")),
    *layer_rows("ReLU", nn.ReLU, {}, {}, says=("ReLU", "relu"), out_shape=same("x")),
    *layer_rows("Sigmoid", nn.Sigmoid, {}, {}, says=("Sigmoid", "sigmoid"), out_shape=same("x")),
    *layer_rows("Tanh", nn.Tanh, {}, {}, says=("Tanh", "tanh"), out_shape=same("x")),
    *layer_rows("Softmax", nn.Softmax, dict(dim=1), {"dim": "axis"}, says=("Softmax", "softmax"), out_shape=same("x")),
    *layer_rows("Flatten", nn.Flatten, dict(start_dim=1), {"start_dim": "axis", "end_dim": "axis"},
                lambda: data((2, 3, 4))),
    *layer_rows("Unflatten", nn.Unflatten, dict(dim=1, unflattened_size=(2, 3)),
                {"dim": "axis", "unflattened_size": "shape"}),
    Row("nn.Residual", nn.Residual, lambda: dict(fn=nn.Linear(6, 6, rng=rng())), {"fn": "module"},
        says=("Residual",), covers=nn.Residual),
    Row("nn.Identity", nn.Identity, covers=nn.Identity),   # Identity()(x) is x, whatever x is, as in PyTorch
    Row("nn.Module", nn.Module, covers=nn.Module),
    Row("nn.Sequential", starred(nn.Sequential, "first", "second"), lambda: dict(first=nn.Linear(6, 3, rng=rng()),
        second=nn.ReLU()), {"first": "module", "second": "module"}, covers=nn.Sequential),
    Row("nn.Parameter", nn.Parameter, lambda: dict(data=data()), {"data": "data", "dtype": "dtype"},
        shape=same("data"), says=("Parameter", "tensor"), covers=nn.Parameter),
    Row("nn.activation", nn.activation, lambda: dict(name="leaky_relu", negative_slope=0.1),
        {"name": "choice", "negative_slope": "real"}, covers=nn.activation),
    *loss_module_rows("MSELoss", nn.MSELoss, F.mse_loss),
    *loss_module_rows("L1Loss", nn.L1Loss, F.l1_loss),
    *loss_module_rows("BCELoss", nn.BCELoss, F.binary_cross_entropy),
    *loss_module_rows("BCEWithLogitsLoss", nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits),
    *loss_module_rows("CrossEntropyLoss", nn.CrossEntropyLoss, F.cross_entropy, "labels", lambda: data((8, 3))),
]



# ----------------------------------------------------------------- losses beyond pixels (nn/beyond_pixels.py)
def code_pair():
    return dict(z1=data((8, 2)), z2=data((8, 2), seed=1), similar=labels(classes=2))


def critic_verdict():
    return dict(input=data(), target=data(seed=1), fake_logits=data((8, 1), -3, 3, seed=2))


def frozen_features():
    return nn.Linear(6, 3, rng=rng()).freeze()


ROWS += [
    Row("F.contrastive_loss", F.contrastive_loss, lambda: dict(code_pair(), margin=1.0),
        {"z1": "data", "z2": "data", "similar": "labels", "margin": "positive", "reduction": "choice"}, shape=scalar,
        covers=F.contrastive_loss),
    Row("F.adversarial_reconstruction_loss", F.adversarial_reconstruction_loss,
        lambda: dict(critic_verdict(), weight=0.1, form="saturating"),
        {"input": "data", "target": "data", "fake_logits": "data", "weight": "nonneg", "form": "choice",
         "reduction": "choice"}, shape=scalar, covers=F.adversarial_reconstruction_loss),
    # Φ (here a Linear) refuses an input it cannot take itself, naming itself
    Row("F.perceptual_loss", F.perceptual_loss, lambda: dict(input=data(), target=data(seed=1),
        features=frozen_features(), weight=1.0), {"input": "data", "target": "data", "features": "module",
                                                  "weight": "nonneg", "reduction": "choice"},
        says=("perceptual_loss", "linear"), shape=scalar, covers=F.perceptual_loss),
    Row("nn.ContrastiveLoss", nn.ContrastiveLoss, lambda: dict(margin=1.0), {"margin": "positive",
        "reduction": "choice"}, covers=nn.ContrastiveLoss),
    Row("ContrastiveLoss()(z1, z2, similar)", lambda loss, z1, z2, similar: loss(z1, z2, similar),
        lambda: dict(code_pair(), loss=nn.ContrastiveLoss()), {"z1": "data", "z2": "data", "similar": "labels"},
        says=("ContrastiveLoss", "contrastive_loss"), shape=scalar),
    Row("nn.AdversarialReconstructionLoss", nn.AdversarialReconstructionLoss, lambda: dict(weight=0.1),
        {"weight": "nonneg", "form": "choice", "reduction": "choice"}, covers=nn.AdversarialReconstructionLoss),
    Row("AdversarialReconstructionLoss()(input, target, fake_logits)",
        lambda loss, input, target, fake_logits: loss(input, target, fake_logits),
        lambda: dict(critic_verdict(), loss=nn.AdversarialReconstructionLoss()),
        {"input": "data", "target": "data", "fake_logits": "data"},
        says=("AdversarialReconstructionLoss", "adversarial_reconstruction_loss"), shape=scalar),
    Row("nn.PerceptualLoss", nn.PerceptualLoss, lambda: dict(features=frozen_features()),
        {"features": "module", "weight": "nonneg", "reduction": "choice"}, covers=nn.PerceptualLoss),
    Row("PerceptualLoss()(input, target)", lambda loss, input, target: loss(input, target),
        lambda: dict(loss=nn.PerceptualLoss(frozen_features()), input=data(), target=data(seed=1)),
        {"input": "data", "target": "data"}, says=("PerceptualLoss", "perceptual_loss", "linear"), shape=scalar),
]

# ----------------------------------------------------------------- mg.nn.init: each fills a tensor in place
def init_row(name, function, **slots):
    good = {"a": 0.0, "b": 1.0, "mean": 0.0, "std": 1.0, "val": 0.1, "gain": 1.0, "mode": "fan_in",
            "nonlinearity": "leaky_relu", "rng": None}
    return Row(f"nn.init.{name}", function, lambda: dict(tensor=param((4, 3)), **{k: good[k] for k in slots}),
               {"tensor": "target", **slots}, mutates=("tensor",), covers=function)


ROWS += [
    Row("nn.init.calculate_gain", init.calculate_gain, lambda: dict(nonlinearity="leaky_relu", param=0.1),
        {"nonlinearity": "choice", "param": "real"}, covers=init.calculate_gain),
    init_row("uniform_", init.uniform_, a="real", b="real", rng="rng"),
    init_row("normal_", init.normal_, mean="real", std="nonneg", rng="rng"),
    init_row("constant_", init.constant_, val="real"),
    init_row("zeros_", init.zeros_),
    init_row("ones_", init.ones_),
    init_row("kaiming_normal_", init.kaiming_normal_, a="real", mode="choice", nonlinearity="choice", rng="rng"),
    init_row("kaiming_uniform_", init.kaiming_uniform_, a="real", mode="choice", nonlinearity="choice", rng="rng"),
    init_row("xavier_uniform_", init.xavier_uniform_, gain="real", rng="rng"),
    init_row("xavier_normal_", init.xavier_normal_, gain="real", rng="rng"),
]


# ----------------------------------------------------------------- mg.optim
ROWS += [
    Row("optim.SGD", mg.optim.SGD, lambda: dict(params=[param((3, 2))], lr=0.1, momentum=0.9),
        {"params": "params", "lr": "positive", "momentum": "nonneg", "weight_decay": "nonneg"}, covers=mg.optim.SGD),
    Row("optim.Adam", mg.optim.Adam, lambda: dict(params=[param((3, 2))], lr=1e-3),
        {"params": "params", "lr": "positive", "betas": "betas", "eps": "positive", "weight_decay": "nonneg"},
        covers=mg.optim.Adam),
    Row("optim.RMSprop", mg.optim.RMSprop, lambda: dict(params=[param((3, 2))], lr=1e-2),
        {"params": "params", "lr": "positive", "alpha": "prob", "eps": "positive", "momentum": "nonneg",
         "weight_decay": "nonneg"}, covers=mg.optim.RMSprop),
    Row("optim.StepLR", mg.optim.StepLR, lambda: dict(optimizer=sgd(), step_size=2, gamma=0.5),
        {"optimizer": "optimizer", "step_size": "size", "gamma": "positive"}, covers=mg.optim.StepLR),
    Row("optim.ExponentialLR", mg.optim.ExponentialLR, lambda: dict(optimizer=sgd(), gamma=0.9),
        {"optimizer": "optimizer", "gamma": "positive"}, covers=mg.optim.ExponentialLR),
    Row("optim.CyclicLR", mg.optim.CyclicLR, lambda: dict(optimizer=sgd(), base_lr=0.01, max_lr=0.1, step_size_up=4),
        {"optimizer": "optimizer", "base_lr": "positive", "max_lr": "positive", "step_size_up": "size",
         "step_size_down": "size", "mode": "choice", "gamma": "prob", "base_momentum": "prob",
         "max_momentum": "prob"}, covers=mg.optim.CyclicLR),
    Row("optim.ReduceLROnPlateau", mg.optim.ReduceLROnPlateau, lambda: dict(optimizer=sgd()),
        {"optimizer": "optimizer", "mode": "choice", "factor": "prob", "patience": "count", "threshold": "nonneg",
         "threshold_mode": "choice", "cooldown": "count", "min_lr": "nonneg", "eps": "nonneg"},
        covers=mg.optim.ReduceLROnPlateau),
    Row("ReduceLROnPlateau.step", lambda scheduler, metrics: scheduler.step(metrics),
        lambda: dict(scheduler=mg.optim.ReduceLROnPlateau(sgd()), metrics=0.5), {"metrics": "real"}),
    Row("optim.EarlyStopping", mg.optim.EarlyStopping, lambda: dict(patience=3, min_delta=0.01),
        {"patience": "count", "min_delta": "nonneg"}, covers=mg.optim.EarlyStopping),
    Row("EarlyStopping.step", lambda stopper, val_loss: stopper.step(val_loss),
        lambda: dict(stopper=mg.optim.EarlyStopping(3), val_loss=0.5), {"val_loss": "real"}),
]


# ----------------------------------------------------------------- mg.data
ROWS += [
    Row("data.load_digits", mg.data.load_digits, covers=mg.data.load_digits),
    Row("data.load_mnist_sample", mg.data.load_mnist_sample, covers=mg.data.load_mnist_sample),
    Row("data.load_mnist", mg.data.load_mnist, lambda: dict(split="test", root=mnist_folder()),
        {"split": "choice", "root": "read_path"}, raises=(FileNotFoundError,), covers=mg.data.load_mnist),
    Row("data.read_idx", mg.data.read_idx, lambda: dict(path=idx_file()), {"path": "read_path"},
        raises=(FileNotFoundError,), covers=mg.data.read_idx),
    Row("data.batches", lambda **a: list(mg.data.batches(**a)), lambda: dict(X=data(), y=labels(), batch_size=3,
        rng=rng()), {"X": "data", "y": "labels", "batch_size": "size", "rng": "rng"}, says=("batches",),
        covers=mg.data.batches),
    Row("data.train_test_split", mg.data.train_test_split, lambda: dict(X=data(), y=labels(), test_fraction=0.25,
        rng=rng()), {"X": "data", "y": "labels", "test_fraction": "prob", "rng": "rng"},
        covers=mg.data.train_test_split),
    Row("data.TensorDataset", starred(mg.data.TensorDataset, "X", "y"), lambda: dict(X=data(), y=labels()),
        {"X": "data", "y": "labels"}, covers=mg.data.TensorDataset),
    Row("data.DataLoader", lambda **a: list(mg.data.DataLoader(**a)), lambda: dict(dataset_or_arrays=data(),
        batch_size=3, shuffle=True, rng=rng()), {"dataset_or_arrays": "data", "batch_size": "size", "rng": "rng"},
        says=("DataLoader",), covers=mg.data.DataLoader),
    Row("data.gaussian_noise", mg.data.gaussian_noise, lambda: dict(x=data(), sigma=0.1, rng=rng(), clip=(0.0, 1.0)),
        {"x": "unit", "sigma": "nonneg", "rng": "rng", "clip": "data"}, shape=same("x"), covers=mg.data.gaussian_noise),
    Row("data.masking_noise", mg.data.masking_noise, lambda: dict(x=data(), fraction=0.3, rng=rng()),
        {"x": "unit", "fraction": "prob", "rng": "rng"}, shape=same("x"), covers=mg.data.masking_noise),
    Row("data.salt_and_pepper", mg.data.salt_and_pepper, lambda: dict(x=data(), fraction=0.3, rng=rng()),
        {"x": "unit", "fraction": "prob", "rng": "rng"}, shape=same("x"), covers=mg.data.salt_and_pepper),
]


# ----------------------------------------------------------------- mg.models: built, called, scored
M = mg.models
MODELS = {   # name -> (class, good constructor arguments, the arguments to spoil besides rng, dtype and recon)
    "Autoencoder": (M.Autoencoder, dict(sizes=[6, 4, 2], decoder_sizes=[2, 4, 6]), dict(
        sizes="sizes", activation="choice", negative_slope="real", decoder_sizes="sizes")),
    "LinearAutoencoder": (M.LinearAutoencoder, dict(n_in=6, n_latent=2), dict(n_in="size", n_latent="size")),
    "SparseAutoencoder": (M.SparseAutoencoder, dict(n_in=6, n_latent=3), dict(
        n_in="size", n_latent="size", rho="prob", beta="nonneg", penalty="choice", l1_weight="nonneg",
        weight_decay="nonneg")),
    "ContractiveAutoencoder": (M.ContractiveAutoencoder, dict(n_in=6, n_latent=3), dict(
        n_in="size", n_latent="size", lam="nonneg")),
    "DenoisingAutoencoder": (M.DenoisingAutoencoder, dict(sizes=[6, 3]), dict(
        sizes="sizes", noise="choice", noise_level="prob", activation="choice")),
    "VAE": (M.VAE, dict(n_in=6, hidden=4, n_latent=2), dict(n_in="size", hidden="hidden", n_latent="size",
                                                           beta="nonneg")),
    "StackedAutoencoder": (M.StackedAutoencoder, dict(sizes=[6, 4, 3], n_classes=3), dict(
        sizes="sizes", n_classes="size", activation="choice", negative_slope="real")),
    "AsymmetricAutoencoder": (M.AsymmetricAutoencoder, dict(encoder_sizes=[6, 4, 2], decoder_sizes=[2, 6],
                                                            n_classes=3, alpha=0.5), dict(
        encoder_sizes="sizes", decoder_sizes="sizes", n_classes="size", alpha="nonneg", beta="nonneg")),
    "AdversarialAutoencoder": (M.AdversarialAutoencoder, dict(n_in=6, hidden=4, n_latent=2, disc_hidden=4), dict(
        n_in="size", hidden="hidden", n_latent="size", disc_hidden="hidden", prior="callable",
        disc_negative_slope="real", disc_output="choice")),
    "ResidualAutoencoder": (M.ResidualAutoencoder, dict(sizes=[6, 4, 4, 2], decoder_sizes=[2, 4, 4, 6]), dict(
        sizes="sizes", activation="choice", negative_slope="real", decoder_sizes="sizes")),
    "SkipAutoencoder": (M.SkipAutoencoder, dict(sizes=[6, 4, 2]), dict(
        sizes="sizes", activation="choice", negative_slope="real")),
    "VQVAE": (M.VQVAE, dict(n_in=6, hidden=4, n_latent=2, n_codes=5), dict(
        n_in="size", hidden="hidden", n_latent="size", n_codes="size", beta="nonneg")),
    "HierarchicalVAE": (M.HierarchicalVAE, dict(n_in=6, hidden=4, n_coarse=1, n_fine=2), dict(
        n_in="size", hidden="hidden", n_coarse="size", n_fine="size", beta="nonneg")),
}


def build(name):
    model_class, arguments, _ = MODELS[name]
    return model_class(**arguments, rng=rng())


def model_rows(name):
    """The constructor's row, and the rows of the calls where data enters a model: model(x), loss, scores."""
    model_class, arguments, slots = MODELS[name]
    recon = {"recon": "choice"} if "recon" in inspect.signature(model_class).parameters else {}
    good = {**arguments, "prior": None} if "prior" in slots else arguments
    return [Row(f"models.{name}", model_class, lambda: dict(good, rng=rng(), dtype=np.float32),
                {**slots, "rng": "rng", "dtype": "dtype", **recon}, covers=model_class),
            Row(f"{name}(x)", lambda model, x: model(x), lambda: dict(model=build(name), x=data()), {"x": "unit"},
                says=(name,), shape=lambda a: (len(a["x"]), 6) if np.ndim(a["x"]) == 2 else None),
            Row(f"{name}.loss", lambda model, x: model.loss(x), lambda: dict(model=build(name), x=data()),
                {"x": "unit"}, says=(name,), shape=scalar),
            Row(f"{name}.reconstruction_error", lambda model, X: model.reconstruction_error(X),
                lambda: dict(model=build(name), X=data()), {"X": "unit"}, says=(name,))]


ROWS += [row for name in MODELS for row in model_rows(name)]
ROWS += [
    Row("models.AutoencoderBase", M.AutoencoderBase, lambda: dict(n_in=6, n_latent=2, recon="mse"),
        {"n_in": "size", "n_latent": "size", "recon": "choice"}, covers=M.AutoencoderBase),
    Row("StackedAutoencoder.classification_loss", lambda model, x, y: model.classification_loss(x, y),
        lambda: dict(model=build("StackedAutoencoder"), x=data(), y=labels()), {"x": "unit", "y": "labels"},
        says=("StackedAutoencoder", "cross_entropy"), shape=scalar),
    Row("AsymmetricAutoencoder.loss(x, y=)", lambda model, x, y: model.loss(x, y=y),
        lambda: dict(model=build("AsymmetricAutoencoder"), x=data(), y=labels()), {"x": "unit", "y": "labels"},
        says=("AsymmetricAutoencoder", "cross_entropy"), shape=scalar),
    Row("VAE.sample", lambda model, n, rng: model.sample(n, rng), lambda: dict(model=build("VAE"), n=3, rng=rng()),
        {"n": "size", "rng": "rng"}, says=("VAE.sample",), shape=lambda a: (a["n"], 6)),
    Row("VAE.interpolate", lambda model, z0, z1, steps: model.interpolate(z0, z1, steps),
        lambda: dict(model=build("VAE"), z0=data((2,)), z1=data((2,), seed=1), steps=4),
        {"z0": "data", "z1": "data", "steps": "size"}, says=("VAE.interpolate",), shape=lambda a: (a["steps"], 6)),
    Row("VAE.elbo", lambda model, X, n_samples: model.elbo(X, n_samples),
        lambda: dict(model=build("VAE"), X=data(), n_samples=2), {"X": "unit", "n_samples": "size"},
        says=("VAE",), shape=lambda a: (len(a["X"]),)),
    Row("models.mlp", M.mlp, lambda: dict(sizes=[6, 4, 2], activation="relu", negative_slope=0.1, rng=rng(),
        dtype=np.float32), {"sizes": "sizes", "activation": "choice", "negative_slope": "real", "rng": "rng",
                            "dtype": "dtype"}, covers=M.mlp),
    Row("models.shrink_sizes", M.shrink_sizes, lambda: dict(n_in=64, n_latent=8, alpha=1.6),
        {"n_in": "size", "n_latent": "size", "alpha": "positive"}, covers=M.shrink_sizes),
    Row("models.pca", M.pca, lambda: dict(X=data(), k=2), {"X": "data", "k": "size"}, covers=M.pca),
    Row("PCAResult.transform", lambda result, X: result.transform(X), lambda: dict(result=M.pca(data(), 2), X=data()),
        {"X": "data"}, says=("PCAResult.transform",), shape=lambda a: np.shape(a["X"])[:-1] + (2,)),
    Row("models.subspace_alignment", M.subspace_alignment, lambda: dict(W=data((6, 2)), components=data((2, 6))),
        {"W": "data", "components": "data"}, shape=lambda a: (2,), covers=M.subspace_alignment),
    Row("models.kl_grads", M.kl_grads, lambda: dict(mu=data((4, 2)), logvar=data((4, 2), seed=1)),
        {"mu": "data", "logvar": "data"}, covers=M.kl_grads),
    Row("models.reparam_grads", M.reparam_grads, lambda: dict(g_z=data((4, 2)), logvar=data((4, 2), seed=1),
        eps=data((4, 2), seed=2)), {"g_z": "data", "logvar": "data", "eps": "data"}, covers=M.reparam_grads),
    Row("models.gaussian_prior", M.gaussian_prior, lambda: dict(n_latent=2, std=1.0),
        {"n_latent": "size", "std": "positive"}, covers=M.gaussian_prior),
    Row("models.mixture_of_gaussians_prior", M.mixture_of_gaussians_prior,
        lambda: dict(n_components=4, radius=2.0, std=0.5), {"n_components": "size", "radius": "nonneg",
                                                           "std": "positive"}, covers=M.mixture_of_gaussians_prior),
    Row("gaussian_prior(2)(n, rng)", lambda prior, n, rng: prior(n, rng),
        lambda: dict(prior=M.gaussian_prior(2), n=3, rng=rng()), {"n": "size", "rng": "rng"},
        says=("gaussian_prior",), shape=lambda a: (a["n"], 2)),
    Row("models.anomaly_scores", M.anomaly_scores, lambda: dict(model=autoencoder(), X=data()),
        {"model": "module", "X": "unit"}, shape=lambda a: (len(a["X"]),), covers=M.anomaly_scores),
    Row("models.threshold_from_scores", M.threshold_from_scores, lambda: dict(scores=data((8,)), quantile=0.9),
        {"scores": "data", "quantile": "prob"}, shape=scalar, covers=M.threshold_from_scores),
    # (fpr, tpr) only: the thresholds start at +inf, by definition
    Row("models.roc_curve", lambda scores, is_anomaly: M.roc_curve(scores, is_anomaly)[:2],
        lambda: dict(scores=data((8,)), is_anomaly=np.arange(8) % 2 == 0), {"scores": "data", "is_anomaly": "data"},
        says=("roc_curve",), covers=M.roc_curve),
    Row("models.auc", M.auc, lambda: dict(fpr=np.array([0, 0.5, 1.0]), tpr=np.array([0, 0.8, 1.0])),
        {"fpr": "data", "tpr": "data"}, shape=scalar, covers=M.auc),
    Row("models.gaussian_kl_between", M.gaussian_kl_between, lambda: dict(
        mu=data((4, 2)), logvar=data((4, 2), seed=1), prior_mu=data((4, 2), seed=2), prior_logvar=data((4, 2), seed=3),
        reduction="mean"), {"mu": "data", "logvar": "data", "prior_mu": "data", "prior_logvar": "data",
                            "reduction": "choice"}, shape=scalar, covers=M.gaussian_kl_between),
    Row("models.rate_distortion", M.rate_distortion, lambda: dict(model=build("VAE"), X=data(), draws=2),
        {"model": "module", "X": "unit", "draws": "size"}, says=("rate_distortion", "VAE"), covers=M.rate_distortion),
    Row("models.mutual_information", M.mutual_information, lambda: dict(
        mu=data((5, 2)), logvar=data((5, 2), seed=1), draws=2, rng=rng()),
        {"mu": "data", "logvar": "data", "draws": "size", "rng": "rng"}, shape=scalar, covers=M.mutual_information),
    Row("HierarchicalVAE.level_terms", lambda model, x, eps: model.level_terms(x, eps),
        lambda: dict(model=build("HierarchicalVAE"), x=data(), eps=data((8, 3), seed=1)), {"x": "unit", "eps": "data"},
        says=("HierarchicalVAE",)),
    Row("HierarchicalVAE.sample_fine", lambda model, z_coarse, rng: model.sample_fine(z_coarse, rng),
        lambda: dict(model=build("HierarchicalVAE"), z_coarse=data((4, 1)), rng=rng()),
        {"z_coarse": "data", "rng": "rng"}, says=("HierarchicalVAE",), shape=lambda a: (len(a["z_coarse"]), 2)),
    Row("HierarchicalVAE.decode_levels", lambda model, z_coarse, z_fine: model.decode_levels(z_coarse, z_fine),
        lambda: dict(model=build("HierarchicalVAE"), z_coarse=data((4, 1)), z_fine=data((4, 2), seed=1)),
        {"z_coarse": "data", "z_fine": "data"}, says=("HierarchicalVAE",), shape=lambda a: (4, 6)),
    Row("HierarchicalVAE.sample", lambda model, n, rng: model.sample(n, rng),
        lambda: dict(model=build("HierarchicalVAE"), n=3, rng=rng()), {"n": "size", "rng": "rng"},
        says=("HierarchicalVAE",), shape=lambda a: (a["n"], 6)),
]


# ======================================================================= what every call must do

RAISE_ON_FLOATING_POINT_ERRORS = dict(over="raise", invalid="raise", divide="raise")   # underflow to 0 is fine


def outcome(row, arguments, what):
    """Call the row with ``arguments`` and check what happened (the module docstring says what must); returns the
    error the call raised (of a documented type, naming the function), or None when it succeeded."""
    kept = [(owner, array.copy()) for name, value in arguments.items() if name not in row.mutates
            for owner, array in arrays_in(value) if owner is not None]
    # NaN data may give NaN results (as NumPy's do); a NaN setting (lr, p, std ...) must be refused instead
    finite = all(np.isfinite(array).all() for value in arguments.values() for _, array in arrays_in(value)
                 if array.dtype.kind in "fc")
    raised = result = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(**(RAISE_ON_FLOATING_POINT_ERRORS if finite else {"all": "ignore"})):
            try:
                result = row.call(**arguments)
            except (ValueError, TypeError, *row.raises) as err:
                raised = err
    if raised is not None:
        assert names(row, str(raised)), (f"{row.name} with {what}: the {type(raised).__name__} does not name "
                                          f"{' or '.join(row.says)}: {raised}")
    for w in caught:
        assert names(row, str(w.message)), f"{row.name} with {what}: a {w.category.__name__}: {w.message}"
    for owner, before in kept:
        assert unchanged(owner.data if isinstance(owner, mg.Tensor) else owner, before), (
            f"{row.name} with {what}: an input array was modified")
    if raised is None:
        bad = [a for a in arrays_of(result) if a.dtype.kind not in "fiub" or (finite and not np.isfinite(a).all())]
        assert not bad, f"{row.name} with {what}: a non-numeric result, or a non-finite one from finite input: {bad}"
        expected = row.shape(arguments) if row.shape is not None else None
        if expected is not None and isinstance(result, (mg.Tensor, np.ndarray)):
            assert result.shape == tuple(expected), (f"{row.name} with {what}: a result of shape {result.shape}, "
                                                     f"expected {tuple(expected)}")
    return raised


def names(row, message):
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message) for name in row.says)


def unchanged(now, before):
    now = np.asarray(now)
    return (now.shape == before.shape and now.dtype == before.dtype
            and bool(np.array_equal(now, before, equal_nan=before.dtype.kind in "fc")))


def arrays_in(value, depth=0):
    """(owner, array) for every array an argument holds: itself, a Tensor's data, inside lists, tuples, dicts; a
    list of numbers also as (None, its float array), so that its NaN counts as non-finite input."""
    if isinstance(value, mg.Tensor):
        return [(value, value.data)]
    if isinstance(value, np.ndarray):
        return [(value, value)] if value.dtype != object else []
    if isinstance(value, (list, tuple)) and depth < 3:
        found = [pair for item in value for pair in arrays_in(item, depth + 1)]
        try:
            found.append((None, np.asarray(value, dtype=float)))
        except (TypeError, ValueError):
            pass
        return found
    if isinstance(value, dict) and depth < 3:
        return [pair for item in value.values() for pair in arrays_in(item, depth + 1)]
    return []


def arrays_of(result, depth=0):
    """Every array in a result: Tensors, arrays, numbers, inside tuples, lists and dicts; a model's parameters."""
    if isinstance(result, mg.Tensor):
        return [result.data]
    if isinstance(result, (np.ndarray, bool, int, float, np.number)):
        return [np.asarray(result)]
    if isinstance(result, nn.Module):
        return [p.data for p in result.parameters()]
    if isinstance(result, mg.History):
        return [np.asarray(result.train_loss + result.val_loss, dtype=float)]
    if isinstance(result, (list, tuple)) and depth < 3:
        return [a for item in result for a in arrays_of(item, depth + 1)]
    if isinstance(result, dict) and depth < 3:
        return [a for item in result.values() for a in arrays_of(item, depth + 1)]
    return []


# ======================================================================= the tests

FUZZED = [row for row in ROWS if row.slots and not row.skip]


def spoil_one_argument(row, draw):
    name = draw.draw(st.sampled_from(sorted(row.slots)), label="argument")
    bad = draw.draw(st.sampled_from(KINDS[row.slots[name]]), label="bad value")
    arguments = row.valid()
    good = arguments.get(name)   # None for a setting left at its default
    arguments[name] = bad.make(good, np.random.default_rng(draw.draw(st.integers(0, 2**16), label="seed")))
    raised = outcome(row, arguments, f"{name}={bad.label}")
    assert not (bad.must_work and raised), f"{row.name} refused {name}={bad.label}, which must work: {raised}"


@pytest.mark.parametrize("row", FUZZED, ids=repr)
@FUZZ
@given(draw=st.data())
def test_bad_input_is_refused_by_name_or_handled(row, draw):
    spoil_one_argument(row, draw)


@pytest.mark.parametrize("row", [row for row in ROWS if not row.skip], ids=repr)
def test_good_arguments_give_a_good_result(row):
    raised = outcome(row, row.valid(), "good arguments")
    assert raised is None or row.name == "mg.manual_seed", f"{row.name} refused good arguments: {raised}"


ARRAY_KINDS = {"data", "unit", "labels", "tensors", "graph", "buffer", "val", "sizes", "shape"}


def test_rows_are_well_formed():
    """Every spoiled argument is one the callable takes and of a known kind; array-like ones have a good value,
    which their bad values are made from."""
    problems = []
    for row in FUZZED:
        good = row.valid()
        takes = inspect.signature(row.call).parameters
        any_name = any(p.kind == p.VAR_KEYWORD for p in takes.values())
        not_taken = [name for name in {**row.slots, **good} if name not in takes and not any_name]
        kinds = [kind for kind in row.slots.values() if kind not in KINDS]
        no_good = [name for name, kind in row.slots.items() if kind in ARRAY_KINDS and name not in good]
        if not_taken or kinds or no_good:
            problems.append(f"{row.name}: not taken {not_taken}, unknown kinds {kinds}, no good value for {no_good}")
    assert not problems, "\n".join(problems)


PUBLIC_MODULES = {"mg": mg, "mg.nn": nn, "mg.nn.functional": F, "mg.nn.init": init, "mg.optim": mg.optim,
                  "mg.data": mg.data, "mg.models": mg.models}


def public_callables():
    """(dotted name, object) for the public callables of the modules above: their ``__all__`` where they have one,
    else what they define (``mg`` itself: everything it exports from the package)."""
    for label, module in PUBLIC_MODULES.items():
        for name in getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]:
            obj = getattr(module, name)
            origin = getattr(obj, "__module__", None) or ""
            if isinstance(obj, types.ModuleType) or not callable(obj) or not origin.startswith("minigrad_ae"):
                continue
            if module is mg or hasattr(module, "__all__") or origin == module.__name__:
                yield f"{label}.{name}", obj


def test_every_public_callable_has_a_row():
    """New API gets fuzzed: a public callable without a row (or a row saying why it is skipped) fails here."""
    covered = {id(row.covers) for row in ROWS if row.covers is not None}
    missing = sorted(name for name, obj in public_callables() if id(obj) not in covered)
    assert not missing, f"public callables without a row in tests/test_fuzz.py: {missing}"
