"""The exercises in this copy's test suite (make-student writes this file as the copy's conftest.py).

``python -m pytest -m <exercise id>`` runs one exercise's tests (setup.cfg registers one mark per exercise); the
run of a lesson (tests/test_lessons.py) carries the marks of the exercises written in that lesson.
While an exercise is not solved yet — each of its blocks still holds its stub — its tests are skipped with
'not solved yet'. A test of no exercise of this copy that fails after a slow stand-in ran in it is skipped
too: it depends on an exercise not solved yet, not on your code. An exercise's own test is not excused that
way, unless a stand-in refused outright (it cannot build a graph of gradients): its failures are yours.
"""
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)   # before -m deselects: the lesson marks must be on by then
def pytest_collection_modifyitems(config, items):
    from minigrad_ae.stand_ins.blocks import manifest, unsolved   # here, not at the top: tests/conftest.py first
    exercises, waiting = manifest(ROOT), unsolved(ROOT)
    for item in items:
        lesson = getattr(getattr(item, "callspec", None), "params", {}).get("lesson")
        for exercise_id, entry in exercises.items():
            if isinstance(lesson, pathlib.Path) and entry["file"] == f"lessons/{lesson.name}":
                item.add_marker(getattr(pytest.mark, exercise_id))
        item.exercises = sorted(mark.name for mark in item.iter_markers() if mark.name in exercises)
        names = [name for name in item.exercises if name in waiting]
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
    refused = call.excinfo is not None and call.excinfo.errisinstance(stand_ins.NotSolvedError)
    if getattr(item, "exercises", None) and not refused:
        return
    before = getattr(item, "stand_in_calls_before", {})
    used = sorted(name for name, count in stand_ins.calls().items() if count > before.get(name, 0))
    if used:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0,
                           f"not solved yet: the test ran the stand-in of {', '.join(used)}")
