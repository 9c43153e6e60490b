"""A quiet terminal for the command-line entry points and the library: TensorFlow's C++ start-up lines (absl's
"All log messages before absl::InitializeLog()", "Could not find cuda drivers", the CPU feature
notice, "failed call to cuInit" on a machine without a GPU) are kept off stderr.

`quiet_tensorflow_startup()` imports TensorFlow and initialises its devices with file descriptor 2
pointed at a temporary file, then writes back every captured line that is not such start-up
noise, so that a real error still reaches the user. It also sets TF_CPP_MIN_LOG_LEVEL=1 unless
the user set it, so that TensorFlow's C++ INFO lines stay off the terminal while training too
(tf.data's "Memory patch applied" and "Filling up shuffle buffer"); warnings and errors still
print. `--verbose` on the command line (lsgan_tf/cli/verbose.py), or LSGAN_TF_VERBOSE=1 in the
environment, leaves stderr and the log level untouched. The library's first access to a class or
module that needs TensorFlow (`from lsgan_tf import GAN`) goes through the same start-up.

Standard library only: importing this module defines no flag and loads no TensorFlow.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from typing import Iterator, Sequence

VERBOSE_ENV = "LSGAN_TF_VERBOSE"
STARTUP_NOISE = re.compile(
    r"^(?:"
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IW]\d{4} [\d:. ]+\d+ \S+:\d+\] .*"  # absl INFO and WARNING lines
    r"|E\d{4} [\d:. ]+\d+ \S+:\d+\] (?:failed call to cuInit|Unable to register cu(?:DNN|FFT|BLAS) factory).*"
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\."
    r"|INFO: Created TensorFlow Lite XNNPACK delegate for CPU\."  # LiteRT's interpreter
    r")$"
)


def wants_verbose(argv: Sequence[str]) -> bool:
    """Whether the user asked for TensorFlow's own start-up output (--verbose or LSGAN_TF_VERBOSE=1)."""
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0") or any(
        arg in ("--verbose", "--verbose=true", "--verbose=1") for arg in argv
    )


def without_startup_noise(text: str) -> str:
    """The captured lines that are not TensorFlow start-up noise, in order."""
    return "".join(line for line in text.splitlines(keepends=True) if not STARTUP_NOISE.match(line.rstrip("\n")))


@contextlib.contextmanager
def stderr_without_noise(argv: Sequence[str] = ()) -> Iterator[None]:
    """Runs the block with file descriptor 2 (C++ code's stderr too) captured, then writes back
    every line that is not known noise (STARTUP_NOISE: TensorFlow's absl INFO/WARNING lines,
    LiteRT's delegate notice, ...), so that a real error still reaches the user. Leaves stderr
    alone when `wants_verbose(argv)`."""
    if wants_verbose(argv or sys.argv):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = without_startup_noise(captured.read().decode("utf-8", errors="replace"))
            if kept:
                os.write(2, kept.encode("utf-8"))


@contextlib.contextmanager
def tensorflow_startup_quieted(argv: Sequence[str] = ()) -> Iterator[None]:
    """Runs the block; when it is the block that first imports TensorFlow, with C++ INFO lines off
    (unless TF_CPP_MIN_LOG_LEVEL is set) and TensorFlow's devices created with stderr captured,
    then writes back what was not start-up noise. Leaves everything alone when TensorFlow is
    already loaded or `wants_verbose(argv)`."""
    if "tensorflow" in sys.modules or wants_verbose(argv or sys.argv):
        yield
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # read by TensorFlow's C++ logging at import
    with stderr_without_noise(argv):
        yield
        if "tensorflow" in sys.modules:
            sys.modules["tensorflow"].config.list_physical_devices()


def quiet_tensorflow_startup(argv: Sequence[str] = ()) -> None:
    """Imports TensorFlow with its start-up quieted (`tensorflow_startup_quieted`)."""
    with tensorflow_startup_quieted(argv):
        import tensorflow  # noqa: F401  (imported for its start-up alone)
