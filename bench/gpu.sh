#!/usr/bin/env bash
# Every CUDA check of the project in one run, under 8 minutes on one H200; writes bench/results/*-cuda.md.
#
#   bash bench/gpu.sh                             # on a CUDA machine: results in bench/results/
#   bash bench/gpu.sh --device cpu --quick        # the same steps on the CPU at tiny sizes, results in a
#                                                 # temporary folder (printed): proves the script end to end
#   bash bench/gpu.sh --results DIR               # write the Markdown files somewhere else
#
# Steps (each under its own time limit; a failing step is recorded and the others still run):
#   1. tests: every test that needs CUDA (pytest -k cuda; STYLESYNTH_TEST_DEVICE picks the device)
#   2. bench/norm.py: every norm layer against torch, contiguous and channels_last, float32 and
#      bfloat16, forward and forward+backward
#   3. bench/clade.py: the generator with SPADE, CLADE, CLADE-ICPE and no modulation
#   4. bench/adain.py: Stylizer frames per second at 256, 512 and 1024 against the port's pipeline
#   5. bench/synthesizer.py: Synthesizer images per second at 256 and 512 against the straightforward
#      composition; bench/spade.py: the generator alone at 256 (SPADEGenerator, folded, straightforward)
# The summary (status and seconds of each step, the device) goes to gpu-<device>.md; the exit code
# is the number of failed steps.
set -uo pipefail
cd "$(dirname "$0")/.."

device=cuda
quick=0
results=""
while [ $# -gt 0 ]; do
    case "$1" in
        --device) device="$2"; shift 2 ;;
        --quick) quick=1; shift ;;
        --results) results="$2"; shift 2 ;;
        *) echo "bench/gpu.sh: unknown argument '$1'; accepted: --device cuda|cpu, --quick, --results DIR" >&2; exit 2 ;;
    esac
done
case "$device" in cuda|cpu) ;; *) echo "bench/gpu.sh: --device must be cuda or cpu, got '$device'" >&2; exit 2 ;; esac
if [ "$device" = cuda ] && ! python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    echo "bench/gpu.sh: torch sees no CUDA device; run it on a GPU machine, or check it here with --device cpu --quick" >&2
    exit 2
fi
if [ -z "$results" ]; then
    if [ "$quick" = 1 ]; then results="$(mktemp -d)"; else results=bench/results; fi
fi
mkdir -p "$results"
tag="$device$([ "$quick" = 1 ] && echo -quick)"
summary="$results/gpu-$tag.md"
failed=0
rows=()

step() {  # step NAME LIMIT_SECONDS COMMAND...: runs COMMAND under a time limit (times $scale), records status and time
    local name="$1" limit=$(($2 * scale)); shift 2
    echo "== $name ($limit s at most): $*"
    local start=$SECONDS status
    timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$results/gpu-$tag-$name.log" | tail -n 25
    status=${PIPESTATUS[0]}
    local took=$((SECONDS - start)) outcome=ok
    if [ "$status" = 124 ] || [ "$status" = 137 ]; then outcome="timed out"; elif [ "$status" != 0 ]; then outcome="failed ($status)"; fi
    [ "$outcome" = ok ] || failed=$((failed + 1))
    rows+=("| $name | $outcome | $took | \`$*\` |")
}

if [ "$quick" = 1 ]; then  # a loaded 2-core CPU: four times the limits
    scale=4; q=(--quick); sizes=(32 64); adain=(--rounds 1 --error-size 64); norm_rounds=1
    synthesizer=(--sizes 64 --semantic-nc 8 --ngf 8 --rounds 1); spade=(--quick)
else  # limits sum to 8 minutes
    scale=1; q=(); sizes=(256 512 1024); adain=(--rounds 5); norm_rounds=2
    synthesizer=(--sizes 256 512 --rounds 5); spade=(--size 256 --rounds 5)
fi

export STYLESYNTH_TEST_DEVICE="$device"
step tests 140 python -m pytest -q -p no:cacheprovider --continue-on-collection-errors tests -k cuda
step norm 120 python bench/norm.py --device "$device" --dtypes float32 bfloat16 --rounds "$norm_rounds" --min-time 0.03 \
    "${q[@]}" --out "$results/norm-$tag.md"
step clade 60 python bench/clade.py --device "$device" --rounds 3 "${q[@]}" --out "$results/spade-clade-$tag.md"
step stylizer 70 python bench/adain.py --device "$device" --sizes "${sizes[@]}" "${adain[@]}" --out "$results/adain-$tag.md"
step synthesizer 60 python bench/synthesizer.py --device "$device" "${synthesizer[@]}" --out "$results/synthesizer-$tag.md"
step generator 30 python bench/spade.py --device "$device" "${spade[@]}" --out "$results/spade-$tag.md"

{
    echo "# bench/gpu.sh on $device$([ "$quick" = 1 ] && echo ', quick check')"
    echo
    echo "Run $(date -u '+%Y-%m-%d %H:%M') UTC: $(python -c 'import torch; print("torch", torch.__version__, "|", torch.cuda.get_device_name() if torch.cuda.is_available() else "no CUDA device")')."
    echo "Each step's output is in \`gpu-$tag-<step>.log\` next to this file; its results in the files it names."
    echo
    echo "| step | outcome | seconds | command |"
    echo "|---|---|---:|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Failed or timed-out steps: $failed."
} > "$summary"
cat "$summary"
echo "results in $results"
exit "$failed"
