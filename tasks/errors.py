"""The errors a user may see. Each carries a one-line message meant to be acted on."""


class PulseError(Exception):
    """Base for errors the CLI prints as one line instead of a traceback. Its message
    never carries a secret (an API that echoes the request, a URL with a key): it
    becomes Prefect's state message, event and log line as it is."""

    def __init__(self, *args):
        from tasks.secrets import scrub

        super().__init__(*(scrub(a) for a in args))


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


class CorruptPartition(StorageError, DeterministicError):
    """A lake file that cannot be read as Parquet: reading it again fails the same way."""


class UsageError(DeterministicError):
    """The command's own arguments are wrong (a range that ends before it starts)."""
