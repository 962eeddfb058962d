"""Networks: plain nn.Modules built on stylesynth.norm."""

from .adain_decoder import AdaINDecoder
from .adain_multilevel import MultiLevelAdaINDecoder
from .adain_network import AdaINNetwork
from .magenta import DumoulinNetwork, GhiasiTransformer, MagentaArbitraryNetwork, StylePredictor
from .spade_blocks import SPADEResBlock
from .spade_discriminator import MultiscaleDiscriminator, PatchDiscriminator
from .spade_generator import SPADEGenerator
from .spade_network import SPADENetwork
from .style_encoder import StyleEncoder
from .vgg import VGGEncoder
