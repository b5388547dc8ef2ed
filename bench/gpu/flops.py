"""FLOPs of one denoising step, counted by torch's FlopCounterMode on a replay of the
denoiser's first call (counting during the timed run would slow what is being timed)."""

from __future__ import annotations

from typing import Any


class DenoiserCalls:
    """Counts a module's calls and keeps its first call's inputs for a counted replay."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.calls = 0
        self.first: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        self._handle = module.register_forward_pre_hook(self._pre, with_kwargs=True)

    def _pre(self, _module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.calls += 1
        if self.first is None:
            self.first = (args, dict(kwargs))

    def step_flops(self, steps: int) -> float | None:
        """FLOPs of one step: the first call's, times the calls a step makes (guidance may
        call twice). Removes the hook first."""
        self._handle.remove()
        if self.first is None or steps <= 0:
            return None
        import torch
        from torch.utils.flop_counter import FlopCounterMode

        args, kwargs = self.first
        self.first = None  # the replay is the last use of the kept inputs
        with torch.inference_mode(), FlopCounterMode(display=False) as counter:
            self.module(*args, **kwargs)
        return float(counter.get_total_flops()) * self.calls / steps
