"""Networks: plain nn.Modules built on stylesynth.norm."""

from .vgg import VGGEncoder
from .adain_decoder import AdaINDecoder
from .adain_network import AdaINNetwork
