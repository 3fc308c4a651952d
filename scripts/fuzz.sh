#!/usr/bin/env bash
# Runs each cargo-fuzz (libFuzzer) target in fuzz/ for a bounded time: 60 s each by default.
# Not part of CI. Usage: scripts/fuzz.sh [target…]   (targets: `cargo fuzz list`)
# Knobs: FUZZ_SECONDS (per target, default 60), FUZZ_SANITIZER (none | address, default none:
# the code is safe Rust, so ASan adds little but halves the speed), FUZZ_JOBS (parallel
# processes per target, default 1).
# Crashes are saved under fuzz/artifacts/<target>/ (reproduce: cargo fuzz run <target> <file>);
# the corpus grows in fuzz/corpus/<target>/ (both ignored by git); fuzz/seeds/<target>/ holds
# committed starting inputs.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS="${FUZZ_SECONDS:-60}"
SAN="${FUZZ_SANITIZER:-none}"
JOBS="${FUZZ_JOBS:-1}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz…"
  cargo install cargo-fuzz --locked
fi
# cargo-fuzz passes nightly-only flags (-Z, sanitizer coverage); on the stable toolchain
# RUSTC_BOOTSTRAP=1 lets the stable compiler accept them.
if ! rustc --version | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
fi

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

# -a: debug assertions (and so overflow checks) on, as in tests.
cargo fuzz build -s "$SAN" -a

declare -A result
failed=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  dirs=("fuzz/corpus/$t")
  [[ -d "fuzz/seeds/$t" ]] && dirs+=("fuzz/seeds/$t")
  echo "=== $t: ${SECS}s"
  log="fuzz/artifacts/$t.log"
  mkdir -p fuzz/artifacts
  if cargo fuzz run -s "$SAN" -a "$t" "${dirs[@]}" -- \
      -max_total_time="$SECS" -rss_limit_mb=4096 -max_len=8192 -timeout=10 \
      -jobs="$JOBS" -workers="$JOBS" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
    result[$t]="ok: ${runs} runs, coverage ${cov:-?}"
  else
    result[$t]="FAILED (see $log and fuzz/artifacts/$t/)"
    failed=1
    grep -m 5 -E "panicked|ERROR|SUMMARY" "$log" || true
  fi
  echo "    ${result[$t]}"
done

echo
echo "summary (${SECS}s per target):"
for t in "${targets[@]}"; do
  printf '  %-14s %s\n' "$t" "${result[$t]}"
done
exit "$failed"
