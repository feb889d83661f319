"""A bounded end for each test's event loop.

When pytest-asyncio closes a test's loop, asyncio cancels the tasks still pending and waits
for every one of them, without a limit (``asyncio.runners._cancel_all_tasks``). A task that
does not end when cancelled would then stall the whole suite, silently, until CI's own
timeout. This replacement waits :data:`GRACE_S` at most, and prints each task that is
still pending with its stack, so the leak is named and the suite goes on. The bot's own
shutdown is not touched: it is tested by the tests themselves.
"""

from __future__ import annotations

import asyncio
import asyncio.runners
import sys

GRACE_S = 30.0


def cancel_all_tasks_bounded(loop: asyncio.AbstractEventLoop) -> None:
    """``asyncio.runners._cancel_all_tasks``, waiting at most :data:`GRACE_S` seconds."""
    to_cancel = asyncio.all_tasks(loop)
    if not to_cancel:
        return
    for task in to_cancel:
        task.cancel()
    done, pending = loop.run_until_complete(asyncio.wait(to_cancel, timeout=GRACE_S))
    for task in pending:
        print(f"\nloop teardown: {task!r} ignored cancellation; abandoned", file=sys.stderr)
        task.print_stack(file=sys.stderr)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {
                    "message": "unhandled exception during loop shutdown",
                    "exception": task.exception(),
                    "task": task,
                }
            )


def install() -> None:
    """Use :func:`cancel_all_tasks_bounded` for every loop the runner closes."""
    asyncio.runners._cancel_all_tasks = cancel_all_tasks_bounded  # type: ignore[attr-defined]
