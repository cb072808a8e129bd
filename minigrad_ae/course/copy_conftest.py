"""The exercises in this copy's test suite (make-student writes this file as the copy's conftest.py).

``python -m pytest -m <exercise id>`` runs one exercise's tests (setup.cfg registers one mark per exercise).
While an exercise is not solved yet — each of its blocks still holds its stub — its tests are skipped with
'not solved yet', and so is any other test that fails after one of the slow stand-ins ran in it: that test
depends on an exercise not solved yet, not on your code.
"""
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    from minigrad_ae.stand_ins.blocks import unsolved   # here, not at the top: tests/conftest.py configures first
    waiting = unsolved(ROOT)
    for item in items:
        names = sorted(mark.name for mark in item.iter_markers() if mark.name in waiting)
        if names:
            item.add_marker(pytest.mark.skip(reason=f"not solved yet: {', '.join(names)}"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    from minigrad_ae import stand_ins
    item.stand_in_calls_before = stand_ins.calls()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if not report.failed or call.when == "teardown":
        return
    from minigrad_ae import stand_ins
    before = getattr(item, "stand_in_calls_before", {})
    used = sorted(name for name, count in stand_ins.calls().items() if count > before.get(name, 0))
    if used:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0,
                           f"not solved yet: the test ran the stand-in of {', '.join(used)}")
