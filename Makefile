# Convenience aliases; the scripts do the work (and the set-up) themselves.
.PHONY: run test model bench

run:
	scripts/run-default.sh

test:
	scripts/test.sh

model:
	scripts/fetch-model.sh

bench:
	scripts/setup.sh && .venv/bin/python benchmarks/bench_analyzers.py
