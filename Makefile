# probelet: quick start is `make demo` and `make test` (as root on Debian 12).
#   make deps   install the Debian packages that are missing (idempotent, quiet when complete)
#   make        build build/probelet
#   make test   deps, build, and every test through ctest
#   make demo   deps, build, and the demo
#   make demo-containerd  the demo in real containers, on a private containerd it starts and removes
#   make asan   every test again, built with AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench  bench-deps (haproxy, wrk, golang-go) and the benchmarks (bench/README.md)
#   make static-probe  a statically linked build/probelet-probe (the one-shot probe tool only)
#   make install [PREFIX=/usr/local] [DESTDIR=]  build, then install PREFIX/bin/probelet, its
#               per-container supervisor PREFIX/bin/probelet-shim and the systemd unit
#               PREFIX/lib/systemd/system/probelet.service (packaging/); nothing else

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
PREFIX     ?= /usr/local
DESTDIR    ?=
UNIT_DIR   := $(PREFIX)/lib/systemd/system

# ccache hits across clones only with these (DESIGN.md).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

DEB_PACKAGES := g++ cmake ninja-build ccache pkg-config clang libclang-rt-14-dev \
  libboost1.81-dev libssl-dev openssl libyaml-cpp-dev nlohmann-json3-dev libcli11-dev \
  libspdlog-dev libfmt-dev libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev \
  protobuf-compiler grpc-proto libgtest-dev libgmock-dev libbenchmark-dev \
  nginx apache2-utils prometheus python3-grpcio procps iproute2 curl jq clang-tidy \
  containerd runc busybox-static containernetworking-plugins libsystemd-dev chromium

# The browser test's npm packages (playwright-core, driving Debian's /usr/bin/chromium; no
# browser download), pinned by their package-lock.json and installed with `npm ci`.
BROWSER_TEST_DIR := tests/integration/browser

# What the benchmarks compare against (bench/README.md); not needed by the tests.
BENCH_PACKAGES := haproxy wrk golang-go

.PHONY: all deps bench-deps build test asan demo demo-containerd bench static-probe clean format \
  install install-files
all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if ! command -v kubectl >/dev/null 2>&1; then missing="$$missing kubernetes-client"; fi; \
	if ! command -v npm >/dev/null 2>&1; then missing="$$missing nodejs npm"; fi; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "make deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	    || { echo "make deps: apt-get install failed" >&2; exit 1; }; \
	fi
	@# npm ci again only when the lock file changed since the last install (a stamp beside it).
	@if ! cmp -s $(BROWSER_TEST_DIR)/package-lock.json $(BROWSER_TEST_DIR)/node_modules/.probelet-lock; then \
	  echo "make deps: npm ci in $(BROWSER_TEST_DIR)"; \
	  (cd $(BROWSER_TEST_DIR) && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
	    || { echo "make deps: npm ci failed" >&2; exit 1; }; \
	  cp $(BROWSER_TEST_DIR)/package-lock.json $(BROWSER_TEST_DIR)/node_modules/.probelet-lock; \
	fi

bench-deps: deps
	@missing=$$(for p in $(BENCH_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "make bench-deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	    || { echo "make bench-deps: apt-get install failed" >&2; exit 1; }; \
	fi

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_ARGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) --target probelet -j $(JOBS)

test: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DPROBELET_SANITIZE=ON -DPROBELET_BENCH=OFF \
	  -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

demo: deps build
	./examples/demo.sh $(BUILD)/probelet

demo-containerd: deps build
	./examples/demo-containerd.sh $(BUILD)/probelet

bench: bench-deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

static-probe: deps
	cmake -S . -B build-static -G Ninja -DPROBELET_STATIC_PROBE=ON -DPROBELET_TESTS=OFF \
	  -DPROBELET_BENCH=OFF $(CMAKE_ARGS)
	cmake --build build-static --target probelet-probe -j $(JOBS)
	mkdir -p $(BUILD) && cp build-static/probelet-probe $(BUILD)/probelet-probe
	@echo "built $(BUILD)/probelet-probe (static): probelet-probe http|tcp|grpc|exec ..."

# install-files copies what $(BUILD) holds, without building (tools/check_install.sh uses it).
install: build
	@$(MAKE) --no-print-directory install-files

install-files:
	install -D -m 0755 $(BUILD)/probelet $(DESTDIR)$(PREFIX)/bin/probelet
	install -D -m 0755 $(BUILD)/probelet-shim $(DESTDIR)$(PREFIX)/bin/probelet-shim
	install -d $(DESTDIR)$(UNIT_DIR)
	sed 's|/usr/local/bin/probelet|$(PREFIX)/bin/probelet|' packaging/probelet.service \
	  > $(DESTDIR)$(UNIT_DIR)/probelet.service
	chmod 0644 $(DESTDIR)$(UNIT_DIR)/probelet.service

format:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-static
