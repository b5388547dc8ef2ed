"""Pieces the pages share: the job panel, the model form, variations, asset cards, made-with."""
