"""Video style transfer: streaming video I/O (PyAV), temporally stable AdaIN, and flicker / style metrics."""

from .io import OUTPUT_FORMATS, VideoError, VideoInfo, is_video, probe, read_batches, transcode

__all__ = ["OUTPUT_FORMATS", "VideoError", "VideoInfo", "is_video", "probe", "read_batches", "transcode"]
