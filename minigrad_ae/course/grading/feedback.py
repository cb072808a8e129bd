"""Feedback a student can act on, from what the check's process reported.

A failed gradient names each wrong input, its shape, the max absolute and the relative error, and the worst
element with both values (yours, and the expected one by finite differences); a crash gives the exception and
the student's own line that raised (the grader's frames left out), or the exit code and the last lines of
output; a timeout says so. Nothing on a failed exercise says 'passed': lines quoting the student's output that
do are left out.
"""
SHOWN_ROWS = 6   # inputs listed for one failed check


def number(value, form=".2e"):
    return value if isinstance(value, str) else format(value, form)


def row_line(row):
    """One input of a gradient comparison, e.g. 'logvar (4, 3): max abs error 1.2e-01, ... yours 0.3, ...'."""
    where = f"{row['input']} {tuple(row['shape'])}"
    if "problem" in row:
        return f"{where}: {row['problem']}, expected shape {tuple(row['shape'])}" \
            if "shape" in row["problem"] else f"{where}: {row['problem']}"
    line = (f"{where}: max abs error {number(row['max_abs_error'])}, relative error {number(row['relative_error'])}"
            f"; worst at index {list(row['worst_index'])}")
    if "yours" in row:
        line += f": yours {number(row['yours'], '.6g')}, {row['expected_by']} {number(row['expected'], '.6g')}"
    return line


def gradient_lines(detail, threshold):
    """The wrong inputs of a gradient comparison, then the right ones by name."""
    rows = detail.get("rows", [])
    wrong = [r for r in rows if _relative(r) >= threshold]
    lines = [f"gradcheck FAILED: {detail['header']}" if wrong else detail["header"]]
    lines += [row_line(r) for r in wrong[:SHOWN_ROWS]]
    right = [r["input"] for r in rows if r not in wrong]
    if right:
        lines.append(f"right: {', '.join(right)}")
    return lines


def _relative(row):
    value = row.get("relative_error", float("inf"))
    return float(value) if not isinstance(value, str) else float("inf")


def crash_lines(crash, blocks, memory_mb):
    """The exception, then the student's line that raised it — or where it was raised, when not in their block."""
    name, message = crash["type"], crash["message"]
    if name == "SystemExit":
        head = f"crashed: your code called exit ({message or 'no code'}); an answer must return its result"
    elif name == "MemoryError":
        head = f"crashed: MemoryError — the check may use at most {memory_mb} MB of memory"
    else:
        head = f"crashed: {name}: {message}" if message else f"crashed: {name}"
    for filename, line, function in reversed(crash["frames"]):
        for block in blocks:
            if filename.endswith("/" + block.path) and block.submission_line(line) is not None:
                return [head, f"at {block.submission}:{block.submission_line(line)} (in {function}): "
                              f"{block.text_at(line)}"]
    if crash["frames"]:
        filename, line, function = crash["frames"][-1]
        short = filename.split("/minigrad_ae/", 1)[-1] if "/minigrad_ae/" in filename else filename.rsplit("/", 1)[-1]
        return [head, f"raised in {short}:{line} (in {function}), not in your block: check what your block "
                      "returns (type, shape, one gradient per input)"]
    return [head]


def no_result_lines(outcome):
    if outcome["timed_out"]:
        head = f"timed out after {outcome['timeout']:g} s: an endless loop, or far too slow"
    else:
        code = outcome["exit_code"]
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        head = f"the check's process ended ({how}) without reporting a result"
    output = [line for line in outcome["output"] if line.strip()]
    return [head] + ([f"last output: {line}" for line in output] if output else [])


def explain(outcome, blocks, threshold, memory_mb):
    """(status, largest error or None, [feedback lines]) of one exercise from the harness's ``outcome``."""
    if outcome["status"] == "no result":
        return "failed", None, no_result_lines(outcome)
    if outcome.get("imported_outside"):
        return "failed", None, ["the check imported minigrad_ae from outside the clean tree: report this grader bug"]
    if outcome.get("stand_ins"):
        return "not attempted", None, [f"the block still calls the slow stand-in ({', '.join(outcome['stand_ins'])})"]
    if outcome["status"] == "crashed":
        return "failed", None, crash_lines(outcome["crash"], blocks, memory_mb)
    detail, error = outcome["detail"], outcome["error"]
    error = None if isinstance(error, str) else error
    if isinstance(detail, dict) and detail.get("kind") == "gradients":
        lines = gradient_lines(detail, threshold)
    else:
        lines = [line for line in str(detail.get("text") if isinstance(detail, dict) else detail).splitlines()
                 if line.strip()]
    if outcome["status"] == "passed":
        return "passed", error, [f"largest error {error:.2e} (passes below {threshold:g})"]
    return "failed", error, lines


def never_passed(lines):
    """The lines of a failed exercise's feedback, without any that says 'passed' (e.g. a student's print)."""
    return [line for line in lines if "passed" not in line.lower()]
