"""The keeper: the catalog-owning side of the queue (``python -m jobs.keeper``).

- ``loop``: ``Keeper``, one pass after another: what workers report applied to the catalog,
  dead workers' jobs re-queued, lost messages sent again;
- ``results``: a finished job's file stored as its owner's asset, other outcomes applied;
- ``dispatch``: waiting jobs sent to free workers in fair order, variations as one batch;
- ``scheduling``: the fair order between users;
- ``overtime``: a running job far past its estimate told to stop.
"""
