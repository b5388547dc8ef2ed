"""Dense bf16 tensor-core peaks of common cards, for TFLOP/s as a share of the card's peak.

Vendor datasheet figures without sparsity (TFLOP/s). A card not listed reports no share.
"""

from __future__ import annotations

# Matched against torch.cuda.get_device_name() in order: the first key it contains wins.
BF16_PEAK_TFLOPS: tuple[tuple[str, float], ...] = (
    ("H200", 989.0),
    ("H100 PCIe", 756.0),
    ("H100", 989.0),  # SXM and NVL
    ("A100", 312.0),
    ("L40S", 362.0),
    ("L40", 181.0),
    ("L4", 121.0),
    ("A10G", 70.0),
    ("A10", 125.0),
    ("RTX 4090", 165.0),
    ("RTX 3090", 71.0),
    ("T4", 65.0),  # fp16: the T4 has no bf16 tensor cores
)


def bf16_peak_tflops(device_name: str | None) -> float | None:
    """The card's dense bf16 peak, or None when unknown (or on the CPU)."""
    if not device_name:
        return None
    for key, peak in BF16_PEAK_TFLOPS:
        if key in device_name:
            return peak
    return None
