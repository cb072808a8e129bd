"""Course kit: the exercises (one registry), student copies whose unsolved exercises run on slow stand-ins
(``make_student``), and the grader (``grade``), with the same gradient checks the lessons use.
See docs/instructor_guide.md. This folder is the instructor's: a student copy does not contain it."""
from .exercises import EXERCISES, TRACKS, Exercise, select
from .grading import format_table, grade
from .student import make_student

__all__ = ["EXERCISES", "TRACKS", "Exercise", "format_table", "grade", "make_student", "select"]
