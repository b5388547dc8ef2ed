"""The job system between the studio's pages and the engines.

Pages and the HTTP API use ``jobs.service`` (JobService) only. Workers
(``python -m jobs.worker``) run the engines; the keeper (``python -m jobs.keeper``, or
inside ``python -m jobs.supervisor``) owns the catalog. See docs/JOBS.md.
"""
