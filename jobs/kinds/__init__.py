"""The kinds of job, one module each: video, music, combine (a track under a video) and
score (new music as long as a video, laid under it).

Each module declares its ``KIND`` (``jobs.kinds.job_kind.JobKind``); adding a kind is one
module and one line in KINDS.
"""

from __future__ import annotations

from engines.errors import ParamError
from engines.params import specs
from jobs.kinds import assemble, combine, extend, music, score, video
from jobs.kinds.job_kind import JobKind

KINDS: dict[str, JobKind] = {
    module.KIND.name: module.KIND for module in (video, music, combine, score, extend, assemble)
}


def job_kind(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ParamError(f"Unknown job kind {name!r}; known: {', '.join(KINDS)}.") from None


def kind_for_output(output: str) -> JobKind:
    """The kind of job a model of ``output`` ("video" or "audio") makes."""
    for kind in KINDS.values():
        if kind.output == output:
            return kind
    raise ParamError(f"No job kind makes {output!r}; known: {', '.join(KINDS)}.")


def file_labels() -> dict[str, str]:
    """What a card calls each declared input file (melody_path: "Melody"), from the params'
    declarations of every kind."""
    return {
        spec.name: spec.label
        for kind in KINDS.values()
        for cls in kind.params_classes()
        for spec in specs(cls)
        if spec.kind == "file"
    }
