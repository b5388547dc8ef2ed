"""The GPU check (``make gpu-check``): every family's default model, once, through our
engine and through the plain pipeline call, on full-size random-weight checkpoints.

Prepared to run unattended the first time a GPU is lent: ``python -m bench --device cuda
--cases gpu_check``. ``--device cpu --quick`` runs the same code on the tiny checkpoints
(tests/bench/test_gpu_check.py), so the GPU run needs no debugging.
"""
