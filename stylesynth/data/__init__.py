"""Datasets and data generators (plain torch, no Lightning)."""

from .image_folders import ImageFolder, RandomPairs, list_images, resize_and_crop
