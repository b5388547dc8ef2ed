"""The GPU worker, ``python -m jobs.worker``: one process per GPU, one job at a time.

What lives here:
- ``__main__``: the command line, its signal handling, and starting the process afresh;
- ``process``: ``JobWorker``, which takes messages from the queue, claims each delivery,
  announces itself and sends back results;
- ``run``: the one run path: a message's claimed jobs run as one ``Run`` (a single job is
  a run of one, variations that batch a run of several), each answered once;
- ``outcomes``: the answers for jobs that did not finish (failed, out of memory, stopped);
- ``watchdog``: a stop the running step ignores for 10 s replaces the worker process;
- ``progress``: ``ProgressReporter``, a running job's progress and heartbeats;
- ``scratch``: removing the scratch folders of workers on this host that are gone.
"""
