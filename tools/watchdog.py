"""Cleaning up after a process that ends without cleaning up: a test run killed by its timeout, a cluster
command sent SIGKILL. The servers it started run in sessions of their own, so nothing else would stop them on
a machine others share. A watchdog is the owner's child: when the owner is gone, its parent changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

_SCRIPT = """
import json, os, subprocess, sys, time
owner, commands = int(sys.argv[1]), json.loads(sys.argv[2])
while os.getppid() == owner:
    time.sleep(0.5)
for command in commands:
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""


def on_owner_death(*commands: list[str]) -> subprocess.Popen:
    """Run `commands`, one after the other, once this process has ended. Kill the returned process to cancel
    (when the owner cleans up itself)."""
    return subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, str(os.getpid()), json.dumps(commands)],
        # Not the owner's output: a pipe someone reads to its end (a test reading the cluster command) would stay
        # open while the watchdog lives.
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C to the owner's terminal must not end the watchdog before the owner
    )


def cancel(watchdog: subprocess.Popen | None) -> None:
    if watchdog and watchdog.poll() is None:
        watchdog.kill()
        watchdog.wait()
