"""Datasets and data generators (plain torch, no Lightning)."""
