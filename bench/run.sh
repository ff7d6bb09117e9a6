#!/bin/sh
# bench/run.sh: hawk next to bpftrace in one run (startup, per-event overhead, lossless printf rate, code size).
# Usage: bench/run.sh [build/hawk] [--quick] [--help]; the measuring is in bench/run.py.
exec python3 "$(dirname "$0")/run.py" "$@"
