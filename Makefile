# The two commands of README.md.
#   make run   — the station (a window where there is a display, else the headless demo)
#   make test  — install, start services, fmt + clippy + every test, stop services

export CARGO_TARGET_DIR ?= /var/cache/rekam/target

.PHONY: run test

run:
	scripts/bootstrap
	scripts/services start
	cargo run --locked -p station-ui --bin rekam

test:
	scripts/test
