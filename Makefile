# Ember. `make run` starts the REPL from source, `make test` runs the whole suite.
# Both bootstrap everything on a fresh machine: the pinned Bun (through npm), the locked
# dependencies, and the Debian packages the tests need.

BUN_VERSION := 1.4.5
TOOLS := .tools
BUN := $(CURDIR)/$(TOOLS)/node_modules/.bin/bun
export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(CURDIR)/node_modules/.bin:$(PATH)

# make run ARGS="status --json" passes arguments to the CLI; MODEL=path sets LLAMA_CPP_MODEL.
ARGS ?=
ifdef MODEL
export LLAMA_CPP_MODEL := $(abspath $(MODEL))
endif
# A checkout keeps its vault beside the code unless VAULT_DIR says otherwise.
export VAULT_DIR ?= $(CURDIR)/vault

.PHONY: run repl test typecheck lint unit logs clean deps test-deps build build-arm64 release overlay image bench

run: deps
	@$(BUN) src/main.ts $(ARGS)

repl: run

test: deps test-deps typecheck lint unit

typecheck: deps
	$(BUN) x tsc --noEmit -p .

lint: deps
	$(BUN) x biome check .

unit: deps
	$(BUN) test --timeout 60000

logs: deps
	@$(BUN) src/main.ts logs -f

deps: $(BUN) node_modules/.bun-installed

$(BUN):
	npm install --no-save --no-audit --no-fund --loglevel=error --prefix $(TOOLS) bun@$(BUN_VERSION)
	@$(BUN) --version >/dev/null

# --silent: bun would end with "Blocked 1 postinstall", which is on purpose. node-llama-cpp's
# postinstall only downloads or builds llama.cpp when no prebuilt binary fits; the prebuilt ones
# come as its @node-llama-cpp/* packages, and package.json trusts no install script.
node_modules/.bun-installed: package.json bun.lock $(BUN)
	@echo "bun install --frozen-lockfile (node-llama-cpp's postinstall stays blocked on purpose: its prebuilt llama.cpp comes as packages)"
	@$(BUN) install --frozen-lockfile --silent
	@touch $@

test-deps:
	@sh scripts/install-test-deps.sh

# Single-file executables (node-llama-cpp and its addon inside); each build prints its size.
build: deps
	$(BUN) scripts/build.ts --target linux-x64

build-arm64: deps
	$(BUN) scripts/build.ts --target linux-arm64-musl --target linux-arm64

# make bench [QUICK=1] [THREADS=N]: Ember's figures side by side, a Markdown table on stdout and
# bench/results.json (docs/PERFORMANCE.md). QUICK=1: a tiny model and small sizes, under 2 minutes.
bench: deps
	@$(BUN) scripts/bench.ts $(if $(QUICK),--quick) $(if $(THREADS),--threads $(THREADS))

# make release VERSION=x.y.z KEY=path/to.key: every target, then a signed channel in dist/release/.
release: deps
	@test -n "$(VERSION)" -a -n "$(KEY)" || { echo "usage: make release VERSION=x.y.z KEY=path/to.key" >&2; exit 2; }
	$(BUN) scripts/build.ts --version $(VERSION)
	$(BUN) scripts/release.ts --version $(VERSION) --key $(KEY)

# dist/ember.apkovl.tar.gz for diskless Alpine on a Pi (options: see alpine/build-overlay.sh).
overlay:
	sh alpine/build-overlay.sh

# make image ALPINE_TARBALL=PATH_OR_URL [ALPINE_SHA256=...] [MODEL=path.gguf] [EMBER_BINARY=path] [VERSION=x.y.z]
EMBER_BINARY ?= dist/ember-linux-arm64-musl
image: $(EMBER_BINARY)
	ALPINE_TARBALL="$(ALPINE_TARBALL)" ALPINE_SHA256="$(ALPINE_SHA256)" MODEL="$(MODEL)" \
		EMBER_BINARY="$(EMBER_BINARY)" sh alpine/build-image.sh

# Always rebuilt (3 s): an image never ships a stale binary. VERSION=x.y.z as for make release.
dist/ember-linux-arm64-musl: deps
	$(BUN) scripts/build.ts --target linux-arm64-musl $(if $(VERSION),--version $(VERSION))

clean:
	rm -rf dist node_modules $(TOOLS) .cache
