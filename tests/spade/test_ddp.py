"""Two-process DDP on the CPU (gloo) through Lightning: SPADE's sync_batch norms share the global batch's statistics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

lightning = pytest.importorskip("lightning")

from lightning.pytorch.strategies import DDPStrategy  # noqa: E402

from models.spade import SPADEModule  # noqa: E402
from models.spade_data import SceneDataModule  # noqa: E402

from .conftest import tiny_module_arguments  # noqa: E402


class _ReportNorms(lightning.pytorch.Callback):
    """After training, rank 0 writes how much an inner SPADE norm's running mean differs between the ranks."""

    def __init__(self, out: str) -> None:
        self.out = out

    def on_train_end(self, trainer, module) -> None:
        norm = module.generator.up_3.norm_0.param_free_norm
        gathered = [torch.zeros_like(norm.running_mean) for _ in range(trainer.world_size)]
        dist.all_gather(gathered, norm.running_mean.contiguous())
        weights = [torch.zeros_like(module.generator.conv_img.weight) for _ in range(trainer.world_size)]
        dist.all_gather(weights, module.generator.conv_img.weight.detach().contiguous())
        if trainer.global_rank == 0:
            report = {
                "world_size": dist.get_world_size(),
                "norm": type(norm).__name__,
                "running_mean_difference": (gathered[0] - gathered[1]).abs().max().item(),
                "running_mean_change": gathered[0].abs().max().item(),
                "weight_difference": (weights[0] - weights[1]).abs().max().item(),
            }
            Path(self.out).write_text(json.dumps(report))


@pytest.mark.slow
@pytest.mark.parametrize(("norm", "synchronized"), [("sync_batch", True), ("batch", False)])
def test_ddp_on_two_cpu_processes_synchronizes_the_spade_norms(tmp_path: Path, norm: str, synchronized: bool) -> None:
    report = tmp_path / "report.json"
    module = SPADEModule(**tiny_module_arguments(norm=norm, use_vae=False))
    trainer = lightning.Trainer(
        accelerator="cpu", devices=2, strategy=DDPStrategy(find_unused_parameters=True, start_method="spawn", process_group_backend="gloo"),
        max_steps=2, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        callbacks=[_ReportNorms(str(report))], default_root_dir=tmp_path,
    )
    trainer.fit(module, SceneDataModule(image_size=32, train_scenes=16, batch_size=2))
    result = json.loads(report.read_text())
    assert result["world_size"] == 2 and result["norm"] in ("SyncBatchNorm", "BatchNorm")
    assert result["running_mean_change"] > 0
    assert result["weight_difference"] == 0  # DDP keeps the replicas identical
    if synchronized:
        assert result["running_mean_difference"] < 1e-6  # statistics of the global batch on every rank
    else:
        assert result["running_mean_difference"] > 1e-4  # each rank its own batch: the check can fail
