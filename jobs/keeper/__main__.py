"""``python -m jobs.keeper``: the keeper alone (the supervisor runs it with workers)."""

from jobs.keeper.loop import main

if __name__ == "__main__":
    raise SystemExit(main())
