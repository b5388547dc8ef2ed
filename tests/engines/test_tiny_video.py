"""The tiny video checkpoint: hub layout, deterministic, loadable like the real one."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from engines.tiny import ensure_tiny_checkpoint, is_tiny_checkpoint
from engines.tiny.video import build_tiny_video

HUB_LAYOUT = [
    "model_index.json",
    "scheduler/scheduler_config.json",
    "text_encoder/config.json",
    "text_encoder/model.safetensors",
    "text_encoder/model.fp16.safetensors",
    "tokenizer/tokenizer_config.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
    "unet/diffusion_pytorch_model.fp16.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",
    "vae/diffusion_pytorch_model.fp16.safetensors",
]


def _weights_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.safetensors"))
    }


def test_checkpoint_has_the_hub_layout_and_is_small(tiny_models_dir: Path):
    folder = ensure_tiny_checkpoint("modelscope-t2v-1.7b", tiny_models_dir)
    for name in HUB_LAYOUT:
        assert (folder / name).is_file(), name
    index = json.loads((folder / "model_index.json").read_text())
    assert index["_class_name"] == "TextToVideoSDPipeline"
    assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) < 20 * 1024**2
    assert is_tiny_checkpoint(folder)


def test_build_is_deterministic(tmp_path: Path, tiny_models_dir: Path):
    again = tmp_path / "again"
    again.mkdir()
    build_tiny_video(again)
    assert _weights_digest(again) == _weights_digest(
        ensure_tiny_checkpoint("modelscope-t2v-1.7b", tiny_models_dir)
    )


def test_a_half_built_folder_is_rebuilt(tmp_path: Path):
    (tmp_path / "modelscope-t2v-1.7b").mkdir()
    (tmp_path / "modelscope-t2v-1.7b" / "model_index.json").write_text("{}")  # an interrupted build
    folder = ensure_tiny_checkpoint("modelscope-t2v-1.7b", tmp_path)
    assert is_tiny_checkpoint(folder)
    assert json.loads((folder / "model_index.json").read_text())["_class_name"]
