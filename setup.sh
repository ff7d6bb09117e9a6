#!/bin/sh
# setup.sh: install hawk's build and test dependencies (Debian 12, as root) and configure build/
# and build-san/ (the sanitizer build).
set -eu

cd "$(dirname "$0")"

packages="build-essential pkg-config meson ninja-build flex bison
llvm-16-dev libzstd-dev zlib1g-dev libbpf-dev libelf-dev libdw-dev
clang-14 libclang-rt-14-dev lld
bpftrace bpftool hyperfine python3 systemtap-sdt-dev chromium"
# clang-14 + libclang-rt-14-dev: the libFuzzer target (tests/fuzz).
# lld: links hawk with its functions in run order (src/hawk.order, meson.build).
# bpftrace: its tools are the corpus test, the comparison suite's and the bench's reference;
#   hawk never runs it.
# python3: the runtime, semantic, README and comparison test runners.
# systemtap-sdt-dev: <sys/sdt.h> for the USDT probes of the listing test binary.
# chromium: the flame graph case renders hawk's SVG in a real browser (headless).
# The arm64 cross build of hawk-run (build-arm64, cross/aarch64-linux-gnu.ini): Debian's
# cross compiler and the arm64 multiarch libraries it links statically.
cross_packages="gcc-aarch64-linux-gnu libbpf-dev:arm64 libelf-dev:arm64 libdw-dev:arm64
zlib1g-dev:arm64 libbz2-dev:arm64 liblzma-dev:arm64"

missing=""
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: the arm64 architecture is not enabled; run as root" >&2
		exit 1
	fi
	dpkg --add-architecture arm64
	missing=" $cross_packages"     # apt-get update below sees the arm64 lists
fi
for p in $packages $cross_packages; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: missing packages:$missing; run as root to install them" >&2
		exit 1
	fi
	echo "setup.sh: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
fi

# Warnings fail the build in CI; set either way so a reconfigure never keeps a stale value.
werror="-Dwerror=false"
if [ "${CI:-}" = "true" ]; then
	werror="-Dwerror=true"
fi

if [ -f build/meson-private/coredata.dat ]; then
	# shellcheck disable=SC2086
	meson setup --reconfigure $werror build
else
	# shellcheck disable=SC2086
	meson setup $werror build
fi

# build-san: the same sources under ASan, UBSan and LSan (gcc's runtimes come with
# build-essential); .ci/run runs the parser, sema, output and runtime suites in it.
# -fno-sanitize-recover: a UBSan report stops the program, so a test cannot pass over it.
san="-Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all
-Dcpp_args=-fno-sanitize-recover=all"
if [ -f build-san/meson-private/coredata.dat ]; then
	# shellcheck disable=SC2086
	meson setup --reconfigure $werror $san build-san
else
	# shellcheck disable=SC2086
	meson setup $werror $san build-san
fi

# build-arm64: hawk-run alone for arm64 (-Druntime_only=true: no LLVM or front end); its one
# test checks that `file` calls it an ARM aarch64 static executable (.ci/run runs it).
if [ -f build-arm64/meson-private/coredata.dat ]; then
	# shellcheck disable=SC2086
	meson setup --reconfigure $werror build-arm64
else
	# shellcheck disable=SC2086
	meson setup $werror --cross-file cross/aarch64-linux-gnu.ini -Druntime_only=true build-arm64
fi
