"""Runs one console script's entry point on several command lines in this one process, one after
another, each with its own argv and its own stdout and stderr files (file descriptors 1 and 2, so
TensorFlow's C++ lines land there too), and prints {"codes": [exit status, ...]} as JSON.

    python tests/training/commands_in_one_process.py SCRIPT JOBS.json

SCRIPT is a top-level program of the checkout (export.py, evaluate.py, sample.py); JOBS.json is
a list of {"argv": [...], "stdout": PATH, "stderr": PATH}. A test that meets many faults with
one command pays TensorFlow's start-up once instead of once per fault."""

import importlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENTRY_POINTS = {"export.py": "lsgan_tf.cli.export", "evaluate.py": "lsgan_tf.cli.evaluate",
                "sample.py": "lsgan_tf.cli.sample"}


def run_with_files(run, argv: list, stdout_path: str, stderr_path: str) -> int:
    """The exit status of `run()` with sys.argv = argv and fds 1 and 2 written to the two files."""
    saved = os.dup(1), os.dup(2)
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.argv = argv
        try:
            run()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
    return code


def main() -> None:
    script, jobs_path = sys.argv[1:]
    run = importlib.import_module(ENTRY_POINTS[script]).run
    with open(jobs_path, encoding="utf-8") as handle:
        jobs = json.load(handle)
    codes = [run_with_files(run, [os.path.join(ROOT, script), *job["argv"]], job["stdout"], job["stderr"])
             for job in jobs]
    print(json.dumps({"codes": codes}))


if __name__ == "__main__":
    main()
