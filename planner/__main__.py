import os
import sys

from .cli import main

try:
    status = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader (`head`, `less`) closed the pipe: it has what it wanted. Point stdout at /dev/null so that
    # Python's own flush at exit does not fail again (Python docs, "Note on SIGPIPE").
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 0
sys.exit(status)
