"""Storyboard: assembling a board's piece against a bare ffmpeg concat + mux of the same
files, and beat tracking of a 3-minute track, in one run.

The board: 6 shots, 30 s on the beat of a 3-minute synthetic track at 120 BPM (clicks
over a held chord), 768x512 at 24 fps, each clip a few frames longer than planned (as a
model's frame rule leaves them), test patterns in H.264. The ways, interleaved:

- **ours**: ``engines.storyboard.assemble`` with cuts: probe, loudnorm's measuring pass
  (audio only), one encode that trims every shot to its planned frames, joins them,
  lays the soundtrack (cut, faded, normalised with the measured values) and writes the
  chapters. Target: at most 1.5x the bare concat + mux.
- **ours, crossfades**: the same board with 0.5 s crossfades (``xfade``), for the record.
- **bare concat + mux**: the minimal ffmpeg command that joins the same six files and the
  track into one H.264 + AAC MP4: ``concat`` filter, the same x264 settings, AAC,
  ``-shortest``. No frame trimming, no loudness, no chapters, no fade.
- **bare copy concat** (for the record): the concat demuxer with ``-c:v copy``: no video
  encode at all. It cannot trim a shot to its planned frames (H.264 frames reference
  later ones), cross-fade or change fps, so the piece cannot be made this way; it is the
  floor of what joining costs.

Beat tracking: ``detect_beats`` on the 3-minute track, wall and CPU seconds (the first
call in a process, which imports scipy.signal, scipy.stats and numba lazily and loads
librosa's cached kernels, reported apart), and its
share of the board's CPU time (beats + assembly, ffmpeg's children counted; generating
the shots, many minutes on any model, is not in it).

    python -m bench.storyboard [--quick]   # writes bench/results/cpu-<date>-storyboard.*
"""

from __future__ import annotations

import datetime
import functools
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engines.media.ffmpeg import run_ffmpeg
from engines.storyboard.assemble import assemble
from engines.storyboard.beats import Beats, detect_beats
from engines.storyboard.plan import Plan, ShotSpec, Transition, plan_board
from tests.engines.storyboard.clicks import beat_times, write_music_track

WIDTH, HEIGHT, FPS = 768, 512, 24
SHOT_SECONDS = [5.5, 4.0, 6.0, 5.0, 4.5, 5.5]  # 30.5 s as written; on the beat: about 30 s
TRACK_S = 180.0
EXTRA_FRAMES = 3  # a 4k+1 / 8k+1 rule leaves up to this many frames over the plan
TARGET_OURS_OVER_BARE = 1.5  # at most
ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]


def run(quick: bool = False) -> dict[str, Any]:
    repeats = 1 if quick else 3
    shot_seconds = [s / 2 for s in SHOT_SECONDS] if quick else SHOT_SECONDS
    track_s = 60.0 if quick else TRACK_S
    with tempfile.TemporaryDirectory(prefix="bench-storyboard-") as tmp:
        folder = Path(tmp)
        # 1. Inputs, not timed: the track, the plan on its beats, one clip per shot.
        track = write_music_track(
            folder / "track.wav", beat_times([(120.0, track_s)]), track_s + 0.5
        )
        beats_first, first_wall, first_cpu = _timed_cpu(functools.partial(detect_beats, track))
        specs = [ShotSpec(s, FPS) for s in shot_seconds]
        plan = plan_board(specs, beats_first, "beats", Transition())
        fade = Transition("crossfade", 0.5)
        plan_fade = plan_board(specs, beats_first, "beats", fade)
        clips = _clips(folder, plan)
        titles = [f"shot {i + 1}" for i in range(len(clips))]
        ways: dict[str, Callable[[Path], object]] = {
            "ours": lambda out: assemble(clips, track, plan, titles, Transition(), out),
            "ours_crossfade": lambda out: assemble(clips, track, plan_fade, titles, fade, out),
            "bare_concat_mux": lambda out: _bare_concat_mux(clips, track, out),
            "bare_copy_concat": lambda out: _bare_copy_concat(clips, track, out, folder),
        }
        # 2. Interleaved, so a neighbour's busy moment hits every way alike.
        wall: dict[str, list[float]] = {name: [] for name in ways}
        cpu: dict[str, list[float]] = {name: [] for name in ways}
        beat_wall: list[float] = []
        beat_cpu: list[float] = []
        phases: dict[str, float] = {}
        for attempt in range(repeats):
            for name, way in ways.items():
                out = folder / f"{name}-{attempt}.mp4"
                outcome, seconds, cpu_s = _timed_cpu(functools.partial(way, out))
                wall[name].append(seconds)
                cpu[name].append(cpu_s)
                if name == "ours":
                    phases = outcome.timings
            _, seconds, cpu_s = _timed_cpu(functools.partial(detect_beats, track))
            beat_wall.append(seconds)
            beat_cpu.append(cpu_s)
    return _report(
        wall, cpu, beat_wall, beat_cpu, (first_wall, first_cpu), phases, plan, beats_first,
        repeats, track_s,
    )  # fmt: skip


def _clips(folder: Path, plan: Plan) -> list[Path]:
    clips = []
    for index, shot in enumerate(plan.shots):
        seconds = (shot.frames + EXTRA_FRAMES) / shot.fps
        source = f"testsrc2=s={WIDTH}x{HEIGHT}:r={shot.fps}:d={seconds:.4f}"
        path = folder / f"shot{index}.mp4"
        run_ffmpeg(["-f", "lavfi", "-i", source, *ENCODE, "-y", str(path)], timeout=300)
        clips.append(path)
    return clips


def _bare_concat_mux(clips: list[Path], track: Path, out: Path) -> None:
    inputs = [arg for clip in clips for arg in ("-i", str(clip))] + ["-i", str(track)]
    joined = "".join(f"[{i}:v]" for i in range(len(clips))) + f"concat=n={len(clips)}:v=1:a=0[v]"
    maps = ["-map", "[v]", "-map", f"{len(clips)}:a"]
    run_ffmpeg(
        [*inputs, "-filter_complex", joined, *maps, *ENCODE, "-c:a", "aac", "-shortest", str(out)],
        timeout=900,
    )


def _bare_copy_concat(clips: list[Path], track: Path, out: Path, folder: Path) -> None:
    listing = folder / "clips.txt"
    listing.write_text("".join(f"file '{clip}'\n" for clip in clips))
    run_ffmpeg(
        ["-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(track),
         "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-shortest", str(out)],
        timeout=900,
    )  # fmt: skip


def _timed_cpu(action: Callable[[], Any]) -> tuple[Any, float, float]:
    """(its result, wall seconds, CPU seconds of this process and its finished children)."""
    before_self = time.process_time()
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = action()
    wall = time.perf_counter() - started
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (after_children.ru_utime + after_children.ru_stime) - (
        before_children.ru_utime + before_children.ru_stime
    )
    return result, wall, time.process_time() - before_self + children


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _report(
    wall: dict[str, list[float]],
    cpu: dict[str, list[float]],
    beat_wall: list[float],
    beat_cpu: list[float],
    first: tuple[float, float],
    phases: dict[str, float],
    plan: Plan,
    beats: Beats,
    repeats: int,
    track_s: float,
) -> dict[str, Any]:
    ratios = [o / b for o, b in zip(wall["ours"], wall["bare_concat_mux"], strict=True)]
    ratio = _median(ratios)
    board_cpu = _median(beat_cpu) + _median(cpu["ours"])
    return {
        "board": f"{len(plan.shots)} shots, {plan.seconds:g} s, {WIDTH}x{HEIGHT}, {FPS} fps, "
        f"cuts on the beat",
        "track": f"{track_s:g} s, 44.1 kHz stereo WAV, 120 BPM clicks over a chord",
        "repeats": repeats,
        "wall_s": {name: _median(v) for name, v in wall.items()},
        "cpu_s": {name: _median(v) for name, v in cpu.items()},
        "samples_wall_s": wall,
        "ours_over_bare_concat_mux": ratio,
        "ours_over_bare_concat_mux_pairs": ratios,
        "ours_phases": phases,
        "beats": {
            "wall_s": _median(beat_wall),
            "cpu_s": _median(beat_cpu),
            "first_call_wall_s": first[0],
            "first_call_cpu_s": first[1],
            "found": len(beats.times),
            "bpm": beats.bpm,
        },
        "beats_share_of_board_cpu": _median(beat_cpu) / board_cpu,
        "target": {"ours_over_bare_concat_mux_at_most": TARGET_OURS_OVER_BARE},
        "target_met": ratio <= TARGET_OURS_OVER_BARE,
        "load_average": list(os.getloadavg()),
    }


def markdown(report: dict[str, Any]) -> str:
    names = {
        "ours": "ours: `engines.storyboard.assemble`, cuts",
        "ours_crossfade": "ours, 0.5 s crossfades",
        "bare_concat_mux": "bare `concat` filter + AAC mux (same x264 settings)",
        "bare_copy_concat": "bare concat demuxer, video copied (floor; cannot trim or fade)",
    }
    bare = report["wall_s"]["bare_concat_mux"]
    lines = [
        f"Board: {report['board']}; track: {report['track']}; median of {report['repeats']}.",
        "",
        "| way | wall s | CPU s | wall / bare concat + mux |",
        "|---|---:|---:|---:|",
    ]
    for key, label in names.items():
        seconds = report["wall_s"][key]
        lines.append(
            f"| {label} | {seconds:.2f} | {report['cpu_s'][key]:.2f} | {seconds / bare:.2f}x |"
        )
    beats = report["beats"]
    lines += [
        "",
        f"ours / bare concat + mux, paired: {report['ours_over_bare_concat_mux']:.2f}x "
        f"(pairs: {', '.join(f'{r:.2f}' for r in report['ours_over_bare_concat_mux_pairs'])}; "
        f"target at most {TARGET_OURS_OVER_BARE:g}x; met: {report['target_met']}); in CPU "
        f"seconds, which a busy neighbour disturbs less: "
        f"{report['cpu_s']['ours'] / report['cpu_s']['bare_concat_mux']:.2f}x. "
        f"Our phases (last run, s): {report['ours_phases']}.",
        "",
        f"Beat tracking of the {report['track'].split(',')[0]} track: "
        f"{beats['wall_s']:.2f} s wall, {beats['cpu_s']:.2f} s CPU ({beats['found']} beats, "
        f"{beats['bpm']} BPM); the first call in a process (lazy imports of scipy and "
        f"numba): {beats['first_call_wall_s']:.2f} s wall. "
        f"Share of the board's CPU time (beats + assembly): "
        f"{report['beats_share_of_board_cpu'] * 100:.1f}%.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    from bench.measure import machine_info
    from bench.report import load_results, merge_case, render_document, write_json

    quick = "--quick" in argv
    date = datetime.date.today().isoformat()
    path = Path("bench/results") / f"cpu-{date}-storyboard{'-quick' if quick else ''}.json"
    run_info: dict[str, Any] = {"quick": quick, "load_before": list(os.getloadavg())}
    started = time.perf_counter()
    report = run(quick=quick)
    run_info |= {
        "repeats": report["repeats"],
        "seconds": time.perf_counter() - started,
        "load_after": list(os.getloadavg()),
        "finished_at": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    results = merge_case(load_results(path), "storyboard", report, run_info)
    results |= {"date": date, "machine": machine_info("cpu")}
    write_json(path, results)
    path.with_suffix(".md").write_text(render_document(results, {"storyboard": markdown}))
    print(markdown(report))


if __name__ == "__main__":
    main(sys.argv[1:])
