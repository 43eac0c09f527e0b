# shellcheck shell=bash
# Shared by the benchmark scripts (source me): timing whole commands, printing ratio tables.
#
#   bench_measure NAME RUNS TIMEOUT CMD...   (NAME without spaces) appends "NAME wall cpu rss_kib" (best of RUNS by CPU
#                                            time) to $BENCH_RESULTS; "DNF" when TIMEOUT hit
#   bench_table PACKETS BASE_NAME            prints the table, ratios against BASE_NAME
#
# CPU time (user+sys) is the figure to compare on a busy machine; wall time is shown too.

bench_measure() {
	local name=$1 runs=$2 limit=$3; shift 3
	local best_cpu="" best_wall="" best_rss="" stats wall u s rss cpu i rc
	stats=$(mktemp)
	for ((i = 0; i < runs; i++)); do
		rc=0
		/usr/bin/time -o "$stats" -f "%e %U %S %M" timeout "$limit" "$@" >/dev/null 2>&1 || rc=$?
		if [ "$rc" = 124 ]; then
			echo "$name DNF DNF $(awk '{print $4}' "$stats" | tail -1)" >>"$BENCH_RESULTS"
			rm -f "$stats"
			return
		fi
		# Other non-zero exits (a check that finds failures) still give valid figures.
		read -r wall u s rss <<<"$(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$stats" | tail -1)"
		cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')
		if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN{exit !(a<b)}'; then
			best_cpu=$cpu best_wall=$wall best_rss=$rss
		fi
	done
	rm -f "$stats"
	echo "$name $best_wall $best_cpu $best_rss" >>"$BENCH_RESULTS"
}

bench_table() {
	local packets=$1 base=$2 base_cpu
	base_cpu=$(awk -v n="$base" '$1==n{print $3}' "$BENCH_RESULTS")
	printf '\n%-26s %8s %8s %14s %15s %10s %9s\n' "command" "wall-s" "cpu-s" "packets/cpu-s" "packets/wall-s" "cpu-ratio" "RSS-MiB"
	while read -r name wall cpu rss; do
		if [ "$cpu" = "DNF" ]; then
			printf '%-26s %8s %8s %14s %15s %10s %9s\n' "$name" "DNF" "-" "-" "-" "-" "$((rss / 1024))"
			continue
		fi
		awk -v n="$name" -v w="$wall" -v c="$cpu" -v r="$rss" -v p="$packets" -v b="$base_cpu" 'BEGIN{
			cc = c > 0 ? c : 0.01; bb = b > 0 ? b : 0.01; ww = w > 0 ? w : 0.01
			printf "%-26s %8.2f %8.2f %14.0f %15.0f %9.1fx %9d\n", n, w, c, p / cc, p / ww, cc / bb, r / 1024 }'
	done <"$BENCH_RESULTS"
}
