"""Boards for pages and the API: save, list, open, duplicate, rename, delete, render,
cancel and re-render one shot, each only for the board's owner (or an admin).

    boards = BoardService(jobs)               # over the studio's one JobService
    board = boards.create("alice", {"title": "Fox", "shots": [...], "soundtrack": {...}})
    boards.render(board.id, "alice")          # the keeper moves it on as jobs finish
    boards.view(board.id, "alice")            # status, progress, shots, plan, piece

Another user's board id reads as unknown (NotFound), like another user's file.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from engines.errors import ParamError
from jobs.boards.render import BoardRenders
from jobs.boards.spec import MAX_TITLE_CHARS, check_board
from jobs.boards.views import board_view
from jobs.catalog.boards import RENDERING, Board
from jobs.owned_assets import NotFound
from jobs.service import JobService


class BoardService:
    def __init__(self, jobs: JobService) -> None:
        self.jobs = jobs
        self.catalog = jobs.catalog
        self.renders = BoardRenders(jobs)

    def check(self, owner: str, body: object) -> dict[str, Any]:
        """The board with its defaults, or ParamError saying what was wrong."""
        return check_board(body, owner, self.jobs.settings, self.catalog)

    def create(self, owner: str, body: object, *, render: bool = False) -> Board:
        spec = self.check(owner, body)
        title = spec.pop("title")
        board = self.catalog.boards.add(owner, title, spec)
        return self.renders.start(board) if render else board

    def get(self, board_id: str, owner: str, *, admin: bool = False) -> Board:
        board = self.catalog.boards.get(board_id) if isinstance(board_id, str) else None
        if board is None or (board.owner != owner and not admin):
            raise NotFound(f"There is no board {board_id} among yours.")
        return board

    def list(self, owner: str, *, admin: bool = False) -> builtins.list[Board]:
        """The owner's boards, latest changed first; every user's for an admin."""
        return self.catalog.boards.list(None if admin else owner)

    def view(self, board_id: str, owner: str, *, admin: bool = False) -> dict[str, Any]:
        return board_view(self.catalog, self.get(board_id, owner, admin=admin))

    def save(self, board_id: str, owner: str, body: object, *, admin: bool = False) -> Board:
        """Replace what the board says (a render in progress is cancelled first)."""
        board = self.get(board_id, owner, admin=admin)
        spec = check_board(body, board.owner, self.jobs.settings, self.catalog)
        title = spec.pop("title")
        if board.status == RENDERING:
            board = self.renders.cancel(board)
        saved = self.catalog.boards.update(board.id, board.version, title=title, spec=spec)
        return saved or self.get(board_id, owner, admin=admin)

    def rename(self, board_id: str, owner: str, title: str, *, admin: bool = False) -> Board:
        board = self.get(board_id, owner, admin=admin)
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE_CHARS:
            raise ParamError(f"A title is text of 1 to {MAX_TITLE_CHARS} characters.")
        saved = self.catalog.boards.update(board.id, board.version, title=title.strip())
        return saved or self.get(board_id, owner, admin=admin)

    def duplicate(self, board_id: str, owner: str, *, admin: bool = False) -> Board:
        """A copy to change, not rendered, owned by whoever asks."""
        board = self.get(board_id, owner, admin=admin)
        return self.catalog.boards.add(owner, f"{board.title} (copy)"[:MAX_TITLE_CHARS], board.spec)

    def delete(self, board_id: str, owner: str, *, admin: bool = False) -> None:
        """Forget the board (its render is cancelled; the clips and the piece stay)."""
        board = self.get(board_id, owner, admin=admin)
        if board.status == RENDERING:
            self.renders.cancel(board)
        self.catalog.boards.delete(board.id)

    def render(self, board_id: str, owner: str, *, admin: bool = False) -> Board:
        return self.renders.start(self.get(board_id, owner, admin=admin))

    def cancel(self, board_id: str, owner: str, *, admin: bool = False) -> Board:
        return self.renders.cancel(self.get(board_id, owner, admin=admin))

    def cancel_shot(self, board_id: str, owner: str, index: int, *, admin: bool = False) -> Board:
        return self.renders.cancel_shot(self.get(board_id, owner, admin=admin), index)

    def rerender_shot(
        self,
        board_id: str,
        owner: str,
        index: int,
        changes: Mapping[str, Any],
        *,
        admin: bool = False,
    ) -> Board:
        return self.renders.rerender_shot(self.get(board_id, owner, admin=admin), index, changes)
