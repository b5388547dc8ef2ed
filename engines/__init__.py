"""Generation back end of the studio: plain Python, usable without any UI.

Heavy libraries (torch, diffusers, transformers) are imported inside each engine's
``load()``, so importing this package stays cheap for the UI and the job queue.
"""
