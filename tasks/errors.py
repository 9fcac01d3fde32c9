"""The errors a user may see. Each carries a one-line message meant to be acted on."""


class PulseError(Exception):
    """Base for errors the CLI prints as one line instead of a traceback."""


class DeterministicError(PulseError):
    """Running again with the same inputs fails the same way: never retried."""


class ConfigError(DeterministicError):
    """A config file is missing, unreadable or invalid. The message names file and key."""


class QualityGateFailed(DeterministicError):
    """A critical expectation failed: the stage's output is not committed."""


class SourceError(PulseError):
    """A source could not be read (file missing, unreadable, HTTP failure)."""


class StorageError(PulseError):
    """The data lake could not be written (read-only directory, disk full)."""


class SourceBusy(DeterministicError):
    """Another listen run held the source's concurrency limit for too long: waiting
    again (a retry) would only double the wait."""
