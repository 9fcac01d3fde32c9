"""The temporary Prefect server ends with the `pulse` command that started it.

Without PREFECT_API_URL, Prefect starts a temporary API server (uvicorn, about
220 MB) as a child process and stops it at exit. A `kill -9` of the command skips
that, and the server would answer on its port for good. So each time Prefect starts
one, a small watchdog process starts beside it: it waits for the server to exit, and
if the command that started it dies first (the watchdog is re-parented), it stops
the server (SIGTERM, then SIGKILL after 5 s). It holds a pidfd of the server, so it
can never signal a process that reused the server's pid. The watchdog uses the
standard library only (a few MB) and ignores Ctrl-C, which the command handles.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

_installed = False


def install() -> None:
    """Start a watchdog beside every temporary server Prefect starts in this process."""
    global _installed
    if _installed:
        return
    _installed = True
    from prefect.server.api.server import SubprocessASGIServer

    original = SubprocessASGIServer._run_uvicorn_command

    def run_uvicorn_command(self):
        server = original(self)
        watch(server.pid)
        return server

    SubprocessASGIServer._run_uvicorn_command = run_uvicorn_command


def watch(server_pid: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-S", __file__, str(os.getpid()), str(server_pid)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
    )


def _main(parent: int, server: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        fd = os.pidfd_open(server)
    except (AttributeError, OSError):
        fd = None

    def gone(timeout: float) -> bool:
        if fd is not None:
            return bool(select.select([fd], [], [], timeout)[0])
        time.sleep(timeout)
        try:
            os.kill(server, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        return False

    def send(sig: int) -> None:
        try:
            signal.pidfd_send_signal(fd, sig) if fd is not None else os.kill(server, sig)
        except (ProcessLookupError, OSError):
            pass

    while not gone(0.5):
        if os.getppid() != parent:  # the command died without stopping its server
            send(signal.SIGTERM)
            if not gone(5):
                send(signal.SIGKILL)
            return


if __name__ == "__main__":
    _main(int(sys.argv[1]), int(sys.argv[2]))
