# shellcheck shell=bash
# scripts/lib/kamailio.sh: start/stop a private Kamailio for tests (source me).
#
#   source scripts/lib/kamailio.sh
#   kam_start CFG RUNDIR [NAME=VALUE | -A DEFINE]...   # NAME=VALUE -> --substdef '!NAME!VALUE!g'
#   ... use $KAM_ADDR $KAM_PORT $KAM_PID $KAM_LOG $KAM_CTL ...
#   kam_stop
#
# kam_start picks a free UDP+TCP port unless LISTEN_PORT=... is given
# (LISTEN_ADDR defaults to 127.0.0.1; use LISTEN_ADDR=[::1] for IPv6), starts
# kamailio in the foreground mode (-DD -E) in the background with private
# -Y/-P/-w RUNDIR, waits until it answers an OPTIONS probe (deadline
# KAM_READY_TIMEOUT, default 5 s) and exports KAM_PID KAM_PORT KAM_ADDR
# KAM_LOG (stderr log) KAM_CTL (binrpc socket, for kamcmd -s "$KAM_CTL").
# Memory: KAM_SHM_MB (default 64, -m) and KAM_PKG_MB (default 8, -M);
# KAM_MEMMGR (-x: qm, fm or tlsf; default: Kamailio's own choice); KAM_PKG_MEMMGR (-X, the
# same for private memory).
# Call kam_start in the current shell, not in $(...), or KAM_PID is lost.
# kam_stop sends SIGTERM to KAM_PID (and only to the processes it forked),
# waits up to KAM_STOP_TIMEOUT (default 5 s), then SIGKILLs those PIDs.

_KAM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAM_MODULES_DIR=${KAM_MODULES_DIR:-/usr/lib/x86_64-linux-gnu/kamailio/modules}

_kam_err() { echo "kamailio.sh: $*" >&2; }


kam_start() {
	if (($# < 2)); then
		_kam_err "usage: kam_start CFG RUNDIR [NAME=VALUE | -A DEFINE]..."
		return 2
	fi
	local cfg=$1 rundir=$2; shift 2
	local addr="127.0.0.1" port="" a name val
	local -a extra=() subst=()
	command -v kamailio >/dev/null || { _kam_err "kamailio not found (apt-get install kamailio)"; return 3; }
	[[ -r $cfg ]] || { _kam_err "config not readable: $cfg"; return 2; }
	if [[ -n ${KAM_PID:-} ]] && kill -0 "$KAM_PID" 2>/dev/null; then
		_kam_err "a Kamailio started here is still running (PID $KAM_PID): kam_stop first"
		return 2
	fi
	mkdir -p "$rundir" || { _kam_err "cannot create $rundir"; return 3; }
	rundir=$(cd "$rundir" && pwd)
	cfg=$(cd "$(dirname "$cfg")" && pwd)/$(basename "$cfg")
	while (($#)); do
		a=$1; shift
		case $a in
		-A)
			(($#)) || { _kam_err "-A needs a define name"; return 2; }
			extra+=(-A "$1"); shift ;;
		*=*)
			name=${a%%=*} val=${a#*=}
			case $name in
			LISTEN_ADDR) addr=$val ;;
			LISTEN_PORT) port=$val ;;
			*) subst+=(--substdef "!$name!$val!g") ;;
			esac ;;
		*) _kam_err "bad argument '$a' (want NAME=VALUE or -A DEFINE)"; return 2 ;;
		esac
	done
	if [[ -z $port ]]; then
		port=$("$_KAM_LIB_DIR/freeport" "$addr") || { _kam_err "no free port on $addr"; return 3; }
	fi
	subst+=(--substdef "!LISTEN_ADDR!$addr!g" --substdef "!LISTEN_PORT!$port!g"
		--substdef "!RUN_DIR!$rundir!g")
	KAM_LOG=$rundir/kamailio.log
	KAM_CTL=unix:$rundir/kamailio_ctl
	rm -f "$rundir/kamailio_ctl" "$rundir/kamailio.pid"
	kamailio -f "$cfg" -L "$KAM_MODULES_DIR" -Y "$rundir" -P "$rundir/kamailio.pid" -w "$rundir" \
		-DD -E -m "${KAM_SHM_MB:-64}" -M "${KAM_PKG_MB:-8}" ${KAM_MEMMGR:+-x "$KAM_MEMMGR"} \
		${KAM_PKG_MEMMGR:+-X "$KAM_PKG_MEMMGR"} \
		"${subst[@]}" "${extra[@]}" \
		</dev/null >"$KAM_LOG" 2>&1 &
	KAM_PID=$!
	KAM_ADDR=$addr KAM_PORT=$port
	export KAM_PID KAM_ADDR KAM_PORT KAM_LOG KAM_CTL
	# readiness: an OPTIONS probe answered, with a deadline
	local timeout=${KAM_READY_TIMEOUT:-5}
	local t_end=$(($(date +%s%N) / 1000000 + timeout * 1000))
	while :; do
		if ! kill -0 "$KAM_PID" 2>/dev/null; then
			wait "$KAM_PID" 2>/dev/null || true
			_kam_err "kamailio exited during start (port $addr:$port busy or config error); log $KAM_LOG:"
			tail -n 15 "$KAM_LOG" >&2
			unset KAM_PID
			return 3
		fi
		if "$_KAM_LIB_DIR/sip-options-probe" "$addr" "$port" 0.3 >/dev/null 2>&1; then
			return 0
		fi
		if (($(date +%s%N) / 1000000 >= t_end)); then
			_kam_err "kamailio (PID $KAM_PID) did not answer OPTIONS on $addr:$port within ${timeout}s; log $KAM_LOG"
			kam_stop
			return 3
		fi
	done
}

kam_stop() {
	[[ -n ${KAM_PID:-} ]] || return 0
	local pid=$KAM_PID kids
	# the workers Kamailio forked (children of the PID we started)
	kids=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr -s ' \n' ' ') || true
	kill -TERM "$pid" 2>/dev/null || true
	local timeout=${KAM_STOP_TIMEOUT:-5}
	local t_end=$(($(date +%s%N) / 1000000 + timeout * 1000)) p left
	while :; do
		left=0
		for p in $pid $kids; do
			if [[ -e /proc/$p ]] && [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) != Z ]]; then
				left=1
			fi
		done
		((left)) || break
		if (($(date +%s%N) / 1000000 >= t_end)); then
			_kam_err "kamailio PID $pid did not exit within ${timeout}s after SIGTERM: SIGKILL"
			# shellcheck disable=SC2086
			kill -KILL $pid $kids 2>/dev/null || true
			break
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null || true
	unset KAM_PID
}
