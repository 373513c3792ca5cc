#!/usr/bin/env bash
# Install, configure and start a single-node SLURM cluster on localhost
# (Debian's slurm-wlm + munge, no systemd, no cgroups), then verify it with a
# 4-task array job.
#
# Idempotent: safe to re-run. If the daemons are already up with the same
# configuration, it only re-verifies.
#
# Never fails CI because SLURM is missing: when SLURM cannot be installed,
# started or verified it prints one line `SLURM unavailable: <reason>` to
# stderr, writes the reason to /tmp/proxima-slurm-unavailable and exits 0
# (exit 1 instead if SLURM_SETUP_STRICT=1). On success it removes that file
# and prints `SLURM ready: <sinfo summary>` to stdout.
#
# Logs of the daemons: /var/log/slurm/slurmctld.log, /var/log/slurm/slurmd.log,
# /var/log/munge/munged.log; finished jobs are appended to
# /var/log/slurm/jobcomp.log (there is no accounting database, so no sacct).
# Stop everything with .ci/slurm-teardown.sh.
set -uo pipefail

UNAVAILABLE_FILE=/tmp/proxima-slurm-unavailable
SLURM_CONF_DIR=/etc/slurm
SLURM_CONF=$SLURM_CONF_DIR/slurm.conf
NODE=localhost
PARTITION=debug
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGED_PID=/run/munge/munged.pid
T0=$SECONDS

log() { echo "slurm-setup: $*" >&2; }

unavailable() {
    local reason="$*"
    printf '%s\n' "$reason" >"$UNAVAILABLE_FILE" 2>/dev/null || true
    echo "SLURM unavailable: $reason" >&2
    if [ "${SLURM_SETUP_STRICT:-0}" = 1 ]; then exit 1; fi
    exit 0
}

# Print the tail of the daemon logs to stderr (for diagnosing a failure).
show_logs() {
    local f
    for f in /var/log/munge/munged.log /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log; do
        if [ -s "$f" ]; then
            log "---- last lines of $f ----"
            tail -n 15 "$f" >&2
        fi
    done
}

# pid_alive PIDFILE: the process named in PIDFILE exists.
pid_alive() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# stop_pidfile PIDFILE: TERM the process in PIDFILE and wait for it to go.
stop_pidfile() {
    local pid i
    pid_alive "$1" || { rm -f "$1"; return 0; }
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    rm -f "$1"
}

# Start a daemon fully detached from our stdio, so that whoever runs this
# script through a pipe (CI) is not kept waiting for EOF by the daemon.
detach() { setsid "$@" </dev/null >/dev/null 2>&1; }

node_state() { sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n 1; }

# ---------------------------------------------------------------- preflight
[ "$(id -u)" = 0 ] || unavailable "not running as root (uid $(id -u))"
command -v apt-get >/dev/null 2>&1 || [ -x /usr/sbin/slurmctld ] ||
    unavailable "no apt-get on this machine and slurm not installed"

# ---------------------------------------------------------------- install
PKGS=(slurm-wlm munge)
# Binaries we need; if all are there we do not touch apt at all.
need_install=0
for b in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/bin/sbatch /usr/bin/sinfo \
         /usr/bin/scontrol /usr/sbin/munged /usr/bin/munge /usr/bin/unmunge; do
    [ -x "$b" ] || need_install=1
done

if [ "$need_install" = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    APT_OPTS=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
    # Keep package scripts from trying to start services (no systemd here):
    # a policy-rc.d that says 101 = "action forbidden". Docker-style images
    # already have one; only add (and later remove) ours if there is none.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
    fi
    trap '[ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT

    # apt-get update only when the package lists do not know slurm-wlm.
    cand=$(apt-cache policy slurm-wlm 2>/dev/null | awk '/Candidate:/ {print $2}')
    updated=0
    if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
        log "package lists do not know slurm-wlm: apt-get update"
        timeout 600 apt-get -q update >&2 || unavailable "apt-get update failed (no network?)"
        updated=1
    fi
    log "installing ${PKGS[*]} (apt)"
    if ! timeout 1200 apt-get install "${APT_OPTS[@]}" "${PKGS[@]}" >&2; then
        # Stale lists give 404s: refresh once and retry.
        if [ "$updated" = 0 ]; then
            log "install failed; apt-get update and retry"
            timeout 600 apt-get -q update >&2 || unavailable "apt-get update failed (no network?)"
            timeout 1200 apt-get install "${APT_OPTS[@]}" "${PKGS[@]}" >&2 ||
                unavailable "apt-get install ${PKGS[*]} failed"
        else
            unavailable "apt-get install ${PKGS[*]} failed"
        fi
    fi
    [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    trap - EXIT
fi
for b in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/bin/sbatch /usr/sbin/munged; do
    [ -x "$b" ] || unavailable "$b missing after install"
done

# ---------------------------------------------------------------- munge
getent passwd munge >/dev/null || unavailable "user munge missing (munge package broken?)"
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    log "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null 2>&1; then
        mungekey --create --keyfile=/etc/munge/munge.key --force >&2 ||
            unavailable "mungekey failed"
    else
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none ||
            unavailable "cannot create munge key"
    fi
fi
chown munge:munge /etc/munge /etc/munge/munge.key /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0400 /etc/munge/munge.key
chmod 0755 /run/munge

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
    stop_pidfile "$MUNGED_PID"
    log "starting munged"
    detach runuser -u munge -- /usr/sbin/munged
    for i in $(seq 1 50); do munge_ok && break; sleep 0.1; done
    if ! munge_ok; then
        # --force: run even if munged dislikes directory permissions or
        # finds a stale socket (both happen in containers).
        log "munged did not come up; retrying with --force"
        stop_pidfile "$MUNGED_PID"
        detach runuser -u munge -- /usr/sbin/munged --force
        for i in $(seq 1 50); do munge_ok && break; sleep 0.1; done
    fi
    munge_ok || { show_logs; unavailable "munged does not start (see /var/log/munge/munged.log)"; }
fi

# ---------------------------------------------------------------- slurm.conf
# Hardware as slurmd sees it; fall back on nproc/free if `slurmd -C` fails.
hw=$(slurmd -C 2>/dev/null | head -n 1)
get() { printf '%s\n' "$hw" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
cpus=$(get CPUs); boards=$(get Boards); sockets=$(get SocketsPerBoard)
cores=$(get CoresPerSocket); threads=$(get ThreadsPerCore); mem=$(get RealMemory)
if [ -z "$cpus" ] || [ -z "$sockets" ] || [ -z "$cores" ] || [ -z "$threads" ]; then
    log "slurmd -C gave no usable topology ('$hw'); using nproc"
    cpus=$(nproc); boards=1; sockets=1; cores=$cpus; threads=1
fi
[ -n "$boards" ] || boards=1
[ -n "$mem" ] || mem=$(free -m | awk '/^Mem:/ {print $2}')
# A little under the real size, so the node is never drained for
# "Low RealMemory" if the kernel reports a few MB less later.
mem=$(( mem * 95 / 100 ))

mkdir -p "$SLURM_CONF_DIR" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
new_conf=$(cat <<EOF
# Written by .ci/slurm-setup.sh: single-node cluster on localhost, no cgroups.
ClusterName=proxima
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MinJobAge=600
MaxArraySize=100001
MaxJobCount=200000
SlurmctldTimeout=60
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
Waittime=0
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
)

conf_changed=0
if [ ! -f "$SLURM_CONF" ] || [ "$(cat "$SLURM_CONF")" != "$new_conf" ]; then
    printf '%s\n' "$new_conf" >"$SLURM_CONF" || unavailable "cannot write $SLURM_CONF"
    chmod 644 "$SLURM_CONF"
    conf_changed=1
    log "wrote $SLURM_CONF (CPUs=$cpus RealMemory=$mem)"
fi

# ---------------------------------------------------------------- daemons
ctld_ok() { pid_alive "$CTLD_PID" && scontrol ping 2>/dev/null | grep -q 'is UP'; }

if [ "$conf_changed" = 1 ]; then
    # New configuration: restart whatever was running with the old one.
    stop_pidfile "$SLURMD_PID"
    stop_pidfile "$CTLD_PID"
fi

if ! ctld_ok; then
    stop_pidfile "$CTLD_PID"
    log "starting slurmctld"
    detach /usr/sbin/slurmctld
    for i in $(seq 1 100); do ctld_ok && break; sleep 0.2; done
    ctld_ok || { show_logs; unavailable "slurmctld does not start (see /var/log/slurm/slurmctld.log)"; }
fi

if ! pid_alive "$SLURMD_PID"; then
    log "starting slurmd -N $NODE"
    detach /usr/sbin/slurmd -N "$NODE"
    for i in $(seq 1 50); do pid_alive "$SLURMD_PID" && break; sleep 0.2; done
    pid_alive "$SLURMD_PID" || { show_logs; unavailable "slurmd does not start (see /var/log/slurm/slurmd.log)"; }
fi

# Wait for the node to register; resume it if it comes up down/drained.
state=""
resumed=0
for i in $(seq 1 120); do
    state=$(node_state)
    case "$state" in
        idle|mixed|allocated|completing) break ;;
        down|down\*|drained|drained\*|draining|drain|fail|failing)
            if [ "$resumed" -lt 3 ] && [ $((i % 5)) = 1 ]; then
                log "node $NODE is '$state' ($(sinfo -h -R -n "$NODE" -o '%E' 2>/dev/null)); resuming"
                scontrol update nodename="$NODE" state=resume >&2 || true
                resumed=$((resumed + 1))
            fi ;;
    esac
    sleep 0.5
done
case "$state" in
    idle|mixed|allocated|completing) ;;
    *) show_logs; unavailable "node $NODE stays in state '${state:-none}'" ;;
esac

# ---------------------------------------------------------------- verify
work=$(mktemp -d /tmp/proxima-slurm-check.XXXXXX) || unavailable "mktemp failed"
cat >"$work/task.sh" <<'EOF'
#!/bin/bash
echo "id=$SLURM_ARRAY_TASK_ID count=$SLURM_ARRAY_TASK_COUNT job=$SLURM_ARRAY_JOB_ID" >"task-$SLURM_ARRAY_TASK_ID.out"
EOF
log "verifying with a 4-task array job in $work"
jobid=$(cd "$work" && timeout 300 sbatch --parsable --wait --array=0-3 \
        --job-name=proxima-slurm-check --time=5 --ntasks=1 --cpus-per-task=1 \
        --output="$work/slurm-%A_%a.log" task.sh)
rc=$?
if [ "$rc" != 0 ]; then
    scontrol show job "${jobid%%;*}" >&2 2>/dev/null || true
    [ -n "$jobid" ] && scancel "${jobid%%;*}" 2>/dev/null
    show_logs
    unavailable "verification array job ${jobid:-?} failed (sbatch --wait exit $rc)"
fi
for t in 0 1 2 3; do
    line=$(cat "$work/task-$t.out" 2>/dev/null)
    [ "$line" = "id=$t count=4 job=${jobid%%;*}" ] ||
        unavailable "verification array task $t wrote '$line'"
done
rm -rf "$work"

rm -f "$UNAVAILABLE_FILE"
summary=$(sinfo -h -o '%P %a %D %T %c cpus %N' | tr '\n' ' ')
echo "SLURM ready: ${summary% } (slurm $(sinfo -V 2>/dev/null | awk '{print $2}'), setup+check took $((SECONDS - T0))s)"
