"""A request's JSON body, read with bounds: a number of at most 30 digits, finite floats,
and nesting Python can parse. Anything else is a ``BadJson`` with a message to show.

    body = parse_json(await request.body())
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_NUMBER_CHARS = 30  # far past any declared param; Python refuses 4300 digits with a crash


class BadJson(ValueError):
    """Not a JSON body the API reads; the message says what was wrong."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_CHARS:
        raise BadJson(f"A number has at most {MAX_NUMBER_CHARS} digits; one has {len(text)}.")
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS * 2:
        raise BadJson(f"A number has at most {MAX_NUMBER_CHARS * 2} characters.")
    value = float(text)
    if not math.isfinite(value):
        raise BadJson(f"The number {text[:40]} is too large.")
    return value


def _no_constant(text: str) -> Any:
    raise BadJson(f"{text} is not JSON; send a finite number.")


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(
            raw,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except RecursionError:
        raise BadJson("The JSON is nested too deeply.") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadJson("The body is not JSON.") from None
