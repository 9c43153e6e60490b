"""The quiet start-up filter: TensorFlow's C++ start-up lines are dropped, anything else (a real
error) is kept, and --verbose / LSGAN_TF_VERBOSE leave stderr alone."""

from lsgan_tf.utils import quiet

STARTUP = """WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1795557337.119051   22403 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
I0000 00:00:1795557337.205707   22403 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.
E0000 00:00:1795557340.569192   22403 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)
"""
REAL = [
    "E0000 00:00:1795557340.569192   22403 some_kernel.cc:10] OOM when allocating tensor\n",
    "Traceback (most recent call last):\n",
    "ImportError: libcudnn.so.9: cannot open shared object file\n",
]


def test_startup_lines_are_dropped_and_real_errors_kept():
    assert quiet.without_startup_noise(STARTUP) == ""
    assert quiet.without_startup_noise(STARTUP + "".join(REAL)) == "".join(REAL)


def test_verbose_flag_and_environment(monkeypatch):
    monkeypatch.delenv(quiet.VERBOSE_ENV, raising=False)
    assert not quiet.wants_verbose(["train.py", "--steps=3"])
    assert quiet.wants_verbose(["train.py", "--verbose"])
    monkeypatch.setenv(quiet.VERBOSE_ENV, "1")
    assert quiet.wants_verbose(["train.py"])
    monkeypatch.setenv(quiet.VERBOSE_ENV, "0")
    assert not quiet.wants_verbose(["train.py"])
