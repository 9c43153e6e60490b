"""The errors the command-line tools report, in one place below every other module.

Each is a ValueError (RuntimeError for a diverged run) whose message names the flag, file or
step at fault and says what to do; the command-line tools print it as one line, without a
traceback, and exit with status 2 (3 for a diverged run). The format errors of single readers
(GntFormatError, ImageDecodeError, PreparedDatasetError, FontError) and of metric inputs
(MetricInputError) live beside the code that raises them, also ValueErrors with a message of the
same kind, and reach a user as the DataError or FeatureError of the command that met them.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A bad flag value; the message names the flag and the valid choices."""


class DataError(ValueError):
    """A dataset that is missing, empty or unreadable; the message names the file and the fix."""


class RunError(ValueError):
    """A run directory without what is needed; the message says what to do."""


class CheckpointError(ConfigError):
    """No checkpoint of a run can be read, or one does not fit the model; the message says which."""


class CheckpointMismatch(CheckpointError):
    """A checkpoint that reads but holds another model; the message names the settings that differ."""


class RunDirectoryLocked(ConfigError):
    """Another trainer holds the run directory; the message names it."""


class ExportError(ValueError):
    """A run that cannot be exported as asked; the message names the flag."""


class SampleError(ValueError):
    """A generator that cannot be sampled as asked (a missing file, its metadata, --labels); the
    message names the flag."""


class FeatureError(ValueError):
    """A feature extractor (Inception weights, the digit classifier) that cannot be had or used."""


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the message names the step and the last good checkpoint."""
