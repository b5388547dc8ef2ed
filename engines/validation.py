"""Small checks that turn bad parameters into messages that teach."""

from __future__ import annotations

import math

from engines.errors import ParamError
from engines.seeds import MAX_SEED

MAX_PROMPT_CHARS = 2000


def require_int_range(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParamError(f"`{name}` must be a whole number, but is {value!r}.")
    if not low <= value <= high:
        # Python refuses to print integers of over 4300 digits; name their size instead.
        shown = value if abs(value) < 10**100 else f"far too {'large' if value > 0 else 'small'}"
        raise ParamError(f"`{name}` must be between {low} and {high}, but is {shown}.")


def require_float_range(name: str, value: object, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParamError(f"`{name}` must be a number, but is {value!r}.")
    if isinstance(value, int) and not -1e308 < value < 1e308:
        # JSON allows integers beyond any float; isfinite() and :g would overflow on them.
        size = "large" if value > 0 else "small"
        raise ParamError(f"`{name}` must be between {low:g} and {high:g}, but is far too {size}.")
    if not math.isfinite(value) or not low <= value <= high:
        raise ParamError(f"`{name}` must be between {low:g} and {high:g}, but is {value:g}.")


def require_prompt(name: str, value: object, *, allow_empty: bool = False) -> None:
    if value is None and not allow_empty:  # a form's untouched text box, or JSON null
        value = ""
    if not isinstance(value, str):
        raise ParamError(f"`{name}` must be text, but is {type(value).__name__}.")
    if not allow_empty and not value.strip():
        raise ParamError(f"`{name}` is empty: describe what you want in a few English words.")
    if len(value) > MAX_PROMPT_CHARS:
        raise ParamError(
            f"`{name}` has {len(value)} characters; at most {MAX_PROMPT_CHARS} are accepted."
        )
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value) or "\x7f" in value:
        raise ParamError(f"`{name}` contains control characters; remove them and try again.")


def require_seed(value: object) -> None:
    if value is None:
        return
    require_int_range("seed", value, 0, MAX_SEED)
