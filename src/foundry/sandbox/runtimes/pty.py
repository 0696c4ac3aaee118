"""A pseudo-terminal master bridged to asyncio, shared by runtimes that spawn local processes."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import struct
import termios
from collections.abc import Callable


class FdPty:
    """The master side of a PTY whose slave is a sandboxed shell's terminal."""

    def __init__(
        self, master: int, proc: asyncio.subprocess.Process, cleanup: Callable[[], None]
    ) -> None:
        self.master = master
        self.proc = proc
        self._cleanup = cleanup
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        os.set_blocking(master, False)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(master, self._on_readable)
        self._closed = False

    @staticmethod
    def set_size(fd: int, cols: int, rows: int) -> None:
        """Set the terminal's window size."""
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _on_readable(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""  # EIO: the shell exited
        if not data:
            self._loop.remove_reader(self.master)
        self._queue.put_nowait(data)

    async def read(self) -> bytes:
        """The next output bytes; b"" once the shell has exited."""
        if self._closed:
            return b""
        return await self._queue.get()

    async def write(self, data: bytes) -> None:
        """Send keystrokes to the shell."""
        view = memoryview(data)
        while view and not self._closed:
            try:
                n = os.write(self.master, view)
            except BlockingIOError:
                await asyncio.sleep(0.01)
                continue
            view = view[n:]

    def resize(self, cols: int, rows: int) -> None:
        """Set the terminal size."""
        with contextlib.suppress(OSError):
            self.set_size(self.master, cols, rows)

    async def close(self) -> None:
        """Kill the shell and free the terminal."""
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self.master)
        self._cleanup()
        with contextlib.suppress(TimeoutError, ProcessLookupError):
            await asyncio.wait_for(self.proc.wait(), 5)
        os.close(self.master)
        self._queue.put_nowait(b"")
