"""A storyboard's engine side: beats of the soundtrack, the cut plan, the assembled piece.

Plain Python over librosa and ffmpeg; the page, the catalog and the jobs live elsewhere.
"""
