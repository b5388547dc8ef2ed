"""Text to video: a prompt and options in, a job out; its progress and player below."""

from __future__ import annotations

import streamlit as st

from engines.errors import ParamError
from engines.validation import MAX_PROMPT_CHARS
from engines.video import MAX_FRAMES, MAX_STEPS, VideoParams
from studio import backend, services
from studio.widgets import examples_row, page_user, recent_jobs_section, seed_input

DEFAULTS = VideoParams(prompt="defaults")  # the engine's defaults, read by the widgets
SIZES = [256, 320, 384, 448, 512]

EXAMPLE_FIELDS = {"prompt": "video_prompt"}  # example key -> widget key


def render() -> None:
    user = page_user()
    st.title("Text to video")
    settings = services.settings()
    model = settings.model_for("video")
    st.caption(
        f"Model: `{model}`" + (" — tiny demo model, output is noise" if settings.tiny else "")
    )

    examples_row("video", EXAMPLE_FIELDS)

    prompt = st.text_area(
        "Prompt (English)",
        key="video_prompt",
        max_chars=MAX_PROMPT_CHARS,
        height=90,
        placeholder="An astronaut riding a horse on the moon, cinematic",
    )
    with st.expander("Advanced options"):
        left, right = st.columns(2)
        seed = seed_input("video", left)
        negative = left.text_input(
            "Negative prompt", key="video_negative", placeholder="blurry, low quality, text"
        )
        frames = right.slider("Frames", 1, MAX_FRAMES, DEFAULTS.num_frames, key="video_frames")
        steps = right.slider("Inference steps", 1, MAX_STEPS, DEFAULTS.steps, key="video_steps")
        guidance = right.slider(
            "Guidance", 1.0, 30.0, DEFAULTS.guidance_scale, 0.5, key="video_guidance"
        )
        fps = right.slider("Frames per second", 1, 60, DEFAULTS.fps, key="video_fps")
        size = right.selectbox("Size (pixels)", SIZES, index=0, key="video_size")

    if st.button("Generate video", type="primary", key="video_generate"):
        try:
            params = VideoParams(
                prompt=prompt,
                negative_prompt=negative,
                seed=seed,
                num_frames=int(frames),
                steps=int(steps),
                guidance_scale=float(guidance),
                height=int(size),
                width=int(size),
                fps=int(fps),
            )
            st.session_state["video_job"] = backend.submit(user, params)
        except ParamError as problem:
            st.error(str(problem))

    recent_jobs_section(user, "video", focus=st.session_state.get("video_job"))


render()
