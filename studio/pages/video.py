"""Text to video: a prompt and options in, a job out; its progress and player below."""

from __future__ import annotations

import secrets

import streamlit as st

from engines.errors import ParamError
from engines.validation import MAX_PROMPT_CHARS
from engines.video import MAX_FRAMES, MAX_STEPS, VideoParams
from studio import backend, services
from studio.widgets import load_examples, page_user, recent_jobs_section

DEFAULTS = VideoParams(prompt="defaults")  # the engine's defaults, read by the widgets
SIZES = [256, 320, 384, 448, 512]


def fill_from_example(example: dict[str, object]) -> None:
    st.session_state["video_prompt"] = example["prompt"]
    if "seed" in example:
        st.session_state["video_seed"] = example["seed"]
        st.session_state["video_random_seed"] = False


def new_random_seed() -> None:
    st.session_state["video_seed"] = secrets.randbelow(2**32)
    st.session_state["video_random_seed"] = False


def render() -> None:
    user = page_user()
    st.title("Text to video")
    settings = services.settings()
    model = settings.model_for("video")
    st.caption(
        f"Model: `{model}`" + (" — tiny demo model, output is noise" if settings.tiny else "")
    )

    examples = load_examples("video")
    if examples:
        st.write("Examples")
        columns = st.columns(len(examples))
        for column, example in zip(columns, examples, strict=True):
            column.button(
                str(example["title"]),
                key=f"video-example-{example['title']}",
                on_click=fill_from_example,
                args=(example,),
                use_container_width=True,
            )

    prompt = st.text_area(
        "Prompt (English)",
        key="video_prompt",
        max_chars=MAX_PROMPT_CHARS,
        height=90,
        placeholder="An astronaut riding a horse on the moon, cinematic",
    )
    with st.expander("Advanced options"):
        left, right = st.columns(2)
        random_seed = left.checkbox("Random seed", value=True, key="video_random_seed")
        seed = left.number_input(
            "Seed",
            min_value=0,
            max_value=2**32 - 1,
            value=42,
            step=1,
            key="video_seed",
            disabled=random_seed,
        )
        left.button("🎲 New seed", on_click=new_random_seed, key="video_new_seed")
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
                seed=None if random_seed else int(seed),
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
