"""grade-all: a class of 40 generated submissions — solved, untouched, crashing, hanging, unreadable — graded in
parallel; each row gets its own result and a hanging or crashing submission costs only its own row."""
import csv
import shutil

from minigrad_ae import cli
from test_grader import RIGHT_MUL, answer, copy   # noqa: F401 (fixture)

KINDS = {"solved": (RIGHT_MUL, "passed", 1), "untouched": (None, "not attempted", 0),
         "crashing": ("a, b = ctx.saved\nreturn g * c, g * a", "failed", 0),
         "hanging": ("while True:\n    pass", "failed", 0)}


def test_grade_all_forty_submissions(copy, tmp_path, capsys):
    ops = copy / "minigrad_ae" / "autodiff" / "ops.py"
    answers, expected = {}, {}
    for kind, (code, _, _) in KINDS.items():
        work = shutil.copytree(copy / "minigrad_ae" / "autodiff", tmp_path / "answers" / kind / "minigrad_ae" / "autodiff")
        if code:
            answer(work.parent.parent, "mul_backward", code)
        answers[kind] = work / "ops.py"
    folder = tmp_path / "class"
    for i in range(40):
        kind = list(KINDS)[i % 4] if i != 39 else "unreadable"
        student = folder / f"student{i:02d}"
        target = student / ("ops.py" if i % 3 else "minigrad_ae/autodiff/ops.py")   # loose upload or the copy's path
        target.parent.mkdir(parents=True)
        if kind == "unreadable":
            target.write_bytes(ops.read_bytes().replace(b"# BEGIN EXERCISE mul_backward", b"# BEGIN EXERCISE \xff"))
        else:
            shutil.copy(answers[kind], target)
        expected[student.name] = kind
    book = tmp_path / "gradebook.csv"
    assert cli.main(["course", "grade-all", str(folder), "--out", str(book), "--only", "mul_backward",
                     "--timeout", "3", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "40 submissions in" in out and "submissions/minute on 2 workers" in out
    with open(book, encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["student"] for row in rows] == sorted(expected)
    for row in rows:
        kind = expected[row["student"]]
        status, points = KINDS[kind][1:] if kind in KINDS else ("does not compile", 0)
        assert row["error"] == "", row   # a submission the grader could not grade at all says why here
        assert (row["mul_backward status"], int(row["mul_backward"]), int(row["score"]), int(row["total"])) == (
            status, points, points, 1), row
