"""Start crash workers: forked from a server that imported posapp once, or from scratch."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "tests.reliability.crash_worker"]
READY_TIMEOUT = 60.0


class ForkServer:
    """Drives ``crash_worker serve``: forks workers and reaps them."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(
            [*WORKER, "serve", *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.live: set[int] = set()
        assert self.proc.stdout is not None
        self.reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self.reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.strip())
        self.lines.put("eof")

    def _send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def _expect(self, *prefixes: str) -> dict[str, str]:
        seen: dict[str, str] = {}
        while len(seen) < len(prefixes):
            try:
                line = self.lines.get(timeout=READY_TIMEOUT)
            except queue.Empty:
                raise AssertionError(
                    f"the fork server said {seen}, not all of {prefixes}, in {READY_TIMEOUT:.0f} s"
                    " (the worker's own errors are in its log)"
                ) from None
            word, _, rest = line.partition(" ")
            assert word != "eof", "the fork server ended"
            if word in prefixes:
                seen[word] = rest
        return seen

    def start(self, seed: int, register: str = "") -> int:
        """Fork a worker (on ``register``); return its pid once it says it is ready."""
        self._send(f"run {seed} {register}".rstrip())
        seen = self._expect("pid", "ready")
        assert seen["pid"] == seen["ready"], seen
        self.live.add(int(seen["pid"]))
        return int(seen["pid"])

    def reap(self, pid: int) -> str:
        """Wait for the worker to be gone; return how it ended (``signal 9``, ``exit 0``…)."""
        self._send(f"reap {pid}")
        how = self._expect("status")["status"].partition(" ")[2]
        self.live.discard(pid)
        return how

    def close(self) -> None:
        """Stop the server (and any worker a failed test left running)."""
        for pid in self.live:
            os.kill(pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self._send("quit")
            self.proc.wait(timeout=30)
        self.reader.join(timeout=30)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


def cold_worker(args: list[str], seed: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [*WORKER, "run", *args, "--seed", str(seed)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == f"ready {proc.pid}", f"the worker did not start: {line!r}"
    return proc
