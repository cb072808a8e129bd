"""The shared argument checks: each returns the cleaned value or names the function, the argument and the fix."""
import numpy as np
import pytest

from minigrad_ae import validate


def test_generator_passes_a_generator_makes_one_for_none_and_refuses_seeds():
    rng = np.random.default_rng(0)
    assert validate.generator(rng, "f") is rng
    assert isinstance(validate.generator(None, "f"), np.random.Generator)
    for bad in (0, np.random.RandomState(0), "seed"):
        with pytest.raises(TypeError, match=r"f: rng must be a numpy.random.Generator or None.*default_rng"):
            validate.generator(bad, "f")


def test_integer_checks_type_and_bounds_and_refuses_bools():
    assert validate.positive_int(np.int64(3), "n", "f") == 3 and type(validate.integer(3, "n", "f")) is int
    for bad in (True, 2.0, "3", None):
        with pytest.raises(TypeError, match=r"f: n must be an integer, got"):
            validate.integer(bad, "n", "f")
    with pytest.raises(ValueError, match=r"f: n must be an integer >= 1, got 0"):
        validate.positive_int(0, "n", "f")
    with pytest.raises(ValueError, match=r"f: k must be an integer from 0 to 4, got 5"):
        validate.integer(5, "k", "f", low=0, high=4)


def test_number_intervals_open_and_closed():
    assert validate.number(np.float32(0.5), "p", "f", 0, 1) == 0.5
    assert validate.fraction(1, "p", "f") == 1.0
    with pytest.raises(ValueError, match=r"f: p must be a number in \[0, 1\), got 1.0"):
        validate.number(1, "p", "f", 0, 1, high_open=True)
    with pytest.raises(ValueError, match=r"f: lr must be a finite number > 0, got 0.0"):
        validate.number(0, "lr", "f", low=0, low_open=True)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"f: x must be a finite number, got"):
            validate.number(bad, "x", "f")
    for bad in ("1", None, True, np.ones(2), 1j):
        with pytest.raises(TypeError, match=r"f: x must be a real number"):
            validate.number(bad, "x", "f")


def test_choice_lists_the_options():
    assert validate.choice("mean", "reduction", "f", ("mean", "sum")) == "mean"
    assert validate.choice(None, "out", "f", ("sigmoid", None)) is None
    with pytest.raises(ValueError, match=r"f: reduction must be one of 'mean', 'sum'; got 'avg'"):
        validate.choice("avg", "reduction", "f", ("mean", "sum"))


def test_numeric_array_accepts_lists_and_refuses_what_is_not_real():
    np.testing.assert_array_equal(validate.numeric_array([[1, 2], [3, 4]], "x", "f"), [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match=r"f: x must be an array of numbers.*rectangular"):
        validate.numeric_array([[1, 2], [3]], "x", "f")
    for bad in (np.array(["a"]), np.ones(2, complex), np.array([None])):
        with pytest.raises(TypeError, match=r"f: x must be a real-valued array, got dtype"):
            validate.numeric_array(bad, "x", "f")
    with pytest.raises(TypeError, match=r"f: x must be a floating-point array, got dtype uint8.*astype"):
        validate.numeric_array(np.ones(2, np.uint8), "x", "f", float_only=True)
