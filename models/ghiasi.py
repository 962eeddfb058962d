"""Training Magenta's arbitrary-style network (Ghiasi et al., 2017) as a LightningModule.

The headline use is fine-tuning the bundled ``magenta-arbitrary`` on a folder of one's own styles
(``configs/ghiasi-finetune.yaml``); training from scratch works the same way with ``init: null``.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torch import Tensor

from stylesynth.nets import MagentaArbitraryNetwork
from stylesynth.nets.vgg import STYLE_LAYERS

from .adain import ENCODERS, build_encoder
from .training_records import plain_settings, save_grid

__all__ = ["GhiasiModule", "gram", "total_variation"]


def gram(features: Tensor) -> Tensor:
    r"""Gram matrices normalised by the number of positions: :math:`G_{c,c'} = \frac{1}{HW} \sum_p F_{c,p} F_{c',p}`, in float32."""
    flat = features.float().flatten(2)
    return flat @ flat.transpose(1, 2) / flat.shape[-1]


def total_variation(images: Tensor) -> Tensor:
    r"""Mean squared difference of neighbouring pixels: :math:`\mathrm{mean}(\Delta_x^2) + \mathrm{mean}(\Delta_y^2)`."""
    images = images.float()
    return (images[..., 1:, :] - images[..., :-1, :]).pow(2).mean() + (images[..., :, 1:] - images[..., :, :-1]).pow(2).mean()


class GhiasiModule(L.LightningModule):
    r"""Trains the transformer (and its per-layer gamma/beta maps) of :class:`~stylesynth.nets.MagentaArbitraryNetwork`.

    For content ``c`` and style ``s``: ``z = P(s)`` (the style predictor), ``g = T(c, z)``, and

    .. math::
        \mathcal{L} = w_c\,\mathrm{MSE}(\phi_k(g), \phi_k(c))
          + w_s \sum_{i} \mathrm{MSE}(G(\phi_i(g)), G(\phi_i(s)))
          + w_{tv}\,\mathrm{TV}(g)

    with ``phi`` a frozen VGG-16, ``G`` Gram matrices normalised by ``H W`` (:func:`gram`) and TV the
    total variation (:func:`total_variation`). Magenta's recipe (Ghiasi et al. 2017, and the
    Magenta code): content at the conv3 block, style at the conv1 ... conv4 blocks, weights 1,
    0.5e-3 each and 1e4, Adam 1e-5, batch 8 at 256 px. Departures: the loss network is the VGG-16
    this project ships without downloads (HED's ImageNet-derived VGG-16, ``encoder: hed_vgg16``)
    with max pooling, and its activations are read at relu1_1 ... relu4_1 (the first ReLU of each
    block, what :class:`~stylesynth.nets.VGGEncoder` returns) rather than at each block's end; the
    weights' scale depends on that network, so check the logged terms before a long run.

    Args:
        encoder, encoder_path, encoder_seed: the loss network, as ``models.adain.build_encoder`` takes them.
        init: a ``magenta-arbitrary`` checkpoint to start from (bundled name or folder); ``None``: fresh weights.
        train_predictor: also train the style predictor (Magenta froze it while training the
            transformer; fine-tuning on a few styles leaves it frozen too).
        lr: Adam's learning rate.
        content_weight, style_weight, tv_weight: the loss weights.
        content_layer: the layer of the content term (one of relu1_1 ... relu4_1).
        style_layers: the layers of the style term.
        width, code_dim: the network's size when ``init`` is ``None`` (Magenta's mobile network: 0.25 and 100).
        image_every_n_steps: how often a grid of content | style | output rows is saved (0: never).
        num_grid_images: samples per grid.
    """

    def __init__(
        self,
        encoder: str = "hed_vgg16",
        encoder_path: str | None = None,
        encoder_seed: int = 0,
        init: str | None = "magenta-arbitrary",
        train_predictor: bool = False,
        lr: float = 1e-5,
        content_weight: float = 1.0,
        style_weight: float = 0.5e-3,
        tv_weight: float = 1e4,
        content_layer: str = "relu3_1",
        style_layers: list[str] | None = None,
        width: float = 0.25,
        code_dim: int = 100,
        image_every_n_steps: int = 500,
        num_grid_images: int = 4,
    ) -> None:
        super().__init__()
        if encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}, got {encoder!r}")
        for name, value in (("lr", lr), ("content_weight", content_weight), ("style_weight", style_weight), ("tv_weight", tv_weight)):
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        style_layers = list(STYLE_LAYERS) if style_layers is None else [style_layers] if isinstance(style_layers, str) else list(style_layers)
        if content_layer not in STYLE_LAYERS:
            raise ValueError(f"content_layer must be one of {', '.join(STYLE_LAYERS)}, got {content_layer!r}")
        if not style_layers or any(layer not in STYLE_LAYERS for layer in style_layers) or len(set(style_layers)) != len(style_layers):
            raise ValueError(f"style_layers must be distinct layers among {', '.join(STYLE_LAYERS)}, got {style_layers}")
        self.save_hyperparameters()
        self.encoder = build_encoder(encoder, encoder_path, encoder_seed).eval().requires_grad_(False)
        self.net = MagentaArbitraryNetwork.from_pretrained(init) if init else MagentaArbitraryNetwork(width, code_dim)
        self.net.train().predictor.requires_grad_(train_predictor)
        self._content_index = STYLE_LAYERS.index(content_layer)
        self._style_indices = [STYLE_LAYERS.index(layer) for layer in style_layers]

    def train(self, mode: bool = True) -> GhiasiModule:
        super().train(mode)
        self.encoder.eval()  # the loss network never leaves eval mode
        if not self.hparams.train_predictor:
            self.net.predictor.eval()  # frozen: its batch norms stay folded statistics
        return self

    def losses(self, content: Tensor, style: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``(content_loss, style_loss, tv_loss, output)`` for a batch, before weighting."""
        with torch.set_grad_enabled(self.hparams.train_predictor and torch.is_grad_enabled()):
            code = self.net.style_code(style)
        output = self.net(content, code)
        with torch.no_grad():
            content_features = self.encoder(content)
            style_features = self.encoder(style)
        output_features = self.encoder(output)
        content_loss = F.mse_loss(output_features[self._content_index].float(), content_features[self._content_index].float())
        style_loss = output.new_zeros((), dtype=torch.float32)
        for index in self._style_indices:
            style_loss = style_loss + F.mse_loss(gram(output_features[index]), gram(style_features[index]))
        return content_loss, style_loss, total_variation(output), output

    def training_step(self, batch: tuple[Tensor, Tensor], batch_index: int) -> Tensor:
        content, style = batch
        content_loss, style_loss, tv_loss, output = self.losses(content, style)
        hp = self.hparams
        loss = hp.content_weight * content_loss + hp.style_weight * style_loss + hp.tv_weight * tv_loss
        self.log_dict(
            {"train/loss": loss, "train/content_loss": content_loss, "train/style_loss": style_loss, "train/tv_loss": tv_loss},
            prog_bar=True, batch_size=content.shape[0],
        )
        every = hp.image_every_n_steps
        if every and self.global_step % every == 0:
            save_grid(self, [content, style, output], min(hp.num_grid_images, content.shape[0]))
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        trainable = [parameter for parameter in self.net.parameters() if parameter.requires_grad]
        return torch.optim.Adam(trainable, lr=self.hparams.lr)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # Plain types only, so that `stylesynth export` reads the file with weights_only=True.
        checkpoint["stylesynth"] = {
            "kind": MagentaArbitraryNetwork.KIND,
            "config": self.net.config(),
            "training": plain_settings(self.hparams),
            "global_step": int(self.global_step),
        }
