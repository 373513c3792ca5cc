#!/usr/bin/env bash
# Stop the single-node SLURM cluster started by .ci/slurm-setup.sh:
# cancel our jobs, then stop slurmd, slurmctld and munged by their pid files.
# Leaves packages, configuration and logs in place (re-running
# slurm-setup.sh starts everything again in a few seconds).
# Never fails: always exits 0.
set -u

stop_pidfile() {
    local pid i
    [ -s "$1" ] || return 0
    pid=$(cat "$1" 2>/dev/null)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "slurm-teardown: stopping $2 (pid $pid)" >&2
        kill "$pid" 2>/dev/null
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$1"
}

if command -v scancel >/dev/null 2>&1 && [ -s /run/slurmctld.pid ]; then
    timeout 10 scancel --user="$(id -un)" 2>/dev/null || true
fi
stop_pidfile /run/slurmd.pid slurmd
stop_pidfile /run/slurmctld.pid slurmctld
stop_pidfile /run/munge/munged.pid munged
exit 0
