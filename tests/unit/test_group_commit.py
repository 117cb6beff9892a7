"""``GroupCommit`` without a database: batches form under load, and every item gets its own."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence

import pytest

from saxaul.services.group_commit import GroupCommit


def _race(count: int, task: Callable[[int], object]) -> list[object]:
    results: list[object] = [None] * count
    start = threading.Barrier(count)

    def work(n: int) -> None:
        start.wait()
        try:
            results[n] = task(n)
        except BaseException as error:  # the assertions look at it
            results[n] = error

    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a submitter hung"
    return results


def test_a_lone_item_is_run_at_once_in_a_batch_of_one() -> None:
    gc: GroupCommit[int, int] = GroupCommit()
    assert gc.submit(3, run=lambda batch: [n * 2 for n in batch]) == 6
    assert (gc.stats.batches, gc.stats.items, gc.stats.largest) == (1, 1, 1)


def test_racing_items_share_batches_and_each_gets_its_own_result() -> None:
    gc: GroupCommit[int, int] = GroupCommit(window_s=0.2)
    batches: list[Sequence[int]] = []

    def run(batch: Sequence[int]) -> list[int | Exception]:
        batches.append(list(batch))
        return [ValueError(n) if n % 5 == 0 else n * n for n in batch]

    results = _race(32, lambda n: gc.submit(n, run=run))

    for n, result in enumerate(results):
        if n % 5 == 0:
            assert isinstance(result, ValueError) and result.args == (n,)
        else:
            assert result == n * n
    assert sorted(n for batch in batches for n in batch) == list(range(32))
    assert len(batches) < 32 and max(map(len, batches)) >= 8


def test_items_with_one_key_never_share_a_batch_and_keep_their_order() -> None:
    gc: GroupCommit[int, int] = GroupCommit(window_s=0.2)
    batches: list[list[int]] = []

    def run(batch: Sequence[int]) -> list[int | Exception]:
        batches.append(list(batch))
        return list(batch)

    _race(12, lambda n: gc.submit(n, run=run, key="same" if n % 3 == 0 else None))

    for batch in batches:
        assert sum(1 for n in batch if n % 3 == 0) <= 1


def test_a_batch_that_raises_is_run_again_item_by_item() -> None:
    gc: GroupCommit[int, int] = GroupCommit(window_s=0.2)

    def run(batch: Sequence[int]) -> list[int | Exception]:
        if 7 in batch:
            raise RuntimeError("7 breaks any batch it is in")
        return list(batch)

    results = _race(16, lambda n: gc.submit(n, run=run))

    assert isinstance(results[7], RuntimeError)
    assert [r for n, r in enumerate(results) if n != 7] == [n for n in range(16) if n != 7]
    assert gc.stats.run_alone >= 2


def test_an_interrupted_batch_leaves_no_submitter_waiting() -> None:
    gc: GroupCommit[int, int] = GroupCommit(window_s=0.2)

    def run(batch: Sequence[int]) -> list[int | Exception]:
        raise KeyboardInterrupt

    results = _race(8, lambda n: gc.submit(n, run=run))

    assert all(isinstance(r, KeyboardInterrupt) for r in results)
    with pytest.raises(KeyboardInterrupt):
        gc.submit(1, run=run)


def test_a_leader_interrupted_while_its_own_item_waits_hands_the_queue_on() -> None:
    gc: GroupCommit[int, int] = GroupCommit(window_s=0.2)

    def run(batch: Sequence[int]) -> list[int | Exception]:
        if 0 in batch:
            raise KeyboardInterrupt
        return list(batch)

    results = _race(6, lambda n: gc.submit(n, run=run, key="same" if n in (0, 5) else None))

    assert gc.submit(9, run=run) == 9, "the queue still moves after the interruption"
    assert isinstance(results[0], KeyboardInterrupt)


def test_coroutines_and_threads_share_batches_and_each_gets_its_own_result() -> None:
    gc: GroupCommit[int, int] = GroupCommit(window_s=0.1)
    batches: list[list[int]] = []

    def run(batch: Sequence[int]) -> list[int | Exception]:
        batches.append(list(batch))
        return [ValueError(n) if n == 3 else -n for n in batch]

    async def on_a_loop() -> list[object]:
        return await asyncio.gather(
            *(gc.submit_async(n, run=run) for n in range(16)), return_exceptions=True
        )

    threads = _race(9, lambda n: asyncio.run(on_a_loop()) if n == 0 else gc.submit(100 + n, run))

    from_loop = threads[0]
    assert isinstance(from_loop, list)
    assert isinstance(from_loop[3], ValueError)
    assert [r for n, r in enumerate(from_loop) if n != 3] == [-n for n in range(16) if n != 3]
    assert threads[1:] == [-(100 + n) for n in range(1, 9)]
    assert sorted(n for batch in batches for n in batch) == [
        *range(16),
        *range(101, 109),
    ]
    assert len(batches) < 24


def test_batches_run_side_by_side_but_one_key_is_never_in_two_at_once() -> None:
    gc: GroupCommit[int, int] = GroupCommit(concurrency=3)
    in_flight: list[int] = []
    most = running = most_running = 0
    guard = threading.Lock()

    def run(batch: Sequence[int]) -> list[int | Exception]:
        nonlocal most, running, most_running
        with guard:
            running += 1
            most_running = max(most_running, running)
            keyed = [n for n in batch if n % 4 == 0]
            assert not set(keyed) & set(in_flight) and len(keyed) <= 1
            in_flight.extend(keyed)
            most = max(most, len(in_flight))
        time.sleep(0.02)
        with guard:
            running -= 1
            for n in keyed:
                in_flight.remove(n)
        return [n + 1 for n in batch]

    results = _race(24, lambda n: gc.submit(n, run=run, key="k" if n % 4 == 0 else None))

    assert results == [n + 1 for n in range(24)]
    assert gc.stats.items == 24
    assert most <= 1
    assert 2 <= most_running <= 3


def test_a_cancelled_waiter_leaves_the_queue_and_the_queue_moves_on() -> None:
    gc: GroupCommit[str, str] = GroupCommit()
    release = threading.Event()
    ran: list[str] = []

    def run(batch: Sequence[str]) -> list[str | Exception]:
        if "a" in batch:
            release.wait(timeout=10)
        ran.extend(batch)
        return [item.upper() for item in batch]

    async def scenario() -> tuple[str, str]:
        first = asyncio.create_task(gc.submit_async("a", run))
        await asyncio.sleep(0.05)  # "a" leads, its batch held open
        cancelled = asyncio.create_task(gc.submit_async("b", run))
        later = asyncio.create_task(gc.submit_async("c", run))
        await asyncio.sleep(0.05)
        cancelled.cancel()
        await asyncio.sleep(0.05)
        release.set()
        return await first, await asyncio.wait_for(later, timeout=10)

    assert asyncio.run(scenario()) == ("A", "C")
    assert ran == ["a", "c"]
