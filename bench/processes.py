"""The benchmark's child processes: Python modules started, waited for and stopped.

Every part that is measured runs in a process of its own: the apps (so each has its
own event loop and its peak RSS is its own), the load (so making it takes no CPU from
the app), seeding and measuring (so one size's memory does not carry over to the
next). Children run with the repository first on ``PYTHONPATH`` (``bench`` is not an
installed package) in the benchmark's work folder, so no ``.env`` of the repository
is read, and with a clean Slack/review environment plus what they are given.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import ClientError, ClientSession

REPOSITORY = Path(__file__).resolve().parents[1]
READY_SECONDS = 60
STOP_SECONDS = 40
"""The bot waits up to 30 s for work in flight when told to stop."""
_PREFIXES = ("SLACK_", "REVIEW_")
_NAMES = frozenset({"DATABASE_URL", "HOST", "PORT", "LOG_LEVEL"})
"""The bot's settings: dropped from the children's environment unless given."""


class ChildFailed(RuntimeError):
    """A child exited badly or never became ready; the message ends with its output."""


T = TypeVar("T")


def measured(measure: Callable[[Path], Coroutine[Any, Any, T]], workdir: Path | None,
             prefix: str) -> T | None:
    """Run ``measure`` in ``workdir`` (default: a temporary folder, removed at the end).
    None, with why on standard error, when one of its child processes failed."""
    folder = workdir or Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return asyncio.run(measure(folder.resolve()))
    except ChildFailed as failure:
        print(f"bench: {failure}", file=sys.stderr)
        return None
    finally:
        if workdir is None:
            shutil.rmtree(folder, ignore_errors=True)


def publish(figures: T, render: Callable[[T], str], out: Path | None) -> int:
    """Print ``figures`` as ``render`` words them and, when ``out`` is given, write them
    there as JSON; the exit status of a measurement that ran."""
    print(render(figures), end="")
    if out:
        out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(_PREFIXES) and k not in _NAMES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY),
                                                      env.get("PYTHONPATH")]))
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run_json(args: list[str], workdir: Path, extra: Mapping[str, str] | None = None
                   ) -> Any:
    """Run ``python ARGS`` to the end and return the JSON it printed last."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=workdir, env=environment(extra or {}),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    if process.returncode != 0:
        raise ChildFailed(f"python {' '.join(args)} exited {process.returncode}:\n"
                          + err.decode(errors="replace")[-3000:])
    return json.loads(out.decode().strip().splitlines()[-1])


@dataclass
class Server:
    """A running server child: its process, base URL and log file."""

    process: asyncio.subprocess.Process
    url: str
    log: Path

    def peak_rss_kib(self) -> int:
        """The child's peak resident set size so far (VmHWM), in KiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1])

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@asynccontextmanager
async def server(name: str, args: list[str], workdir: Path, extra: Mapping[str, str]
                 ) -> AsyncIterator[Server]:
    """Start ``python ARGS`` listening on a free port, wait for GET /healthz, yield it,
    then stop it with SIGTERM (SIGKILL if it does not go)."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=workdir, stdout=sink, stderr=sink,
            env=environment({**extra, "HOST": "127.0.0.1", "PORT": str(port)}))
    child = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        await _ready(child)
        yield child
    finally:
        await _stop(process)


@asynccontextmanager
async def niced(args: list[str], workdir: Path, niceness: int) -> AsyncIterator[str]:
    """Start ``python ARGS`` at lower priority; yield the first line it prints (its
    URL), then stop it."""
    with (workdir / f"{args[-1]}.log").open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=workdir, env=environment({}),
            stdout=asyncio.subprocess.PIPE, stderr=sink,
            preexec_fn=lambda: os.nice(niceness))
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), READY_SECONDS)
        if not line:
            raise ChildFailed(f"python {' '.join(args)} exited before saying its URL")
        yield line.decode().strip()
    finally:
        await _stop(process)


async def _ready(child: Server) -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + READY_SECONDS
    async with ClientSession() as session:
        while loop.time() < give_up:
            if child.process.returncode is not None:
                break
            try:
                async with session.get(child.url + "/healthz") as response:
                    if response.status == 200:
                        return
            except ClientError:
                pass
            await asyncio.sleep(0.1)
    raise ChildFailed(f"{child.log.stem} did not start:\n{child.output()}")


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
