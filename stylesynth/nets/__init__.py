"""Networks: plain nn.Modules built on stylesynth.norm."""

from .vgg import VGGEncoder
