"""The progress line: rewritten in place on a terminal, with no stale characters when it gets
shorter; plain lines when stdout is not a terminal."""

import io
from types import SimpleNamespace

import tensorflow as tf

from lsgan_tf.training.callbacks import ProgressLogger


class Terminal(io.StringIO):
    def isatty(self):
        return True


def screen(written: str) -> str:
    """What a terminal shows of the last line: each carriage return writes over the line from column 0."""
    shown = ""
    for segment in written.split("\n")[-1].split("\r"):
        shown = segment + shown[len(segment):]
    return shown


def at_step(step: int):
    return SimpleNamespace(g_optimizer=SimpleNamespace(iterations=SimpleNamespace(value=tf.constant(step, tf.int64))))


def test_a_shorter_live_line_leaves_no_stale_characters():
    terminal = Terminal()
    progress = ProgressLogger(total_steps=1000, stream=terminal)
    progress.set_model(at_step(0))
    progress.on_train_begin()
    progress.set_model(at_step(10))
    progress.on_train_batch_end(0, {"d_loss": -123456.0, "g_loss": 987654.0})  # a long line
    progress.set_model(at_step(11))
    progress.on_train_batch_end(0, {"d_loss": 0.5, "g_loss": 0.25})  # a shorter one
    last = screen(terminal.getvalue())
    assert last.rstrip().endswith("d_loss 0.5000  g_loss 0.2500") and last.startswith("step 11/1000")


def test_plain_lines_when_not_a_terminal():
    lines = []
    progress = ProgressLogger(total_steps=4, every=2, log=lines.append, stream=io.StringIO())
    progress.set_model(at_step(0))
    progress.on_train_begin()
    for step in (1, 2, 3, 4):
        progress.set_model(at_step(step))
        progress.on_train_batch_end(0, {"d_loss": 1.0, "g_loss": 1.0})
    assert [line.split()[1] for line in lines] == ["2/4", "4/4"] and "\r" not in "".join(lines)
