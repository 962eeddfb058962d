"""Video style transfer: streaming video I/O (PyAV), the flow-free stable mode, and the flicker measure.

``Stylizer.stylize_video`` is the entry point; :class:`VideoStylizer` stylizes frames already in
memory (a webcam stream) with the same settings and stable mode. Needs the ``video`` extra (PyAV).
"""

from .io import OUTPUT_FORMATS, VideoError, VideoInfo, is_video, probe, read_batches, transcode
from .metrics import FlickerMeter, flicker
from .stylize import VideoStylizer, stylize_video
from .temporal import TemporalBlend

__all__ = [
    "OUTPUT_FORMATS",
    "FlickerMeter",
    "TemporalBlend",
    "VideoError",
    "VideoInfo",
    "VideoStylizer",
    "flicker",
    "is_video",
    "probe",
    "read_batches",
    "stylize_video",
    "transcode",
]
