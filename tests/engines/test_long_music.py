"""Long MusicGen tracks, window by window, on tiny checkpoints through the real path.

A 75 s track at the real 50 frames a second is 3762 decoder steps (about a minute
on a shared 2-core box), so these tests build tiny checkpoints at 10 frames a second:
the same windows in seconds (30 s, then 12 s of prompt and 18 s new), a fifth of the
steps. The engine reads the frame rate from the checkpoint's config.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from engines.catalog import CATALOG
from engines.device import Placement
from engines.errors import GenerationCancelled
from engines.families.musicgen import MusicEngine, MusicParams
from engines.families.musicgen_chroma import melody_chroma
from engines.families.musicgen_windows import plan_windows
from engines.progress import RunContext
from engines.settings import Settings
from engines.tiny.music import build_tiny_melody, build_tiny_music

SR = 32_000
FPS = 10  # the fast tiny checkpoints' frame rate
HOP = SR // FPS


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _engine(folder: Path, name: str) -> MusicEngine:
    import torch

    entry = replace(CATALOG[name], source=str(folder))
    engine = MusicEngine(Settings(data_dir=folder.parent, device="cpu"), entry)
    engine.load(Placement("cpu", torch.float32))
    return engine


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> MusicEngine:
    folder = tmp_path_factory.mktemp("fast") / "musicgen-small"
    build_tiny_music(folder, frames_per_second=FPS)
    return _engine(folder, "musicgen-small")


@pytest.fixture(scope="module")
def fast_melody(tmp_path_factory: pytest.TempPathFactory) -> MusicEngine:
    folder = tmp_path_factory.mktemp("fast") / "musicgen-melody"
    build_tiny_melody(folder, frames_per_second=FPS)
    return _engine(folder, "musicgen-melody")


class Recorder:
    """Records what each window fed EnCodec as its prompt and what each generate() returned."""

    def __init__(self, engine: MusicEngine, monkeypatch: pytest.MonkeyPatch) -> None:
        self.prompts: list[np.ndarray] = []
        self.outputs: list[np.ndarray] = []
        self.features: list[np.ndarray] = []
        model = engine._model
        encode, generate = model.audio_encoder.encode, model.generate

        def recording_encode(input_values: Any, *args: Any, **kwargs: Any) -> Any:
            self.prompts.append(input_values[0, 0].float().cpu().numpy())
            return encode(input_values, *args, **kwargs)

        def recording_generate(**kwargs: Any) -> Any:
            if "input_features" in kwargs:
                self.features.append(kwargs["input_features"][0].float().cpu().numpy())
            out = generate(**kwargs)
            self.outputs.append(out[0, 0].float().cpu().numpy())
            return out

        monkeypatch.setattr(model.audio_encoder, "encode", recording_encode)
        monkeypatch.setattr(model, "generate", recording_generate)


def params(**values: Any) -> MusicParams:
    base = {"description": "calm piano", "duration": 75.0, "seed": 5, "guidance_scale": 1.0}
    return MusicParams(**{**base, **values})


def test_windows_keep_prompt_plus_new_within_30_s_and_add_up_exactly() -> None:
    windows = plan_windows(75.0, 50)
    assert [(w.prompt_frames, w.new_frames) for w in windows] == [
        (0, 1500), (600, 900), (600, 900), (600, 450)
    ]  # fmt: skip
    assert [w.start_frame for w in windows] == [0, 1500, 2400, 3300]
    assert len(plan_windows(30.0, 50)) == 1  # the one-window fast path
    for duration in (1.0, 30.5, 47.3, 180.0, 300.0):
        windows = plan_windows(duration, 50)
        assert sum(w.new_frames for w in windows) == int(np.ceil(duration * 50 - 1e-6))
        assert all(w.prompt_frames + w.new_frames <= 1500 for w in windows)
        assert all(w.offset_frame >= 0 for w in windows)


def test_300_s_is_the_bound() -> None:
    from engines.errors import ParamError

    assert params(duration=300.0).duration == 300.0
    with pytest.raises(ParamError, match="`duration`"):
        params(duration=300.5)


@pytest.mark.slow  # three windows of music on CPU
def test_a_75_s_track_is_75_s_and_continues_the_previous_window_at_every_join(
    fast: MusicEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(fast, monkeypatch)
    seen: list[tuple[int, int]] = []
    out = tmp_path / "long.wav"

    result = fast.generate(params(), out, RunContext(on_progress=lambda s, n: seen.append((s, n))))

    audio, rate = soundfile.read(out, dtype="float32")
    assert rate == SR and audio.ndim == 1
    assert abs(len(audio) - 75 * SR) <= HOP and result.duration_s == pytest.approx(75.0, abs=0.1)
    # Progress counts every window's steps, once each, up to the whole track's total.
    windows = plan_windows(75.0, FPS)
    total = sum(w.new_frames + 3 for w in windows)
    assert [s for s, _ in seen] == list(range(1, total + 1)) and {n for _, n in seen} == {total}

    # Window k > 1 was prompted with exactly the tail of the track so far.
    assert len(recorder.outputs) == len(windows) == 4 and len(recorder.prompts) == 3
    track = recorder.outputs[0]
    later = zip(windows[1:], recorder.prompts, recorder.outputs[1:], strict=True)
    for window, prompt, output in later:
        np.testing.assert_array_equal(prompt, track[-window.prompt_frames * HOP :])
        track = np.concatenate([track, output[window.prompt_frames * HOP :]])
    # ... and the file is those continuations, joined without a crossfade.
    np.testing.assert_allclose(audio, track[: len(audio)], atol=1.5 / 32767)

    # No jump at a join beyond what the signal's own sample-to-sample steps predict.
    steps = np.abs(np.diff(audio))
    bound = steps.mean() + 6 * steps.std()
    for window in windows[1:]:
        join = window.start_frame * HOP
        assert abs(audio[join] - audio[join - 1]) <= bound, (join, bound)


@pytest.mark.slow  # two windows of music on CPU
def test_cancel_in_a_later_window_stops_and_leaves_no_file(
    fast: MusicEngine, tmp_path: Path
) -> None:
    first = plan_windows(75.0, FPS)[0].new_frames + 3
    seen: list[int] = []
    run = RunContext(
        on_progress=lambda s, n: seen.append(s), should_cancel=lambda: len(seen) > first + 5
    )
    out = tmp_path / "cancelled.wav"

    with pytest.raises(GenerationCancelled):
        fast.generate(params(), out, run)

    assert seen[-1] == first + 6  # stopped within one step, inside window 2
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def tone(frequency: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


@pytest.mark.slow  # two windows of music on CPU
def test_a_melody_longer_than_one_window_is_followed_across_windows(
    fast_melody: MusicEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 s: A for 30 s, then C for 10 s; the track is 75 s, so the melody also loops.
    melody = np.concatenate([tone(440.0, 30.0), tone(261.63, 10.0)])
    path = tmp_path / "melody.wav"
    soundfile.write(path, melody, SR)
    recorder = Recorder(fast_melody, monkeypatch)

    params_ = params(melody_path=str(path), model="musicgen-melody")
    result = fast_melody.generate(params_, tmp_path / "out.wav")

    assert result.warnings == [] and result.duration_s == pytest.approx(75.0, abs=0.1)
    windows = plan_windows(75.0, FPS)
    assert len(recorder.features) == len(windows)
    for window, features in zip(windows, recorder.features, strict=True):
        start = window.offset_frame * HOP
        looped = melody[np.arange(start, start + 30 * SR) % len(melody)]
        np.testing.assert_array_equal(features, melody_chroma(looped))
    pitch = [np.bincount(f.argmax(-1), minlength=12) for f in recorder.features]
    assert pitch[0][9] == pitch[0].sum()  # window 1 (0-30 s) hears only the A
    assert pitch[1][0] > 0  # window 2 (18-48 s) hears the C that starts at 30 s
    assert pitch[2][9] > 0 and pitch[2][0] > 0  # window 3 (36-66 s): C, then A looped
