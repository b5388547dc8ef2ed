"""Storyboards rendered as jobs: a board (``jobs.catalog.boards``) becomes a soundtrack job,
one job a shot and an assemble job, each through the one submit path and the fair queue.

- ``spec``: a board as a user sends it, checked once (``check_board``);
- ``planning``: the shots' lengths fitted to the soundtrack's beats (engines.storyboard);
- ``render``: ``BoardRenders``, starting, advancing (each keeper pass), cancelling and
  re-rendering one shot;
- ``frames``: a shot's last frame as an image asset, the next shot's first frame;
- ``views``: what a page or the API shows of a board (progress, shots, plan, piece).
"""
