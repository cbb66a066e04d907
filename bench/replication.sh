#!/usr/bin/env bash
# Replication's costs, measured as issue 20 states its targets (numbers go to docs/performance.md):
#
#  1. throughput: the primary's PUT rate with two replicas attached against the same primary alone,
#     in rounds that alternate which goes first (primary on CPU 0; replicas and wrk on CPU 1), after
#     a warm-up; the replicas stay up (and warm) throughout, detached by REPLICAOF NO ONE while the
#     primary runs alone and attached again (a partial resync) for the rounds with them;
#  2. lag: at half of the primary's peak PUT rate with both replicas attached, probes in turn: a SET
#     alone (what any write waits at that load), SET + WAIT 1 (until a replica acknowledged it: the
#     apply lag and the ack's trip back), and a SET followed by a read on a replica that sends its
#     sync token (until the write is readable there); p50/p99/max of each, over LAG_SECONDS of
#     probing (about 30 probes of each a second: a p99 needs several hundred);
#  3. full sync: KEYS string keys (default 1,000,000) on the primary; the time of its own snapshot
#     (BGSAVE) against the time a new replica takes from REPLICAOF to caught up, and the longest the
#     primary's engine thread stopped meanwhile: LATENCY's "snapshot" event (each walk slice over
#     1 ms), a PING probe on the primary every ~2 ms, and the primary's garbage collections (from
#     its /metrics) during the sync.
#
#   bench/replication.sh                              # 10 s runs, 4 rounds, 1M keys
#   DURATION=5 ROUNDS=1 KEYS=200000 bench/replication.sh
#   PHASES="sync" bench/replication.sh                # one phase
#
# Loopback only; every run is time-bounded; every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
LAG_SECONDS=${LAG_SECONDS:-30}
WARMUP=${WARMUP:-60}
ROUNDS=${ROUNDS:-4}
CONNECTIONS=${CONNECTIONS:-64}
KEYS=${KEYS:-1000000}
PHASES=${PHASES:-"throughput lag sync"}
OUT=${OUT:-/tmp/lodestone-bench-replication}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "two CPUs are needed (primary on one, replicas and wrk on the other)" >&2; exit 2; }

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$OUT" && mkdir -p "$OUT"
echo "Building Release into $OUT…"
dotnet publish src/Lodestone.Api -c Release -o "$OUT/lodestone" -v quiet -nologo >/dev/null

PRIMARY=http://127.0.0.1:8395
wait_for() { # url
  for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1/health")" = 200 ] && return 0
    sleep 0.2
  done
  echo "$1 did not become healthy" >&2; exit 1
}
# node name port cpu [settings…] → its PID in NODE_PID
start_node() {
  local name=$1 port=$2 cpu=$3; shift 3
  mkdir -p "$OUT/$name"
  (cd "$OUT/lodestone" && exec taskset -c "$cpu" dotnet Lodestone.Api.dll --Urls "http://127.0.0.1:$port" \
    --Persistence:DataDirectory "$OUT/$name" "$@" >"$OUT/$name.log" 2>&1) &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  wait_for "http://127.0.0.1:$port"
}
stop_node() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
cmd() { curl -sf "$1/commands" -H 'Content-Type: application/json' -d "$2"; }
info_field() { cmd "$1" "[\"INFO\",\"$2\"]" | python3 -c "import json,sys; t=json.load(sys.stdin)['result']; print(dict(l.split(':',1) for l in t.split('\r\n') if ':' in l)['$3'])"; }
caught_up() { # primary replica, bounded
  for _ in $(seq 600); do
    if [ "$(info_field "$2" replication master_link_status)" = up ] \
      && [ "$(info_field "$2" replication master_repl_offset)" = "$(info_field "$1" replication master_repl_offset)" ]; then return 0; fi
    sleep 0.1
  done
  echo "$2 did not catch up with $1" >&2; exit 1
}
put() { # seconds [pause ms] → RESULT line
  DELAY_MS=${2:-0} taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"$1s" --latency -s bench/wrk/put.lua "$PRIMARY" | grep '^RESULT' || echo "RESULT rps=0 p50=0 p99=0 failed=-1"
}
field() { echo "$1" | sed "s/.* $2=\([^ ]*\).*/\1/"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

start_node primary 8395 0
PRIMARY_PID=$NODE_PID
REPLICAS=()
start_replicas() {
  REPLICAS=()
  for i in 1 2; do
    start_node "replica$i" $((8395 + i)) 1 --Replication:PrimaryOf "$PRIMARY"
    REPLICAS+=("$NODE_PID")
    caught_up "$PRIMARY" "http://127.0.0.1:$((8395 + i))"
  done
}
stop_replicas() { for pid in "${REPLICAS[@]}"; do stop_node "$pid"; done; REPLICAS=(); }
# The replicas' processes stay up (and warm) between rounds: detached (REPLICAOF NO ONE) for the
# primary alone, attached again (a partial resync) for the rounds with them.
bounded() { # what, command…: retries the command (a test) for up to 60 s
  local what=$1; shift
  for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
  echo "$what did not happen within 60 s" >&2; exit 1
}
slaves_are() { [ "$(info_field "$PRIMARY" replication connected_slaves)" = "$1" ]; }
detach_replicas() {
  for i in 1 2; do cmd "http://127.0.0.1:$((8395 + i))" '["REPLICAOF","NO","ONE"]' >/dev/null; done
  bounded "the primary losing its replicas" slaves_are 0
}
attach_replicas() {
  for i in 1 2; do cmd "http://127.0.0.1:$((8395 + i))" "[\"REPLICAOF\",\"127.0.0.1\",\"${PRIMARY##*:}\"]" >/dev/null; done
  for i in 1 2; do caught_up "$PRIMARY" "http://127.0.0.1:$((8395 + i))"; done
  bounded "the primary counting two replicas" slaves_are 2
}

REPORT="$OUT/report.txt"
: >"$REPORT"
say() { echo "$*" | tee -a "$REPORT"; }
say "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB; commit $(git rev-parse --short HEAD); $(date -u +%F)"

PEAK=0
if [[ " $PHASES " == *" throughput "* || " $PHASES " == *" lag "* ]]; then
  # Tiered compilation replaces the first code of every hot method while the core is saturated: on
  # the 2-vCPU VM a new process needs about a minute of load before its rate settles (3k → 20k PUT/s).
  # The replicas warm up too, applying the same writes.
  start_replicas
  echo "Warming up the primary and its replicas ($WARMUP s of PUT)…"
  put "$WARMUP" >/dev/null
  alone=() with=()
  run_alone() {
    detach_replicas
    line=$(put "$DURATION"); alone+=("$(field "$line" rps)")
    say "throughput round $round, alone: ${line#RESULT }"
  }
  run_with() {
    attach_replicas
    line=$(put "$DURATION"); with+=("$(field "$line" rps)")
    say "throughput round $round, two replicas: ${line#RESULT }"
  }
  # Alternating order (alone first in odd rounds, second in even ones): a machine that speeds up or
  # slows down during the run favours neither.
  for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then run_alone; run_with; else run_with; run_alone; fi
  done
  a=$(printf '%s\n' "${alone[@]}" | median); w=$(printf '%s\n' "${with[@]}" | median)
  PEAK=$a
  say "throughput median: alone $a/s, with two replicas $w/s, ratio $(awk -v a="$a" -v w="$w" 'BEGIN { printf "%.2f", w / a }')"
fi

if [[ " $PHASES " == *" lag "* ]]; then
  if [ "${#REPLICAS[@]}" = 2 ]; then attach_replicas; else start_replicas; fi
  [ "$PEAK" != 0 ] || PEAK=$(field "$(put "$DURATION")" rps)
  pause=$(awk -v c="$CONNECTIONS" -v p="$PEAK" 'BEGIN { printf "%.3f", c * 1000 / (p / 2) }')
  echo "Lag at half of $PEAK/s (a pause of $pause ms per connection)…"
  put $((LAG_SECONDS + 2)) "$pause" >"$OUT/lag-load.txt" &
  LOAD=$!
  sleep 1
  taskset -c 1 python3 - "$PRIMARY" http://127.0.0.1:8396 "$LAG_SECONDS" <<'PY' | tee -a "$REPORT"
import http.client, json, sys, time
host, replica, seconds = sys.argv[1].split("//")[1], sys.argv[2].split("//")[1], float(sys.argv[3])
conn, follower = http.client.HTTPConnection(host), http.client.HTTPConnection(replica)
def run(body):
    conn.request("POST", "/commands/pipeline", json.dumps(body), {"Content-Type": "application/json"})
    response = conn.getresponse()
    return json.loads(response.read()), response.getheader("upstash-sync-token")
# Three probes in turn, ~10 ms apart: a SET alone (what any write waits at this load: queueing
# on the primary); SET + WAIT 1 (until a replica acknowledged it: the apply lag plus the ack's trip
# back); and a SET whose sync token a read on a replica then sends (read your writes: from the
# write's answer until the replica answers with it applied).
writes, waits, reads, acked, seen, n, end = [], [], [], 0, 0, 0, time.time() + seconds
while time.time() < end:
    n += 1
    start = time.perf_counter()
    run([["SET", f"lag:alone:{n}", str(n)]])
    writes.append((time.perf_counter() - start) * 1000)
    time.sleep(0.01)
    start = time.perf_counter()
    replies, _ = run([["SET", f"lag:wait:{n}", str(n)], ["WAIT", "1", "1000"]])
    waits.append((time.perf_counter() - start) * 1000)
    acked += replies[1]["result"] >= 1
    time.sleep(0.01)
    _, token = run([["SET", f"lag:read:{n}", str(n)]])
    start = time.perf_counter()
    follower.request("GET", f"/strings/lag:read:{n}", headers={"upstash-sync-token": token})
    response = follower.getresponse()
    response.read()
    reads.append((time.perf_counter() - start) * 1000)
    seen += response.status == 200
    time.sleep(0.01)
def summary(values):
    values.sort()
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return f"p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, max {values[-1]:.2f} ms"
print(f"SET alone ({len(writes)}): {summary(writes)}")
print(f"lag, SET + WAIT 1 ({len(waits)}, {acked} acknowledged): {summary(waits)}")
print(f"lag, read on a replica with the SET's sync token ({len(reads)}, {seen} found): {summary(reads)}")
PY
  wait "$LOAD"
  say "load meanwhile: $(sed 's/^RESULT //' "$OUT/lag-load.txt")"
fi
stop_replicas

if [[ " $PHASES " == *" sync "* ]]; then
  echo "Filling the primary with $KEYS keys…"
  cmd "$PRIMARY" '["FLUSHALL"]' >/dev/null
  python3 - "$PRIMARY" "$KEYS" <<'PY'
import http.client, json, sys
host, keys = sys.argv[1].split("//")[1], int(sys.argv[2])
conn = http.client.HTTPConnection(host)
value = "x" * 32
for start in range(0, keys, 1000):
    body = json.dumps([["SET", f"key:{i}", f"value-{i}-{value}"] for i in range(start, min(keys, start + 1000))])
    conn.request("POST", "/commands/pipeline", body, {"Content-Type": "application/json"})
    conn.getresponse().read()
PY
  cmd "$PRIMARY" '["CONFIG","SET","latency-monitor-threshold","1"]' >/dev/null
  cmd "$PRIMARY" '["LATENCY","RESET"]' >/dev/null
  # A save rule may have started a snapshot while filling: let it finish, then take one to time.
  bgsave_done() { for _ in $(seq 600); do [ "$(info_field "$PRIMARY" persistence rdb_bgsave_in_progress)" = 0 ] && return 0; sleep 0.1; done; }
  # A save rule may start one again between the check and BGSAVE: then BGSAVE is refused; wait, retry.
  for attempt in $(seq 20); do
    bgsave_done
    cmd "$PRIMARY" '["BGSAVE"]' >/dev/null && break
    [ "$attempt" != 20 ] || { echo "BGSAVE was refused 20 times" >&2; exit 1; }
  done
  bgsave_done
  save_ms=$(info_field "$PRIMARY" persistence rdb_last_bgsave_time_ms)
  snapshot_max=$(cmd "$PRIMARY" '["LATENCY","LATEST"]' | python3 -c "import json,sys; print(max([e[3] for e in json.load(sys.stdin)['result'] if e[0]=='snapshot'] or [0]))")
  say "snapshot of $(info_field "$PRIMARY" keyspace db0 | cut -d, -f1): ${save_ms} ms; longest snapshot slice over 1 ms: ${snapshot_max} ms"

  cmd "$PRIMARY" '["LATENCY","RESET"]' >/dev/null
  start_node replica3 8398 1
  REPLICA3=$NODE_PID
  taskset -c 1 python3 - "$PRIMARY" http://127.0.0.1:8398 <<'PY' | tee -a "$REPORT"
import http.client, json, sys, threading, time
primary, replica = sys.argv[1].split("//")[1], sys.argv[2].split("//")[1]
def command(host, args):
    conn = http.client.HTTPConnection(host)
    conn.request("POST", "/commands", json.dumps(args), {"Content-Type": "application/json"})
    return json.loads(conn.getresponse().read())["result"]
def info(host, section):
    return dict(l.split(":", 1) for l in command(host, ["INFO", section]).split("\r\n") if ":" in l)
def gc(host):
    # The primary's collections by generation and its total GC pause, from /metrics (the runtime's meter).
    conn = http.client.HTTPConnection(host)
    conn.request("GET", "/metrics")
    figures = {}
    for line in conn.getresponse().read().decode().splitlines():
        if line.startswith("system_runtime_dotnet_gc_collections{"):
            figures[line.split('"')[1]] = float(line.rsplit(" ", 1)[1])
        elif line.startswith("system_runtime_dotnet_gc_pause_time "):
            figures["pause"] = float(line.rsplit(" ", 1)[1])
    return figures
done, pings = threading.Event(), []
def probe():
    conn = http.client.HTTPConnection(primary)
    while not done.is_set():
        start = time.perf_counter()
        conn.request("POST", "/commands", '["PING"]', {"Content-Type": "application/json"})
        conn.getresponse().read()
        pings.append((time.perf_counter() - start) * 1000)
        time.sleep(0.002)
thread = threading.Thread(target=probe)
thread.start()
time.sleep(1)
baseline = max(pings)
pings.clear()
port = primary.split(":")[1]
gc_before = gc(primary)
start = time.perf_counter()
command(replica, ["REPLICAOF", "127.0.0.1", port])
deadline = time.time() + 600
while time.time() < deadline:
    r = info(replica, "replication")
    if r["master_link_status"] == "up" and r["master_repl_offset"] == info(primary, "replication")["master_repl_offset"]:
        break
    time.sleep(0.05)
took = (time.perf_counter() - start) * 1000
gc_after = gc(primary)
done.set()
thread.join()
pings.sort()
print(f"full sync of {info(replica, 'keyspace').get('db0', '?').split(',')[0]}: {took:.0f} ms from REPLICAOF to caught up; "
      f"primary PING probe during it: p99 {pings[int(0.99 * (len(pings) - 1))]:.2f} ms, max {pings[-1]:.2f} ms ({len(pings)} probes; max {baseline:.2f} ms before)")
if {"gen0", "gen1", "gen2", "pause"} <= gc_before.keys() & gc_after.keys():
    spent = {k: gc_after[k] - gc_before[k] for k in gc_after}
    print(f"primary's GCs during the full sync: gen0 {spent['gen0']:.0f}, gen1 {spent['gen1']:.0f}, gen2 {spent['gen2']:.0f}; "
          f"paused {spent['pause'] * 1000:.0f} ms in all")
else:
    print("primary's GCs during the full sync: not in its /metrics")
PY
  snapshot_max=$(cmd "$PRIMARY" '["LATENCY","LATEST"]' | python3 -c "import json,sys; print(max([e[3] for e in json.load(sys.stdin)['result'] if e[0]=='snapshot'] or [0]))")
  say "longest snapshot slice on the primary during the full sync: ${snapshot_max} ms"
  stop_node "$REPLICA3"
fi

# The newest run goes first; earlier runs stay below it (docs/performance.md cites them).
mkdir -p bench/results
touch bench/results/replication.txt
{ cat "$REPORT"; echo; cat bench/results/replication.txt; } >"$REPORT.all"
mv "$REPORT.all" bench/results/replication.txt
echo "Report: bench/results/replication.txt (this run first)"
