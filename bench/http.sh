#!/usr/bin/env bash
# Lodestone side by side with the ceiling (bench/Baseline: the same routes over a ConcurrentDictionary)
# and, when redis-server and webdis are installed (apt-get install redis-server webdis), Webdis in
# front of Redis. Every workload runs against every system in alternation, ROUNDS times; the median
# of each is reported (bench/report.py prints the table and draws bench/results/chart.svg).
#
#   bench/http.sh                        # 10 s per run, 3 rounds, 64 connections
#   DURATION=5 ROUNDS=1 bench/http.sh    # a quick look
#
# Loopback only; every run is time-bounded (wrk -d); every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
# .NET compiles hot code again, optimised, after it has run a while (tiered compilation); Lodestone
# has far more code on its request path than the baseline, and on one saturated core its rate can
# take a minute or more to settle (measured on the 2-vCPU VM: 3k → 20k PUT/s over 45–60 s). So each
# system is warmed with 5 s slices of GET and PUT in turn for at least WARMUP seconds and until both
# rates are within 10% of their previous slice (at most WARMUP_MAX seconds); then WORKLOAD_WARMUP
# seconds of each workload before its measured rounds.
WARMUP=${WARMUP:-60}
WARMUP_MAX=${WARMUP_MAX:-180}
WORKLOAD_WARMUP=${WORKLOAD_WARMUP:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
OUT=${OUT:-/tmp/lodestone-bench}
WORKLOADS=${WORKLOADS:-"get put incr lists zsets push xadd pipeline1 pipeline10 pipeline100"}
# Latency is also read at half of each system's peak (its median requests/s above) for these: the
# latency a service offers where it would be run, not at saturation. HALF_LOAD="" skips it.
HALF_LOAD=${HALF_LOAD-"get put incr lists zsets"}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }

# Servers on the first half of the cores, wrk on the rest (on 2 cores: one each).
CORES=$(nproc)
if [ "$CORES" -ge 2 ]; then
  HALF=$((CORES / 2))
  SERVER_CPUS="0-$((HALF - 1))"
  LOAD_CPUS="$HALF-$((CORES - 1))"
  LOAD_THREADS=$((CORES - HALF))
  pin() { local cpus=$1; shift; taskset -c "$cpus" "$@"; }
else
  HALF=1 SERVER_CPUS=0 LOAD_CPUS=0 LOAD_THREADS=1
  pin() { shift; "$@"; }
fi

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$OUT" && mkdir -p "$OUT/data"
echo "Building Release into $OUT…"
dotnet publish src/Lodestone.Api -c Release -o "$OUT/lodestone" -v quiet -nologo >/dev/null
dotnet publish bench/Baseline -c Release -o "$OUT/baseline" -v quiet -nologo >/dev/null

wait_for() { # url status
  for _ in $(seq 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = "$2" ] && return 0
    sleep 0.2
  done
  echo "$1 did not answer $2" >&2; exit 1
}

declare -A BASE
# Lodestone as it ships (appsettings.json next to the binary: log on, EverySec, request logging).
(cd "$OUT/lodestone" && exec taskset -c "$SERVER_CPUS" dotnet Lodestone.Api.dll --Urls http://127.0.0.1:8390 \
  --Persistence:DataDirectory "$OUT/data" >"$OUT/lodestone.log" 2>&1) &
PIDS+=($!)
BASE[lodestone]=http://127.0.0.1:8390
(cd "$OUT/baseline" && exec taskset -c "$SERVER_CPUS" dotnet Baseline.dll --urls http://127.0.0.1:8391 >"$OUT/baseline.log" 2>&1) &
PIDS+=($!)
BASE[baseline]=http://127.0.0.1:8391
wait_for "${BASE[lodestone]}/health" 200
wait_for "${BASE[baseline]}/strings/none" 404

SYSTEMS="lodestone baseline"
if command -v redis-server >/dev/null && command -v webdis >/dev/null; then
  # The durability Lodestone ships with (appsettings.json): an append-only file written every loop
  # turn and fsynced every second, and the same snapshot rules, so both pay for the same promise.
  mkdir -p "$OUT/redis"
  taskset -c "$SERVER_CPUS" redis-server --port 6399 --bind 127.0.0.1 --dir "$OUT/redis" \
    --appendonly yes --appendfsync everysec --save "3600 1 300 100 60 10000" >"$OUT/redis.log" 2>&1 &
  PIDS+=($!)
  cat >"$OUT/webdis.json" <<JSON
{"redis_host":"127.0.0.1","redis_port":6399,"http_host":"127.0.0.1","http_port":8392,
 "threads":$HALF,"pool_size":$((HALF * 4)),"daemonize":false,"database":0,"verbosity":0,
 "logfile":"$OUT/webdis.log","acl":[{"disabled":[],"enabled":["*"]}]}
JSON
  sleep 0.5
  taskset -c "$SERVER_CPUS" webdis "$OUT/webdis.json" >/dev/null 2>&1 &
  PIDS+=($!)
  BASE[webdis]=http://127.0.0.1:8392
  wait_for "${BASE[webdis]}/PING" 200
  SYSTEMS="$SYSTEMS webdis"
fi

# The value GET reads, on every system.
curl -sf -o /dev/null -X PUT "${BASE[lodestone]}/strings/bench64" -H 'Content-Type: application/json' -d "{\"value\":\"$(printf 'v%.0s' {1..64})\"}"
curl -sf -o /dev/null -X PUT "${BASE[baseline]}/strings/bench64" -H 'Content-Type: application/json' -d "{\"value\":\"$(printf 'v%.0s' {1..64})\"}"
[ -n "${BASE[webdis]:-}" ] && curl -sf -o /dev/null "${BASE[webdis]}/SET/bench64/$(printf 'v%.0s' {1..64})"

# Which systems serve a workload: the baseline has only GET/PUT /strings, Webdis has no pipeline.
serves() {
  case "$1:$2" in
    baseline:get|baseline:put) return 0 ;;
    baseline:*) return 1 ;;
    webdis:pipeline*) return 1 ;;
    *) return 0 ;;
  esac
}

run() { # system workload seconds [pause ms per connection] → the RESULT line
  local system=$1 workload=$2 seconds=$3 script=$2 pipeline=1 pause=${4:-0}
  case "$workload" in pipeline*) script=pipeline pipeline=${workload#pipeline} ;; esac
  SYSTEM=$system PIPELINE=$pipeline DELAY_MS=$pause pin "$LOAD_CPUS" wrk -t"$LOAD_THREADS" -c"$CONNECTIONS" -d"${seconds}s" \
    --latency -s "bench/wrk/$script.lua" "${BASE[$system]}" | grep '^RESULT' || echo "RESULT rps=0 p50=0 p99=0 failed=-1"
}

field() { echo "$1" | sed "s/.* $2=\([^ ]*\).*/\1/"; } # RESULT line, name → value

# About half of a system's peak: each connection pauses between requests; a 3 s run measures how far
# the response time itself slows the connections down, and the pause is corrected for it.
half_load() { # system workload peak → the RESULT line
  local system=$1 workload=$2 target pause line achieved
  target=$(awk -v p="$3" 'BEGIN { print p / 2 }')
  pause=$(awk -v c="$CONNECTIONS" -v t="$target" 'BEGIN { printf "%.3f", c * 1000 / t }')
  line=$(run "$system" "$workload" 3 "$pause")
  achieved=$(field "$line" rps)
  pause=$(awk -v c="$CONNECTIONS" -v t="$target" -v a="$achieved" -v d="$pause" \
    'BEGIN { if (a <= 0) a = t; n = c * 1000 / t - (c * 1000 / a - d); printf "%.3f", (n < 0 ? 0 : n) }')
  run "$system" "$workload" "$DURATION" "$pause"
}

settled() { # rate, previous rate → whether they are within 10%
  awk -v r="$1" -v p="$2" 'BEGIN { exit !(p > 0 && r > 0 && r < p * 1.1 && r > p * 0.9) }'
}
warm() { # system: slices of GET and PUT until both rates settle (see WARMUP)
  local system=$1 start=$SECONDS get put last_get=0 last_put=0
  while true; do
    get=$(field "$(run "$system" get 5)" rps)
    put=$(field "$(run "$system" put 5)" rps)
    if { [ $((SECONDS - start)) -ge "$WARMUP" ] && settled "$get" "$last_get" && settled "$put" "$last_put"; } \
      || [ $((SECONDS - start)) -ge "$WARMUP_MAX" ]; then
      echo "$system warmed for $((SECONDS - start)) s (last slices: GET $get/s, PUT $put/s)"
      return
    fi
    last_get=$get last_put=$put
  done
}
echo "Warming up (at least $WARMUP s per system, until GET and PUT settle)…"
for system in $SYSTEMS; do warm "$system"; done

RESULTS="$OUT/results.tsv"
printf 'workload\tsystem\tround\trps\tp50_ms\tp99_ms\tfailed\tcommands_per_request\n' >"$RESULTS"
HALF="$OUT/half-load.tsv"
printf 'workload\tsystem\tpeak_rps\trps\tp50_ms\tp99_ms\tfailed\n' >"$HALF"
for workload in $WORKLOADS; do
  per=1; case "$workload" in pipeline*) per=${workload#pipeline} ;; esac
  for system in $SYSTEMS; do if serves "$system" "$workload"; then run "$system" "$workload" "$WORKLOAD_WARMUP" >/dev/null; fi; done
  for round in $(seq "$ROUNDS"); do
    for system in $SYSTEMS; do
      serves "$system" "$workload" || continue
      line=$(run "$system" "$workload" "$DURATION")
      echo "$workload $system round $round: ${line#RESULT }"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$system" "$round" \
        "$(field "$line" rps)" "$(field "$line" p50)" "$(field "$line" p99)" "$(field "$line" failed)" "$per" >>"$RESULTS"
    done
  done
  case " $HALF_LOAD " in *" $workload "*) ;; *) continue ;; esac
  for system in $SYSTEMS; do
    serves "$system" "$workload" || continue
    peak=$(awk -F'\t' -v w="$workload" -v s="$system" '$1 == w && $2 == s { print $4 }' "$RESULTS" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    [ "$(awk -v p="${peak:-0}" 'BEGIN { print (p > 0) }')" = 1 ] || continue
    line=$(half_load "$system" "$workload" "$peak")
    echo "$workload $system at half of $peak/s: ${line#RESULT }"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$workload" "$system" "$peak" \
      "$(field "$line" rps)" "$(field "$line" p50)" "$(field "$line" p99)" "$(field "$line" failed)" >>"$HALF"
  done
done

mkdir -p bench/results
cp "$RESULTS" bench/results/latest.tsv
cp "$HALF" bench/results/half-load.tsv
{
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB;" \
    "servers on CPUs $SERVER_CPUS, wrk on $LOAD_CPUS ($LOAD_THREADS threads, $CONNECTIONS connections, ${DURATION} s runs, $ROUNDS rounds)."
} >bench/results/machine.txt
python3 bench/report.py bench/results/latest.tsv bench/results/machine.txt bench/results/chart.svg bench/results/half-load.tsv
