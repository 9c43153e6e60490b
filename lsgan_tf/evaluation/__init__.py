"""Metrics for generated samples: Frechet distance, KID, Inception Score, mode statistics."""
