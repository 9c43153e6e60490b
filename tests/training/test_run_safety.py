"""Never lose a run: every command that reads a run directory (train.py resuming it, export.py,
evaluate.py, sample.py --run_dir) meets each fault a run can have, and for each the exit code, one
line on stderr without a traceback, and a hash of every file of the run directory before and after
are checked. Only the trainer moves a checkpoint, only an unreadable one, and only into
checkpoints/corrupt/ (the documented quarantine); a checkpoint that reads but does not fit is
never moved, and the command stops before it writes anything."""

import hashlib
import json
import os
import shutil
from types import SimpleNamespace

import pytest

from lsgan_tf.config import TrainConfig
from lsgan_tf.training.loop import train
from tests.conftest import run_script, shared_across_workers, user_env

DIGITS = dict(dataset="digits", z_dim=8, batch_size=4, steps=3, checkpoint_every=1, keep_checkpoints=3,
              sample_every=1000, log_every=1000)
COMMANDS = ("train", "export", "evaluate", "sample")
CASES = ("no_checkpoint", "empty_checkpoint_state", "newest_truncated", "all_truncated", "settings_do_not_fit",
         "another_architecture")


def make_runs(folder):
    """A digits run with ckpt-1..3, and a mixture run whose checkpoint stands in for a foreign one."""
    train(TrainConfig(out_dir=str(folder / "digits"), **DIGITS), log=lambda line: None)
    train(TrainConfig(dataset="mixture", steps=2, batch_size=16, checkpoint_every=2, sample_every=1000,
                      log_every=1000, out_dir=str(folder / "mixture")), log=lambda line: None)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return shared_across_workers(tmp_path_factory, "run_safety_runs", make_runs)


def truncate(path):
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 2)


def damage(run, case, runs):
    """Gives the copied run directory `run` the fault of `case`."""
    checkpoints = run / "checkpoints"
    if case == "no_checkpoint":
        shutil.rmtree(checkpoints)
    elif case == "empty_checkpoint_state":  # what lsgan-tf 0.2.0 left after quarantining every checkpoint
        (checkpoints / "checkpoint").write_text('model_checkpoint_path: ""\n')
    elif case == "newest_truncated":
        truncate(checkpoints / "ckpt-3.data-00000-of-00001")
    elif case == "all_truncated":
        for step in (1, 2, 3):
            truncate(checkpoints / f"ckpt-{step}.data-00000-of-00001")
    elif case == "settings_do_not_fit":  # readers build from config.json; train.py gets --ema typed instead
        record = json.loads((run / "config.json").read_text())
        record["z_dim"] = 16
        (run / "config.json").write_text(json.dumps(record))
    elif case == "another_architecture":  # the newest checkpoint is another run's
        for path in (runs / "mixture" / "checkpoints").glob("ckpt-2.*"):
            shutil.copy(path, checkpoints / path.name.replace("ckpt-2", "ckpt-4"))


def snapshot(folder):
    """{relative path: SHA-256} of every file under `folder`."""
    hashes = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                hashes[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return hashes


def quarantined(before, steps):
    """The snapshot `before` with ckpt-<steps> moved into checkpoints/corrupt/."""
    after = dict(before)
    for path in list(after):
        name = os.path.basename(path)
        if path.startswith("checkpoints/ckpt-") and int(name.split("-")[1].split(".")[0]) in steps:
            after[f"checkpoints/corrupt/{name}"] = after.pop(path)
    return after


def command(name, case, run, out):
    if name == "train":
        extra = ["--ema"] if case == "settings_do_not_fit" else []
        return "train.py", f"--out_dir={run}", "--steps=4", *extra
    if name == "export":
        return "export.py", f"--run_dir={run}", f"--out={out}", "--formats=saved_model"
    if name == "evaluate":
        return "evaluate.py", f"--run_dir={run}", "--num_samples=50", f"--out={out}.json", f"--cache_dir={out}_cache"
    return "sample.py", f"--run_dir={run}", "--num=4", f"--out={out}.png"


# What each command does with each fault: (exit code, text of the one stderr line or None for none).
READERS = {
    "no_checkpoint": (2, "has no checkpoint yet"),
    "empty_checkpoint_state": (0, None),
    "newest_truncated": (0, "warning: checkpoint {run}/checkpoints/ckpt-3 cannot be read"),
    "all_truncated": (2, "no checkpoint in {run}/checkpoints can be read (3 unreadable: ckpt-3, ckpt-2, ckpt-1, left in place"),
    "settings_do_not_fit": (2, "it was written with --z_dim=8, this builds --z_dim=16. Nothing was changed."),
    "another_architecture": (2, "ckpt-4 does not fit the model that {run}/config.json describes: it was written "
                                "with --dataset=mixture, --arch=mixture"),
}
TRAINER = {
    "no_checkpoint": (0, None),
    "empty_checkpoint_state": (0, None),
    "newest_truncated": (0, "warning: checkpoint {run}/checkpoints/ckpt-3 cannot be read"),
    "all_truncated": (2, "no checkpoint in {run}/checkpoints can be read (3 unreadable: ckpt-3, ckpt-2, ckpt-1, moved to "),
    "settings_do_not_fit": (2, "the run has --ema=false, the command gives --ema=true). Nothing was changed."),
    "another_architecture": (2, "ckpt-4 does not fit the model this command builds: it was written with "
                                "--dataset=mixture, --arch=mixture"),
}


def check(name, case, run, result, before, after):
    """What is wrong with one command's handling of one fault (None: nothing)."""
    code, line = (TRAINER if name == "train" else READERS)[case]
    lines = result.stderr.splitlines()
    if result.returncode != code or "Traceback" in result.stderr:
        return f"exit {result.returncode}, expected {code}: {result.stderr[-1500:]}"
    if (lines != []) if line is None else (len(lines) != 1 or line.format(run=run) not in lines[0]):
        return f"stderr {lines}"
    if name != "train" or case in ("settings_do_not_fit", "another_architecture"):
        expected = before  # read only, or stopped before changing anything
    elif case == "all_truncated":  # quarantined, state file gone: nothing else changed
        expected = {path: digest for path, digest in quarantined(before, {1, 2, 3}).items()
                    if path != "checkpoints/checkpoint"}
    else:  # trained on: each checkpoint file is unchanged where it is, rotated away, or (the unreadable one) in corrupt/
        resumed_from = {"no_checkpoint": 0, "empty_checkpoint_state": 3, "newest_truncated": 2}[case]
        if resumed_from and f"resumed from step {resumed_from}" not in result.stdout:
            return f"not resumed from step {resumed_from}: {result.stdout[-500:]}"
        if "checkpoints/ckpt-4.index" not in after:
            return "no checkpoint written at step 4"
        moved = quarantined(before, {3} if case == "newest_truncated" else set())
        expected = {path: digest for path, digest in moved.items() if path.startswith("checkpoints/")
                    and path != "checkpoints/checkpoint" and (path in after or "corrupt" in path)}
        after = {path: after.get(path) for path in expected}
    if after != expected:
        changed = sorted(set(after.items()) ^ set(expected.items()))
        return f"run directory changed: {changed[:6]}"
    return None


def run_cases(name, runs, tmp_path):
    """{case: (the run directory, its snapshot before, the command's result)} of `name` on every
    fault. The trainer starts in a process of its own for each fault (it is the one command that
    may move a checkpoint); a reader meets the six faults one after another in one child process,
    its entry point called with each command line (tests/training/commands_in_one_process.py)."""
    prepared = {}
    for case in CASES:
        run = tmp_path / case / "run"
        shutil.copytree(runs / "digits", run)
        damage(run, case, runs)
        prepared[case] = run, snapshot(run)
    if name == "train":
        return {case: (run, before, run_script(*command(name, case, run, tmp_path / case / "out"), env=user_env()))
                for case, (run, before) in prepared.items()}
    jobs = []
    for case, (run, _) in prepared.items():
        script, *argv = command(name, case, run, tmp_path / case / "out")
        jobs.append({"argv": argv, "stdout": str(tmp_path / case / "stdout"), "stderr": str(tmp_path / case / "stderr")})
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    child = run_script("tests/training/commands_in_one_process.py", script, str(tmp_path / "jobs.json"), env=user_env())
    assert child.returncode == 0, child.stderr[-3000:]
    codes = json.loads(child.stdout.splitlines()[-1])["codes"]
    return {case: (run, before, SimpleNamespace(returncode=code, stdout=open(job["stdout"]).read(),
                                                stderr=open(job["stderr"]).read()))
            for (case, (run, before)), code, job in zip(prepared.items(), codes, jobs)}


@pytest.mark.slow
@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_that_reads_a_run_meets_every_fault_and_loses_nothing(name, runs, tmp_path):
    problems = {}
    for case, (run, before, result) in run_cases(name, runs, tmp_path).items():
        problem = check(name, case, run, result, before, snapshot(run))
        if problem:
            problems[case] = problem
    assert problems == {}
