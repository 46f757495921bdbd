#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of the parsers that read untrusted bytes.
#
# Usage: scripts/fuzz.sh TARGET [RUNS]      TARGET: gguf | dequantize | tokenizer | all
#        scripts/fuzz.sh --seeds            rewrite the generated seeds in Fuzz/corpus/*/seed-*
#
# Builds the Fuzz/ package (release, -sanitize=address, SanitizerCoverage inline 8-bit counters +
# PC table + comparison tracing, linked with libclang_rt.fuzzer_no_main), then runs each target
# for RUNS executions (default 1000000; FUZZ_SECONDS=N stops after N seconds instead). The
# committed corpus Fuzz/corpus/TARGET is read, never written; new interesting inputs go to a
# temporary directory and, with FUZZ_MERGE=1, are merged (minimised by coverage) into the corpus.
# A crash, leak, timeout (> 10 s per input) or out-of-memory (> 2 GiB) stops the run, leaves the
# reproducer in Fuzz/artifacts/ and exits non-zero. Reproduce one with
#   Fuzz/.build/release/fuzz-TARGET Fuzz/artifacts/crash-...
# The tokenizer target also loads llama.cpp's vocabularies from Tests/Fixtures/ggml-vocab
# (scripts/fetch-vocab-tests.sh) when present.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "fuzz: error: $*" >&2; exit 1; }

targets=(gguf dequantize tokenizer)
target="${1:-}"
runs="${2:-1000000}"
[[ -n "$target" ]] || die "usage: scripts/fuzz.sh gguf|dequantize|tokenizer|all|--seeds [RUNS]"
[[ "$runs" =~ ^[0-9]+$ ]] || die "RUNS must be a whole number, got '$runs'"

swiftc_path="$(readlink -f "$(command -v swiftc)")" || die "swiftc not found"
runtime_dir="$(ls -d "$(dirname "$(dirname "$swiftc_path")")"/lib/clang/*/lib/linux 2>/dev/null | head -1)"
fuzzer_lib="${runtime_dir}/libclang_rt.fuzzer_no_main-x86_64.a"
[[ -f "$fuzzer_lib" ]] || die "libFuzzer (libclang_rt.fuzzer_no_main) not found next to $swiftc_path"

echo "fuzz: building Fuzz/ (release, AddressSanitizer, SanitizerCoverage)" >&2
(cd Fuzz && nice -n 5 swift build -c release \
    -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xlinker "$fuzzer_lib" -Xlinker -lstdc++ 2>&1 | grep -v "Cannot export local symbol" >&2) \
    || die "build failed"
bin="Fuzz/.build/release"
# Swift's crash backtracer would itself trip AddressSanitizer; libFuzzer prints the stack.
export SWIFT_BACKTRACE=enable=no
# malloc_context_size=2 keeps allocation stacks short (about 15 % more executions per second);
# rerun a reproducer with ASAN_OPTIONS=malloc_context_size=30 for full allocation stacks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:malloc_context_size=2}"

if [[ "$target" == "--seeds" ]]; then
    for name in "${targets[@]}"; do
        rm -f Fuzz/corpus/"$name"/seed-*
        "$bin/fuzz-$name" -write-seeds=Fuzz/corpus/"$name"
    done
    exit 0
fi
[[ "$target" == all ]] && selected=("${targets[@]}") || selected=("$target")

mkdir -p Fuzz/artifacts
status=0
for name in "${selected[@]}"; do
    [[ " ${targets[*]} " == *" $name "* ]] || die "unknown target '$name': gguf, dequantize, tokenizer or all"
    work="$(mktemp -d "${TMPDIR:-/tmp}/ropescope-fuzz-$name.XXXXXX")"
    mkdir -p "$work/new"
    # Text inputs stay short so the tokenizer target reaches millions of executions.
    max_len=65536
    [[ "$name" == tokenizer ]] && max_len=4096
    limit=(-runs="$runs")
    [[ -n "${FUZZ_SECONDS:-}" ]] && limit=(-max_total_time="$FUZZ_SECONDS")
    echo "fuzz: $name (${limit[*]})" >&2
    log="$work/log"
    if nice -n 5 "$bin/fuzz-$name" "$work/new" Fuzz/corpus/"$name" "${limit[@]}" \
        -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=Fuzz/artifacts/"$name"- > "$log" 2>&1 < /dev/null; then
        done_line="$(grep -E '^Done [0-9]+ runs' "$log" | tail -1)"
        echo "fuzz: $name: ${done_line:-finished}; no crash, leak, timeout or OOM" >&2
        if [[ "${FUZZ_MERGE:-0}" == 1 && -n "$(ls -A "$work/new" 2>/dev/null)" ]]; then
            "$bin/fuzz-$name" -merge=1 Fuzz/corpus/"$name" "$work/new" >> "$log" 2>&1
            echo "fuzz: $name: merged new coverage into Fuzz/corpus/$name" >&2
        fi
    else
        status=1
        grep -E "ERROR|SUMMARY|invariant|Fatal error|Test unit written" "$log" | head -20 >&2
        echo "fuzz: $name FAILED; log kept at $log" >&2
        continue
    fi
    rm -rf "$work"
done
exit $status
