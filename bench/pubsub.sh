#!/usr/bin/env bash
# PUBLISH to 1,000 SSE subscribers: builds Lodestone in Release, runs it (dotnet run, in the background,
# its data in a temporary folder), waits for /alive, runs bench/pubsub against it, and stops it.
#
#   bench/pubsub.sh                                   # 1,000 subscribers, 300 messages at 8/s (8,000 deliveries/s)
#   RATE=0 MESSAGES=500 bench/pubsub.sh               # one POST after another: the ceiling
#   SUBSCRIBERS=100 MESSAGES=2000 RATE=100 bench/pubsub.sh
#   PORT=8397 bench/pubsub.sh                         # when 8379 is taken
#
# Each message goes to every subscriber, so the load is RATE × SUBSCRIBERS deliveries a second: on one
# core the service delivers roughly 15,000 a second (docs/performance.md), so with 1,000 subscribers a
# steady pace must stay near 15 messages a second or less, and a run must stay within DEADLINE.
#
# Loopback only; the bench bounds itself (DEADLINE s); prints its results (the RESULT line) and writes
# nothing under bench/results. Stops only the service it started: the process group of the PID it saved.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8379}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
MESSAGES=${MESSAGES:-300}
RATE=${RATE:-8}
DEADLINE=${DEADLINE:-60}
OUT=${OUT:-/tmp/lodestone-bench-pubsub}
URL=http://127.0.0.1:$PORT

if curl -s -o /dev/null "$URL/alive"; then
  echo "Something already answers on $URL: choose another PORT." >&2; exit 2
fi

# The service on the first core, the bench on the second (on 2 cores: one each), as bench/http.sh does.
if [ "$(nproc)" -ge 2 ]; then
  SERVER_CPUS=0 BENCH_CPUS=1-$(($(nproc) - 1))
  pin() { local cpus=$1; shift; taskset -c "$cpus" "$@"; }
else
  pin() { shift; "$@"; }
fi

SERVER=
cleanup() {
  # dotnet run starts the service as its child: its own process group (setsid below) holds both.
  if [ -n "$SERVER" ]; then kill -TERM -- "-$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
}
trap cleanup EXIT

rm -rf "$OUT" && mkdir -p "$OUT/data"
echo "Building Release…"
dotnet build src/Lodestone.Api -c Release -v quiet -nologo >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
dotnet build bench/pubsub -c Release -v quiet -nologo >>"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }

# As it ships (appsettings.json: log on, EverySec, request logging), its output to a file.
setsid taskset -c "${SERVER_CPUS:-0}" dotnet run --no-build -c Release --project src/Lodestone.Api -- \
  --Urls "$URL" --Persistence:DataDirectory "$OUT/data" >"$OUT/lodestone.log" 2>&1 &
SERVER=$!
echo "Lodestone: PID $SERVER (process group), log $OUT/lodestone.log"
for _ in $(seq 150); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/alive")" = 200 ] && break
  kill -0 "$SERVER" 2>/dev/null || { echo "Lodestone exited:" >&2; cat "$OUT/lodestone.log" >&2; exit 1; }
  sleep 0.2
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/alive")" = 200 ] || { echo "$URL/alive did not answer 200" >&2; exit 1; }

echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average $(cut -d' ' -f1-3 /proc/loadavg)"
pin "${BENCH_CPUS:-0}" dotnet bench/pubsub/bin/Release/net10.0/Lodestone.Bench.PubSub.dll "$URL" \
  --subscribers "$SUBSCRIBERS" --messages "$MESSAGES" --rate "$RATE" --deadline "$DEADLINE" 2>&1 | tee "$OUT/result.txt"
