"""`python -m medapp ...` run inside the test process: the same `medapp.cli.main`, with its exit status, stdout
and stderr, but without a fresh interpreter that loads its model again (10-20 s a call on two cores, where the
worker has the model loaded already). What only a fresh process shows (the `python -m medapp` entry point's exit
status, starting offline) keeps a real subprocess: tests/test_cli.py and the transcribe test."""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from unittest import mock


def run_medapp(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    from medapp.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (mock.patch.dict(os.environ, env or {}), mock.patch.object(sys, "stdin", io.StringIO(stdin or "")),
          contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)):
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse's usage errors, as `python -m medapp` would exit
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return subprocess.CompletedProcess(["python", "-m", "medapp", *args], code, out.getvalue(), err.getvalue())
