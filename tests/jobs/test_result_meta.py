from __future__ import annotations

from jobs.result_meta import without_server_paths


def test_path_valued_fields_keep_their_names_alone_and_words_stay_as_they_are():
    meta = {
        "model": "/srv/studio/tiny-models/musicgen-small",
        "path": "/srv/studio/scratch/w1/abc/track.wav",
        "music": {"params": {"melody_path": "/srv/scratch/melody.wav", "prompt": "/imagine a cat"}},
        "combine": {"sources": {}, "path": "~/out.mp4", "inputs": [{"path": "./a.mp4"}]},
        "weights": "facebook/musicgen-small",  # a hub id is no path
        "seed": 7,
    }
    assert without_server_paths(meta) == {
        "model": "musicgen-small",
        "path": "track.wav",
        "music": {"params": {"melody_path": "melody.wav", "prompt": "/imagine a cat"}},
        "combine": {"sources": {}, "path": "out.mp4", "inputs": [{"path": "a.mp4"}]},
        "weights": "facebook/musicgen-small",
        "seed": 7,
    }
