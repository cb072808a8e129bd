"""Find and strip the solution blocks between ``# BEGIN SOLUTION <id>`` and ``# END SOLUTION`` lines."""
import re

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION (?P<id>[\w.-]+)[ \t]*$")
END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")


def solution_blocks(text, path="<text>"):
    """[(id, first line, last line)] of every block (0-based line numbers, markers included)."""
    blocks, open_block = [], None
    for number, line in enumerate(text.splitlines()):
        begin = BEGIN.match(line)
        if begin:
            if open_block:
                raise ValueError(f"{path}:{number + 1}: BEGIN SOLUTION {begin['id']} inside the still open block "
                                 f"{open_block[0]} (line {open_block[1] + 1}); close it with # END SOLUTION first.")
            open_block = (begin["id"], number)
        elif END.match(line):
            if not open_block:
                raise ValueError(f"{path}:{number + 1}: # END SOLUTION without a # BEGIN SOLUTION <id> before it.")
            blocks.append((*open_block, number))
            open_block = None
    if open_block:
        raise ValueError(f"{path}:{open_block[1] + 1}: BEGIN SOLUTION {open_block[0]} is never closed "
                         "(add # END SOLUTION).")
    return blocks


def strip_solutions(text, tasks, path="<text>"):
    """Replace each block by ``raise NotImplementedError("Exercise <id>: <task>")`` at the block's indent.

    ``tasks`` maps exercise id -> task sentence; an id it does not know is an error (a typo in a marker).
    """
    lines = text.splitlines(keepends=True)
    for exercise_id, first, last in reversed(solution_blocks(text, path)):
        if exercise_id not in tasks:
            raise ValueError(f"{path}:{first + 1}: unknown exercise id {exercise_id!r}; add it to "
                             "minigrad_ae/course/exercises.py or fix the marker.")
        indent = BEGIN.match(lines[first])["indent"]
        message = f"Exercise {exercise_id}: {tasks[exercise_id]}"
        lines[first:last + 1] = [f"{indent}raise NotImplementedError({message!r})\n"]
    return "".join(lines)
