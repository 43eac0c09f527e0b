# shellcheck shell=bash
# scripts/lib/common.sh: helpers shared by scripts/* (source me after setting PROG).
# Every wait here has a deadline; processes are only ever signalled by the PIDs
# the calling script recorded in LADDER_PIDS.

LADDER_PIDS=()

die() { echo "${PROG:-ladder}: $1" >&2; exit "${2:-1}"; } # die MESSAGE [EXIT_CODE]
log() { echo "${PROG:-ladder}: $*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# is_running PID: alive and not a zombie
is_running() {
	[[ -e /proc/$1 ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# wait_pid_exit PID TIMEOUT_MS: 0 if it exited in time (and is reaped), 1 otherwise
wait_pid_exit() {
	local pid=$1 end=$(($(now_ms) + $2))
	while is_running "$pid"; do
		(($(now_ms) < end)) || return 1
		sleep 0.02
	done
	wait "$pid" 2>/dev/null || true
	return 0
}

# stop_pid PID [SIG] [TIMEOUT_MS]: signal a PID we started, wait, SIGKILL after the deadline
stop_pid() {
	local pid=$1 sig=${2:-TERM} t=${3:-5000}
	is_running "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
	kill "-$sig" "$pid" 2>/dev/null || true
	if ! wait_pid_exit "$pid" "$t"; then
		log "PID $pid still running ${t} ms after SIG$sig: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait_pid_exit "$pid" 2000 || true
	fi
}

# wait_file_contains FILE REGEX TIMEOUT_MS [PID]: poll until FILE matches; fail early if PID died
wait_file_contains() {
	local f=$1 re=$2 end=$(($(now_ms) + $3)) pid=${4:-}
	while ! grep -qE -- "$re" "$f" 2>/dev/null; do
		[[ -z $pid ]] || is_running "$pid" || return 2
		(($(now_ms) < end)) || return 1
		sleep 0.02
	done
}

# wait_listening PROTO ADDR PORT TIMEOUT_MS [PID]: poll ss until a socket is bound
wait_listening() {
	local proto=$1 addr=$2 port=$3 end=$(($(now_ms) + $4)) pid=${5:-} opt
	[[ $proto == tcp ]] && opt=-Hltn || opt=-Hlun
	addr=${addr#[}; addr=${addr%]}
	[[ $addr == *:* ]] && addr="[$addr]"
	while ! ss $opt "sport = :$port" 2>/dev/null | grep -qF "$addr:$port"; do
		[[ -z $pid ]] || is_running "$pid" || return 2
		(($(now_ms) < end)) || return 1
		sleep 0.02
	done
}

# wait_file_stable FILE QUIET_MS TIMEOUT_MS: until FILE's size has not changed for QUIET_MS
wait_file_stable() {
	local f=$1 quiet=$2 end=$(($(now_ms) + $3)) last=-1 since size
	since=$(now_ms)
	while :; do
		size=$(stat -c %s "$f" 2>/dev/null || echo 0)
		if [[ $size != "$last" ]]; then last=$size since=$(now_ms); fi
		(($(now_ms) - since >= quiet)) && return 0
		(($(now_ms) < end)) || return 1
		sleep 0.05
	done
}

need_capture_rights() {
	local tcpdump_bin
	tcpdump_bin=$(command -v tcpdump) || die "tcpdump not found (apt-get install tcpdump)" 3
	if ((EUID != 0)) && ! getcap "$tcpdump_bin" 2>/dev/null | grep -q cap_net_raw; then
		die "tcpdump needs CAP_NET_RAW: run as root (or setcap cap_net_raw,cap_net_admin+eip $tcpdump_bin)" 3
	fi
}

# capture_start IFACE OUT.pcap FILTER [extra tcpdump args...]: sets CAP_PID, CAP_ERR
# (waits, with a deadline, until tcpdump prints 'listening on'); tcpdump's stderr
# goes to CAP_ERR_FILE if set, else OUT.pcap.tcpdump.log
capture_start() {
	local ifc=$1 out=$2 filter=$3; shift 3
	CAP_ERR=${CAP_ERR_FILE:-$out.tcpdump.log}
	# Default: --immediate-mode -U. Without immediate mode libpcap (TPACKET_V3)
	# hands packets over in blocks, up to its 1 s timeout late, and the packets
	# of the last, unfinished block are lost when tcpdump is stopped early.
	# -U writes each packet to the file as it arrives.
	# CAP_BULK=1 (load runs): -U only. Immediate mode wakes tcpdump per packet
	# and at ~50k packets/s on 2 busy cores the ring overflowed (85k "dropped by
	# kernel"). The caller must then synchronise the stop with capture_marker.
	local -a mode=(--immediate-mode -U)
	[[ ${CAP_BULK:-0} == 1 ]] && mode=(-U)
	tcpdump -i "$ifc" "${mode[@]}" -n -w "$out" "$@" "$filter" 2>"$CAP_ERR" &
	CAP_PID=$!
	LADDER_PIDS+=("$CAP_PID")
	local rc=0
	wait_file_contains "$CAP_ERR" 'listening on' 5000 "$CAP_PID" || rc=$?
	if ((rc)); then
		if grep -q 'Operation not permitted' "$CAP_ERR"; then
			die "tcpdump needs CAP_NET_RAW: run as root" 3
		fi
		((rc == 2)) && die "tcpdump exited at start: $(tail -n 3 "$CAP_ERR")" 3
		die "tcpdump did not report 'listening on' within 5 s: $(tail -n 3 "$CAP_ERR")" 3
	fi
}

# capture_settle FILE: immediate mode: wait until the file has been quiet for
# 300 ms (at most 3 s), so the last packets are written before capture_stop.
capture_settle() {
	wait_file_stable "$1" 300 3000 || true
}

# capture_marker FILE HOST PORT [TIMEOUT_MS]: for bulk mode. Send a SIP OPTIONS
# with a unique Call-ID to HOST:PORT (a SIP server inside the capture filter)
# and poll the end of FILE until the Call-ID is there: everything sent before
# it has then been written too. Adds 2 packets (OPTIONS, 200) to the capture.
capture_marker() {
	local f=$1 host=$2 port=$3 t=${4:-5000} cid end
	cid="capture-end-$$-$RANDOM$RANDOM@ladder"
	SIP_PROBE_CALL_ID=$cid "$(dirname "${BASH_SOURCE[0]}")/sip-options-probe" "$host" "$port" 2 >/dev/null ||
		log "capture marker: no reply to the OPTIONS probe from $host:$port"
	end=$(($(now_ms) + t))
	while ! tail -c 65536 "$f" 2>/dev/null | grep -qaF "$cid"; do
		if (($(now_ms) >= end)); then
			log "capture marker not in $f after ${t} ms: the end of the capture may be incomplete"
			return 1
		fi
		sleep 0.05
	done
}

# capture_stop: SIGINT tcpdump, wait for it to flush and exit;
# sets CAP_CAPTURED CAP_RECEIVED CAP_DROPPED
capture_stop() {
	stop_pid "$CAP_PID" INT 10000
	CAP_CAPTURED=$(sed -n 's/^\([0-9]*\) packets\? captured.*/\1/p' "$CAP_ERR")
	CAP_DROPPED=$(sed -n 's/^\([0-9]*\) packets\? dropped by kernel.*/\1/p' "$CAP_ERR")
	CAP_RECEIVED=$(sed -n 's/^\([0-9]*\) packets\? received by filter.*/\1/p' "$CAP_ERR")
	: "${CAP_CAPTURED:=?}" "${CAP_DROPPED:=?}" "${CAP_RECEIVED:=?}"
	# Note: on lo "received by filter" counts every packet twice (the outgoing
	# copy passes the kernel filter too; libpcap drops it in user space), so it
	# cannot be compared with "captured".
}

# cleanup_pids: SIGTERM every recorded PID still running (only those), short deadline
cleanup_pids() {
	local p
	for p in "${LADDER_PIDS[@]}"; do
		is_running "$p" && kill -TERM "$p" 2>/dev/null
	done
	for p in "${LADDER_PIDS[@]}"; do
		wait_pid_exit "$p" 3000 || { kill -KILL "$p" 2>/dev/null || true; }
	done
	LADDER_PIDS=()
}
