"""The GPU worker, ``python -m jobs.worker``: one process per GPU, one job at a time.

What lives here:
- ``__main__``: the command line and its signal handling;
- ``process``: ``JobWorker``, which claims a delivery, runs it on its EngineRegistry and
  sends back the result or the failure (job execution);
- ``progress``: ``ProgressReporter``, a running job's progress and heartbeats;
- ``scratch``: removing the scratch folders of workers on this host that are gone.
"""
