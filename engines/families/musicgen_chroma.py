"""A melody's samples in, the chroma MusicGen-Melody conditions on out.

``melody_chroma`` reproduces ``MusicgenMelodyFeatureExtractor`` with ``torch.stft``,
because that class needs torchaudio, which cannot be installed beside this torch.
"""

from __future__ import annotations

import numpy as np


def melody_chroma(
    wav: np.ndarray,
    *,
    sample_rate: int = 32_000,
    n_fft: int = 16_384,
    hop_length: int = 4096,
    num_chroma: int = 12,
    max_seconds: float = 30.0,
) -> np.ndarray:
    """One-hot chroma of ``wav``, shape (frames, num_chroma), bin 0 = C, bin 9 = A.

    Like the feature extractor: truncate to ``max_seconds``, pad clips shorter than
    one FFT window with silence on both sides, normalised power spectrogram, chroma
    filter bank, then keep only the loudest pitch class of each frame. Shorter clips
    are not padded to the model's ``chroma_length``: the model repeats them itself.
    """
    import torch
    from transformers.audio_utils import chroma_filter_bank

    signal = torch.from_numpy(np.ascontiguousarray(wav, dtype=np.float32))
    signal = signal[: int(max_seconds * sample_rate)]
    if signal.numel() < n_fft:
        pad = n_fft - signal.numel()
        signal = torch.nn.functional.pad(signal, (pad // 2, pad - pad // 2))

    # torchaudio's Spectrogram(power=2, normalized=True, center=True, pad_mode="reflect")
    window = torch.hann_window(n_fft)
    stft = torch.stft(
        signal,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=n_fft,
        window=window,
        center=True,
        pad_mode="reflect",
        return_complex=True,
    )
    power = (stft / window.pow(2).sum().sqrt()).abs().pow(2)  # (freq, frames)

    filters = chroma_filter_bank(
        num_frequency_bins=n_fft, num_chroma=num_chroma, sampling_rate=sample_rate, tuning=0
    )
    raw_chroma = torch.from_numpy(filters).float() @ power  # (chroma, frames)
    normed = torch.nn.functional.normalize(raw_chroma, p=float("inf"), dim=0, eps=1e-6)
    one_hot = torch.zeros_like(normed.T)
    one_hot.scatter_(dim=-1, index=normed.T.argmax(-1, keepdim=True), value=1.0)
    return one_hot.numpy()
