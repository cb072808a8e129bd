"""Course kit: turn solutions into exercises (``make_student``) and grade students' answers (``grade``)
with the same gradient checks the lessons use. See docs/instructor_guide.md."""
from .exercises import EXERCISES, Exercise
from .grading import format_table, grade
from .student import make_student

__all__ = ["EXERCISES", "Exercise", "format_table", "grade", "make_student"]
