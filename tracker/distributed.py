"""The same extraction on a Dask cluster (``tracker extract ... --dask ADDRESS``).

The client streams the corpus exactly as :func:`tracker.pipeline.run` does
(same reader, same doc_id checks, same order), cuts it into partitions of up to
:data:`tracker.pipeline.CHUNK_DOCS` documents / ``CHUNK_CHARS`` characters,
and submits each partition to the cluster as one task running
:func:`tracker.pipeline.process_chunk`.  At most ``window`` partitions are in
flight (back-pressure: the client never holds the corpus), results come back
in input order and go through the same frame builder, so the tables are
identical to a single-machine run.

The cache, if any, is read and written by the client only, so workers need no
shared disk.  Workers need ``tracker`` importable and the same ``rules/`` (the
rules version is checked: a worker with other rules fails the run).

Requires the ``distributed`` extra: ``pip install 'tracker[distributed]'``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from tracker.cache import Cache
from tracker.pipeline import RunResult, collect, ordered_results, process_chunk, warm_up
from tracker.rules import rules_version

__all__ = ["run_dask"]


def _worker_rules_version() -> str:
    warm_up()
    return rules_version()


def _process_partition(todo, expected_rules: str):
    if rules_version() != expected_rules:
        raise RuntimeError("this Dask worker has different rules/ than the client; "
                           "deploy the same tracker and rules on every worker")
    return process_chunk(todo)


def run_dask(paths: Sequence[str | Path], *, doc_id_template: str | None = None,
             scheduler: str | object = "local", n_workers: int | None = None,
             on_item: Callable[[], None] | None = None, cache: Cache | None = None,
             window: int | None = None, spill_dir: Path | None = None) -> RunResult:
    """Extract every document under ``paths`` on a Dask cluster.

    ``scheduler``: ``"local"`` (a :class:`distributed.LocalCluster` of
    ``n_workers`` single-threaded processes, default all cores, closed
    afterwards), a scheduler address (``tcp://host:8786``), or an existing
    :class:`distributed.Client`.  Other arguments as in
    :func:`tracker.pipeline.run`; the result is the same.
    """
    from distributed import Client, LocalCluster

    from tracker.documents import read_inputs

    cluster = None
    own_client = True
    if isinstance(scheduler, Client):
        client, own_client = scheduler, False
    elif scheduler == "local":
        cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1,
                               threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster)
    else:
        client = Client(str(scheduler))
    try:
        expected = rules_version()
        client.run(_worker_rules_version)  # load rules once per worker, up front
        n = max(1, len(client.scheduler_info().get("workers", {})))
        hits = [0]

        def submit(todo):
            return client.submit(_process_partition, todo, expected, pure=False)

        results = ordered_results(read_inputs(paths, doc_id_template=doc_id_template), submit,
                                  cache=cache, window=window or 3 * n, on_item=on_item,
                                  hits=hits, store=cache)
        result = collect(results, spill_dir)
        result.cache_hits = hits[0]
        return result
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()

