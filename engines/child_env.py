"""The environment each child process gets: an allow-list, kept in this one place.

Only the web server holds the secrets that sign logins (``STUDIO_COOKIE_KEY``, or the
``cookie_key`` Streamlit copies into its ``os.environ`` from ``.streamlit/secrets.toml``)
and the first admin's password. Every process the studio starts gets an environment
built from the lists below, never the parent's whole one:

- ``worker_env``: GPU workers (started by ``jobs.supervisor``, or a worker replacing
  itself, ``jobs.worker.__main__.start_afresh``). The basics, the studio's settings
  (``STUDIO_*`` but the web's secrets), and what the model libraries and the GPU read
  (Hugging Face cache and token, torch, CUDA, thread counts). Whatever a worker starts in
  turn (ffmpeg inside imageio-ffmpeg, compile workers) inherits this clean environment.
- ``tool_env``: ffmpeg and the PyAV probe child, which read untrusted uploads: the basics
  only (no settings, no tokens of any kind).

The keeper runs as a thread of the supervisor, which ``python -m studio`` starts without
the secrets (``studio.__main__``); the web server's own environment gets them back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# The secrets only the web server reads; never given to another process.
WEB_SECRETS = frozenset({"STUDIO_COOKIE_KEY", "STUDIO_ADMIN_PASSWORD", "STUDIO_ADMIN_USER"})

# What any program needs to run: where programs, libraries, home and temp files are; locale.
BASICS = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "TMP",
        "TEMP",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",  # the project root, for `python -m` children
        "VIRTUAL_ENV",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "SYSTEMROOT",
    }
)
BASIC_PREFIXES = ("LC_",)

# What the model libraries and the accelerator read in a worker.
ENGINE_PREFIXES = (
    "STUDIO_",  # the studio's settings (data dir, models, device, queue, limits)
    "HF_",  # Hugging Face cache, offline mode and token (gated weights)
    "HUGGINGFACE_",
    "TRANSFORMERS_",
    "DIFFUSERS_",
    "TOKENIZERS_",
    "TORCH",  # TORCH_HOME, TORCHINDUCTOR_*, TORCH_CUDA_ARCH_LIST
    "PYTORCH_",  # PYTORCH_CUDA_ALLOC_CONF
    "CUDA_",  # CUDA_VISIBLE_DEVICES
    "NVIDIA_",
    "CUBLAS_",
    "CUDNN_",
    "NCCL_",
    "TRITON_",
    "OMP_",  # thread counts of the CPU math libraries
    "MKL_",
    "OPENBLAS_",
    "KMP_",
    "XDG_CACHE_HOME",  # the Hugging Face cache's default parent
    "IMAGEIO_FFMPEG_EXE",  # which ffmpeg build writes the MP4s (e.g. one with NVENC)
)


def worker_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A worker's environment: basics, studio settings and engine variables, no secrets."""
    return _allowed(environ, BASIC_PREFIXES + ENGINE_PREFIXES)


def tool_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """ffmpeg's and the probe child's environment: the basics only."""
    return _allowed(environ, BASIC_PREFIXES)


def _allowed(environ: Mapping[str, str] | None, prefixes: tuple[str, ...]) -> dict[str, str]:
    env = os.environ if environ is None else environ
    return {
        name: value
        for name, value in env.items()
        if name not in WEB_SECRETS and (name in BASICS or name.startswith(prefixes))
    }
