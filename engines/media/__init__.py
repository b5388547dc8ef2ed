"""Media files: reading them by content, checking uploads, and writing what jobs make.

What lives here:
- ``probe``: streams, codecs and lengths of a file, read in a PyAV child with a time limit;
- ``info``: what a probe tells (``MediaInfo``) and the limits an upload keeps within;
- ``probe_client`` and ``probe_child``: the two sides of that child process;
- ``validation``: whether an upload is a whole video or track within the limits;
- ``ffmpeg``: running the bundled ffmpeg on local files only, with a time limit;
- ``mp4``: writing generated frames as an MP4 that browsers play;
- ``audio``: decoding any audio file to float samples.
"""
