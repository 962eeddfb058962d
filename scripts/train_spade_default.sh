#!/usr/bin/env bash
# Trains the bundled checkpoints/spade-default on procedural scenes with this project's own code,
# then exports it. One CPU thread (the machine is shared); logs and Lightning checkpoints go to
# $RUN_DIR, outside the repository.
#
#   RUN_DIR=/work/train-spade MAX_STEPS=6800 scripts/train_spade_default.sh
#   CKPT_PATH=$RUN_DIR/.../last.ckpt ... resumes (a larger MAX_STEPS stretches the schedule)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${RUN_DIR:-$HOME/stylesynth-runs/spade-default}
MAX_STEPS=${MAX_STEPS:-6800}
PYTHON=${PYTHON:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
mkdir -p "$RUN_DIR"
"$PYTHON" train.py fit --config configs/spade-tiny.yaml \
    --trainer.max_steps "$MAX_STEPS" --trainer.default_root_dir "$RUN_DIR" --trainer.enable_progress_bar false \
    ${CKPT_PATH:+--ckpt_path "$CKPT_PATH"}
echo "trained; export with: $PYTHON scripts/make_spade_default.py $RUN_DIR/lightning_logs/version_*/checkpoints/last.ckpt --metrics $RUN_DIR/lightning_logs/version_*/metrics.csv"
