"""Training entry point: a LightningCLI over the modules in ``models/``.

    python train.py fit --config configs/adain.yaml
    python train.py fit --config configs/spade-tiny.yaml --trainer.max_steps 10

Any Lightning flag works on the command line (``--trainer.devices 4 --trainer.strategy ddp``,
``--trainer.precision bf16-mixed``, ``--ckpt_path last.ckpt`` to resume).
"""

from __future__ import annotations

from lightning.pytorch.cli import LightningCLI


def main(args: list[str] | None = None) -> LightningCLI:
    return LightningCLI(
        subclass_mode_model=True,
        subclass_mode_data=True,
        save_config_kwargs={"overwrite": True},
        args=args,
    )


if __name__ == "__main__":
    main()
