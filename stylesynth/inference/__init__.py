"""The inference API: loaded once, called many times, thread-safe."""

from .stylizer import Stylizer
from .synthesizer import Synthesizer
