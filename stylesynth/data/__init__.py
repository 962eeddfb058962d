"""Datasets and data generators (plain torch, no Lightning)."""

from .image_folders import ImageFolder, RandomPairs, list_images, resize_and_crop
from .scene_textures import TextureBank
from .scenes import SCENE_CLASSES, SceneDataset, SceneGenerator
from .segmentation import ClassList, one_hot
from .segmentation_folder import SegmentationFolder
