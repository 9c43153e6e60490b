"""Exporting a trained generator: SavedModel for TF Serving and TFLite (serving.py), from a run
directory (run.py)."""
