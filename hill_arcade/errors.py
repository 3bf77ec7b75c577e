"""User-facing errors: each carries one line that says what was wrong and where."""


class HillError(Exception):
    """An error the CLI prints as one line (no traceback) before exiting with status 2."""


class ConfigError(HillError):
    """A scene file is unreadable or invalid; the message names file, key path and expectation."""


class DatasetError(HillError):
    """A dataset is missing or malformed; the message names the path and how to fetch it."""


class CheckpointError(HillError):
    """A checkpoint cannot be read or does not fit the scene."""
