#!/usr/bin/env bash
# bench-peers.sh: how fast jmtune stats reads a big JTL file, next to other
# ways of getting per-label numbers out of it.
#
#   scripts/bench-peers.sh              # 1,000,000 rows (~145 MB)
#   scripts/bench-peers.sh 1000000 5000000
#   REPEAT=5 scripts/bench-peers.sh
#
# It generates each file with internal/jtlgen (JMeter 5.6 CSV, 17 columns and
# a sample variable, quoted messages with commas and newlines) into a temporary
# directory, builds jmtune and the Go peer, and runs every tool REPEAT times
# (default 3), keeping the fastest run. Wall time, CPU time (user+sys) and
# peak RSS come from /usr/bin/time -v. The tools:
#
#   cat              reads the file to /dev/null: the I/O ceiling
#   mawk -F,         per-label count and mean elapsed (naive split: rows with
#                    quoted newlines are miscounted; a yardstick, not a parser)
#   go encoding/csv  scripts/peer-gocsv: per-label count and mean elapsed
#   python3 csv      the csv module: per-label count and mean elapsed
#   pandas           read_csv + groupby, only when pandas is installed
#   jmtune stats     the full report (codes, percentiles, throughput, bytes),
#                    GOMAXPROCS=1 and GOMAXPROCS=2
#
# The machine may be shared: the script prints the load average, and CPU time
# is less affected by other work than wall time.
set -euo pipefail
cd "$(dirname "$0")/.."

REPEAT=${REPEAT:-3}
ROWS_LIST=("$@")
[ ${#ROWS_LIST[@]} -gt 0 ] || ROWS_LIST=(1000000)

need() { # need COMMAND DEBIAN_PACKAGE
	if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
		echo "== installing $2 (for $1)" >&2
		SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null \
			|| { $SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
	fi
}
need /usr/bin/time time
need mawk mawk

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jmtune-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "== building jmtune, jtlgen, peer-gocsv" >&2
go build -o "$tmp/jmtune" .
go build -o "$tmp/jtlgen" ./internal/jtlgen/cmd/jtlgen
go build -o "$tmp/peer-gocsv" ./scripts/peer-gocsv

cat >"$tmp/peer.py" <<'EOF'
import csv, sys
n, s = {}, {}
with open(sys.argv[1], newline="") as f:
    r = csv.reader(f)
    h = next(r)
    ie, il = h.index("elapsed"), h.index("label")
    for row in r:
        l = row[il]
        n[l] = n.get(l, 0) + 1
        s[l] = s.get(l, 0) + int(row[ie])
for l in n:
    print("%s\t%d\t%.1f" % (l, n[l], s[l] / n[l]))
EOF
cat >"$tmp/peer-pandas.py" <<'EOF'
import sys
import pandas as pd
df = pd.read_csv(sys.argv[1], usecols=["label", "elapsed"])
print(df.groupby("label", sort=False)["elapsed"].agg(["count", "mean"]))
EOF
have_pandas=0
python3 -c 'import pandas' >/dev/null 2>&1 && have_pandas=1

# measure NAME CMD...: run CMD REPEAT times, print the fastest as a table row.
measure() {
	local name=$1; shift
	local best="" line
	for _ in $(seq "$REPEAT"); do
		if ! /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err"; then
			echo "   $name failed: $(tail -1 "$tmp/err")" >&2
			return
		fi
		line=$(tail -1 "$tmp/time")
		if [ -z "$best" ] || awk -v a="$line" -v b="$best" 'BEGIN{split(a,x," ");split(b,y," ");exit !(x[1]<y[1])}'; then
			best=$line
		fi
	done
	read -r wall user sys rss <<<"$best"
	awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v rows="$rows" -v mb="$mb" 'BEGIN{
		wr = (w > 0) ? rows / w / 1e6 : 0; cr = (u + s > 0) ? rows / (u + s) / 1e6 : 0
		printf "%-24s %8.2f %8.2f %10.2f %12.2f %9.0f %9.1f\n", n, w, u + s, wr, cr, (w > 0 ? mb / w : 0), r / 1024 }'
}

echo "== $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg); best of $REPEAT runs each" >&2
for rows in "${ROWS_LIST[@]}"; do
	f="$tmp/r$rows.jtl"
	"$tmp/jtlgen" -rows "$rows" -o "$f"
	bytes=$(stat -c %s "$f")
	mb=$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1e6}')
	echo
	echo "$rows rows, $mb MB ($(awk -v b="$bytes" -v r="$rows" 'BEGIN{printf "%.0f", b/r}') bytes/row)"
	printf "%-24s %8s %8s %10s %12s %9s %9s\n" "tool" "wall s" "CPU s" "M rows/s" "M rows/CPU-s" "MB/s" "RSS MiB"
	measure "cat (I/O ceiling)" cat "$f"
	measure "mawk -F, count/mean" mawk -F, 'NR>1 && $2 ~ /^[0-9]+$/ {n[$3]++; s[$3]+=$2} END{for (l in n) printf "%s\t%d\t%.1f\n", l, n[l], s[l]/n[l]}' "$f"
	measure "go encoding/csv" "$tmp/peer-gocsv" "$f"
	go_out=$(cat "$tmp/out")
	measure "python3 csv module" python3 "$tmp/peer.py" "$f"
	if [ "$have_pandas" = 1 ]; then
		measure "pandas read_csv" python3 "$tmp/peer-pandas.py" "$f"
	else
		echo "   (pandas: not installed, skipped)"
	fi
	measure "jmtune stats GOMAXPROCS=1" env GOMAXPROCS=1 "$tmp/jmtune" stats "$f"
	measure "jmtune stats GOMAXPROCS=2" env GOMAXPROCS=2 "$tmp/jmtune" stats "$f"

	# Cross-check: jmtune and the encoding/csv peer must count the same samples per label.
	"$tmp/jmtune" stats --format csv "$f" >"$tmp/stats.csv"
	if ! python3 - "$tmp/stats.csv" <<EOF
import csv, sys
want = {l.split("\t")[0]: int(l.split("\t")[1]) for l in """$go_out""".strip().splitlines()}
got = {r["label"]: int(r["samples"]) for r in csv.DictReader(open(sys.argv[1])) if r["kind"] != "total"}
if got != want:
    print("   MISMATCH jmtune vs encoding/csv per-label counts:", got, want)
    sys.exit(1)
EOF
	then
		exit 1
	fi
	echo "   (per-label counts of jmtune and encoding/csv agree)"
done
