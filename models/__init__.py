"""LightningModules and LightningDataModules for training stylesynth's networks (needs the `train` extra)."""
