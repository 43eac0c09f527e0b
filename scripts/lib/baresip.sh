# shellcheck shell=bash
# scripts/lib/baresip.sh: start/stop baresip 1.0 as the stand-in handset (source me).
#
#   source scripts/lib/baresip.sh
#   bar_start RUNDIR USER DOMAIN PROXY_ADDR:PORT   # config from testbeds/baresip/*.in
#   ... use $BAR_PID $BAR_SIP (addr:port) $BAR_CTRL (ctrl_tcp addr:port) $BAR_LOG ...
#   bar_stop
#
# The config dir is RUNDIR (filled from testbeds/baresip/config.in and accounts.in, free ports
# from scripts/lib/freeport). Ready when ctrl_tcp accepts and baresip's `reginfo` says the
# REGISTER got its 200 (deadline BAR_READY_TIMEOUT, default 5 s); the probing connection is
# closed again (ctrl_tcp serves one client at a time). bar_stop signals BAR_PID only.
# Same steps as harness/engine/testing/baresip_process.cpp, for scripts.

_BAR_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_BAR_SRC=$(cd "$_BAR_LIB_DIR/../../testbeds/baresip" && pwd)

_bar_err() { echo "baresip.sh: $*" >&2; }

# _bar_reginfo ADDR PORT: baresip's answer to `reginfo` on ctrl_tcp, or nothing
_bar_reginfo() {
	local cmd='{"command":"reginfo","token":"probe"}' out=""
	{ exec 7<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
	printf '%d:%s,' "${#cmd}" "$cmd" >&7
	IFS= read -r -t 0.5 -d '' out <&7 || true
	exec 7>&-
	printf '%s' "$out"
}

bar_start() {
	if (($# != 4)); then
		_bar_err "usage: bar_start RUNDIR USER DOMAIN PROXY_ADDR:PORT"
		return 2
	fi
	local rundir=$1 user=$2 domain=$3 proxy=$4 sip ctrl dns rtp
	command -v baresip >/dev/null || { _bar_err "baresip not found (apt-get install baresip)"; return 3; }
	mkdir -p "$rundir" || { _bar_err "cannot create $rundir"; return 3; }
	rundir=$(cd "$rundir" && pwd)
	# baresip 1.0 always opens SIP/TLS on the SIP port + 1: that one must be free too
	local tries=0
	while :; do
		read -r sip ctrl dns rtp <<<"$("$_BAR_LIB_DIR/freeport" -n 4 127.0.0.1 | tr '\n' ' ')"
		[[ -n $rtp ]] || { _bar_err "no free ports on 127.0.0.1"; return 3; }
		if ! ss -Htan "sport = :$((sip + 1))" 2>/dev/null | grep -q . &&
			[[ " $ctrl $dns $rtp " != *" $((sip + 1)) "* ]]; then
			break
		fi
		((++tries < 20)) || { _bar_err "no free port pair on 127.0.0.1"; return 3; }
	done
	local f
	for f in config accounts; do
		sed -e "s/@SIP_ADDR@/127.0.0.1/g; s/@SIP_PORT@/$sip/g; s/@CTRL_ADDR@/127.0.0.1/g" \
			-e "s/@CTRL_PORT@/$ctrl/g; s/@DNS_PORT@/$dns/g; s/@RTP_MIN@/$rtp/g" \
			-e "s/@RTP_MAX@/$((rtp + 20))/g; s/@USER@/$user/g; s/@DOMAIN@/$domain/g" \
			-e "s/@PROXY@/$proxy/g" "$_BAR_SRC/$f.in" >"$rundir/$f"
	done
	BAR_LOG=$rundir/baresip.log
	baresip -f "$rundir" </dev/null >"$BAR_LOG" 2>&1 &
	BAR_PID=$!
	BAR_SIP=127.0.0.1:$sip BAR_CTRL=127.0.0.1:$ctrl
	export BAR_PID BAR_SIP BAR_CTRL BAR_LOG
	local timeout=${BAR_READY_TIMEOUT:-5}
	local t_end=$(($(date +%s%N) / 1000000 + timeout * 1000))
	while :; do
		if ! kill -0 "$BAR_PID" 2>/dev/null; then
			wait "$BAR_PID" 2>/dev/null || true
			_bar_err "baresip exited during start; log $BAR_LOG:"
			tail -n 15 "$BAR_LOG" >&2
			unset BAR_PID
			return 3
		fi
		if [[ $(_bar_reginfo 127.0.0.1 "$ctrl") == *"OK "* ]]; then
			return 0
		fi
		if (($(date +%s%N) / 1000000 >= t_end)); then
			_bar_err "baresip (PID $BAR_PID) not registered at $proxy within ${timeout}s; log $BAR_LOG"
			bar_stop
			return 3
		fi
		sleep 0.02
	done
}

bar_stop() {
	[[ -n ${BAR_PID:-} ]] || return 0
	local pid=$BAR_PID t_end=$(($(date +%s%N) / 1000000 + 3000))
	kill -TERM "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; do
		if (($(date +%s%N) / 1000000 >= t_end)); then
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.02
	done
	wait "$pid" 2>/dev/null || true
	unset BAR_PID
}
