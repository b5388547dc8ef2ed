"""Accelerator policy: which device and dtype a model runs on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Placement:
    device: str  # "cuda" or "cpu"
    dtype: torch.dtype

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).removeprefix("torch.")


def choose_placement(setting: str = "auto") -> Placement:
    """CUDA when present (bf16 where supported, else fp16), otherwise CPU in fp32.

    fp32 on CPU: bf16 was measured slower than fp32 for the UNet on AVX2 CPUs.
    """
    import torch

    if setting == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("STUDIO_DEVICE=cuda, but PyTorch sees no CUDA device.")
    if setting in ("auto", "cuda") and torch.cuda.is_available():
        # Compute capability 8.0+ (A10, A100, H100) has native bf16; a T4 (7.5) only emulates it.
        native_bf16 = torch.cuda.get_device_capability() >= (8, 0)
        return Placement("cuda", torch.bfloat16 if native_bf16 else torch.float16)
    return Placement("cpu", torch.float32)


def free_device_memory(device: str) -> None:
    """Return cached blocks to the driver after a model's last reference is gone."""
    import gc

    gc.collect()
    if device == "cuda":
        import torch

        torch.cuda.empty_cache()


def is_out_of_memory(exc: BaseException) -> bool:
    """torch.cuda.OutOfMemoryError (and its cousins) without importing torch."""
    return (
        isinstance(exc, MemoryError)
        or type(exc).__name__ == "OutOfMemoryError"
        or "out of memory" in str(exc).lower()
    )


def module_bytes(*modules: object) -> int:
    """Bytes held by the parameters and buffers of the given torch modules."""
    total = 0
    for module in modules:
        if module is None:
            continue
        for tensor in [*module.parameters(), *module.buffers()]:  # type: ignore[attr-defined]
            total += tensor.numel() * tensor.element_size()
    return total
