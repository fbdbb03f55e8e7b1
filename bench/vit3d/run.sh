#!/usr/bin/env bash
# vit3d in the engine and in PyTorch, side by side (bench/side_by_side.sh).
# usage: bench/vit3d/run.sh [BUILD_DIR] [ROUNDS] [THREADS] [BATCH]
exec "$(dirname "$0")/../side_by_side.sh" vit3d "$@"
