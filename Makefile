# akimport — everything a fresh clone needs, with only Go installed.
SHELL     := bash
GO        ?= go
BIN       := bin
PKGS      := ./...
TOKEN     ?= demo-token-not-secret
FUZZTIME  ?= 60s
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
# -buildvcs=auto stamps the commit for `akimport version` even where GOFLAGS turns it off.
BUILDFLAGS := -buildvcs=auto -trimpath -ldflags '$(LDFLAGS)'

.PHONY: all build test race vet fmt demo bench fuzz install clean

all: build

build:
	$(GO) build $(BUILDFLAGS) -o $(BIN)/ ./cmd/akimport ./cmd/aksim

vet:
	$(GO) vet $(PKGS)

## test: go vet and every test with the race detector (what CI runs)
test: vet
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

## demo: build, start the simulator on a free local port, import samples/users.csv, show the report,
## then dry-run an Excel CSV, a workbook and a legacy export with its mapping file
demo: build
	@set -euo pipefail; tmp=$$(mktemp -d); : >$$tmp/aksim.out; \
	$(BIN)/aksim --listen 127.0.0.1:0 --token $(TOKEN) --groups samples/groups.json \
	  --latency 20ms --capacity 8 >$$tmp/aksim.out 2>$$tmp/aksim.err & pid=$$!; \
	trap 'kill $$pid 2>/dev/null || true; wait $$pid 2>/dev/null || true; rm -rf $$tmp' EXIT; \
	url=""; for i in $$(seq 100); do \
	  url=$$(sed -n 's/^aksim listening on //p' $$tmp/aksim.out); [ -n "$$url" ] && break; sleep 0.1; done; \
	[ -n "$$url" ] || { echo "aksim did not start:"; cat $$tmp/aksim.err; exit 1; }; \
	export AUTHENTIK_URL=$$url AUTHENTIK_TOKEN=$(TOKEN); \
	echo "== simulator: $$url"; \
	echo; echo "== 1. check samples/invalid.csv without sending anything (--dry-run): every row is refused, with authentik's words"; \
	$(BIN)/akimport import --dry-run --progress never --report $$tmp/invalid-report.csv samples/invalid.csv || echo "(exit $$? as expected: some rows are invalid)"; \
	cut -c1-160 $$tmp/invalid-report.csv; \
	echo; echo "== 2. import samples/users.csv"; \
	$(BIN)/akimport import --rate 50 --report $$tmp/report.csv samples/users.csv; \
	echo; echo "== report:"; cat $$tmp/report.csv; \
	echo; echo "== 3. the same file again with --on-existing skip: nothing is created twice"; \
	$(BIN)/akimport import --on-existing skip --rate 50 --progress never --report - samples/users.csv | cut -d, -f1-7; \
	echo; echo "== 4. files as admins make them, dry runs against the simulator (nothing is changed); each ends with its plan"; \
	n=0; for args in "--encoding windows-1252 samples/european.csv" "samples/users.xlsx" \
	    "--on-existing update --mapping samples/mapping.yaml samples/legacy.csv"; do \
	  n=$$((n+1)); echo "\$$ akimport import --dry-run $$args"; \
	  $(BIN)/akimport import --dry-run --rate 0 --progress never --report $$tmp/dry-$$n.csv $$args 2>$$tmp/dry.err \
	    || { cat $$tmp/dry.err; exit 1; }; \
	  echo "   $$(tail -n1 $$tmp/dry.err)"; \
	done

## bench: throughput, rate accuracy, memory and dry-run speed figures with their ratios (BENCHFLAGS="--quick --out FILE")
bench: build
	$(GO) run ./cmd/akbench --bin $(BIN)/akimport $(BENCHFLAGS)

## fuzz: each fuzz target for $(FUZZTIME) (not part of make test)
fuzz:
	@set -e; for pkg in ./mapping ./report; do \
	  list=$$($(GO) test -list '^Fuzz' $$pkg) || { echo "$$list"; exit 1; }; \
	  for target in $$(echo "$$list" | grep '^Fuzz' || true); do \
	    echo "== $$target ($$pkg, $(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## install: what users run (not the benchmark, cmd/akbench)
install:
	$(GO) install $(BUILDFLAGS) ./cmd/akimport ./cmd/aksim

clean:
	rm -rf $(BIN) akimport-report.csv
