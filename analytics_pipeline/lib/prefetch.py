"""Run a producer in a thread, a few items ahead of its consumer.

Both sides here are native code that releases the GIL (inflating gzip while DuckDB parses; DuckDB
scanning a result while pyarrow encodes the previous batch), so the two cores work at once.
"""

from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def prefetched(iterator: Iterable[T], depth: int = 2) -> Iterator[T]:
    """The items of `iterator`, produced by a thread at most `depth` items ahead.

    An exception in the producer is raised in the consumer, at the point it was reached. A
    consumer that stops early (an error of its own) stops the producer after its current item.
    """
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in iterator:
                if not put(item):
                    return
            put(done)
        except BaseException as exc:  # handed to the consumer
            put(exc)

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while (item := items.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()
