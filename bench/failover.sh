#!/usr/bin/env bash
# Failover's times on real processes (issue 21); the numbers go to docs/performance.md.
#
#  1. kill -9 of the primary → the first write a new primary acknowledges (a writer retries every
#     20 ms at whichever node /topology names);
#  2. the primary cut off (the other two paused with SIGSTOP) → the first write it refuses;
#  3. a manual failover (POST /admin/failover) under a writer → writesPausedMs as the answer gives
#     it, and the longest gap between two writes the writer saw acknowledged.
#
#   bench/failover.sh                       # ROUNDS=3 of each, the Failover defaults (DownAfterMs 5000)
#   ROUNDS=1 bench/failover.sh --Failover:DownAfterMs 2000 --Failover:ElectionTimeoutMs 250
#
# Loopback only; every wait is bounded; every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/lodestone-bench-failover}
ROUNDS=${ROUNDS:-3}
BASE=${BASE:-7401}
rm -rf "$OUT" && mkdir -p "$OUT"
echo "Building Release into $OUT/bin…" >&2
dotnet build src/Lodestone.Api -c Release -o "$OUT/bin" -nologo -v quiet >/dev/null
export LODESTONE_DLL="$OUT/bin/Lodestone.Api.dll"
trap 'scripts/local-cluster.sh stop "$OUT/group" 2>/dev/null || true' EXIT
REPORT="$OUT/report.txt"
{
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //;s/ [0-9]*-Core.*//')), $(free -g | awk '/Mem:/{print $2}') GiB; commit $(git rev-parse --short HEAD); $(date -u +%F); settings: ${*:-defaults}"
python3 - "$OUT/group" "$BASE" "$ROUNDS" "$@" <<'PY'
import json, os, signal, subprocess, sys, threading, time, urllib.request, urllib.error
group, base, rounds, settings = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
urls = [f"http://127.0.0.1:{base + i}" for i in range(3)]

def start():
    subprocess.run(["scripts/local-cluster.sh", "start", "3", str(base), group, *settings], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def http(method, url, body=None, timeout=2):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except Exception:
        return 0, b""

def primary():
    for url in urls:
        status, body = http("GET", url + "/topology", timeout=1)
        if status == 200 and (p := json.loads(body).get("primary")):
            return p
    return None

def pid(url):
    return int(open(f"{group}/node-{urls.index(url) + 1}.pid").read())

def write(url, key):
    status, body = http("POST", url + "/commands", ["SET", key, "1"], timeout=1)
    return status == 200 and json.loads(body).get("result") == "OK"

def median(values):
    values = sorted(values)
    return values[len(values) // 2]

start()
kills, cuts, pauses, gaps = [], [], [], []
for round in range(rounds):
    # 1. kill -9 of the primary.
    old = primary()
    os.kill(pid(old), signal.SIGKILL)
    os.remove(f"{group}/node-{urls.index(old) + 1}.pid")
    killed = time.monotonic()
    while True:
        target = primary()
        if target and target != old and write(target, f"kill:{round}"):
            break
        if time.monotonic() - killed > 60:
            sys.exit("no new primary within 60 s")
        time.sleep(0.02)
    kills.append((time.monotonic() - killed) * 1000)
    start()  # the old primary comes back, as a replica

    # 2. the primary cut off from the other two.
    current = primary()
    others = [u for u in urls if u != current]
    while not write(current, "cut:warm"):
        time.sleep(0.05)
    for u in others:
        os.kill(pid(u), signal.SIGSTOP)
    cut = time.monotonic()
    while write(current, f"cut:{round}") and time.monotonic() - cut < 60:
        time.sleep(0.01)
    cuts.append((time.monotonic() - cut) * 1000)
    for u in others:
        os.kill(pid(u), signal.SIGCONT)
    while not write(primary() or current, "cut:healed"):
        time.sleep(0.05)

    # 3. a manual failover under a writer.
    acked, stop = [], threading.Event()
    def writer():
        i = 0
        while not stop.is_set():
            target = primary()
            if target and write(target, f"manual:{round}:{i}"):
                acked.append(time.monotonic())
            i += 1
    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(2)
    status, body = http("POST", urls[0] + "/admin/failover", {}, timeout=30)
    time.sleep(2)
    stop.set()
    thread.join()
    if status != 200:
        sys.exit(f"manual failover answered {status}: {body!r}")
    pauses.append(json.loads(body)["writesPausedMs"])
    gaps.append(max(b - a for a, b in zip(acked, acked[1:])) * 1000)

print(f"kill -9 of the primary → a new primary acknowledged a write: " + ", ".join(f"{v:.0f}" for v in kills) + f" ms (median {median(kills):.0f})")
print(f"primary cut off → its first refused write: " + ", ".join(f"{v:.0f}" for v in cuts) + f" ms (median {median(cuts):.0f})")
print(f"manual failover: writesPausedMs " + ", ".join(str(v) for v in pauses) + f" (median {median(pauses)}); the writer's longest gap between acknowledged writes: "
      + ", ".join(f"{v:.0f}" for v in gaps) + f" ms (median {median(gaps):.0f})")
PY
} | tee "$REPORT"
# The newest run goes first; earlier runs stay below it (docs/performance.md cites them).
mkdir -p bench/results
touch bench/results/failover.txt
{ cat "$REPORT"; echo; cat bench/results/failover.txt; } >"$REPORT.all"
mv "$REPORT.all" bench/results/failover.txt
echo "Report: bench/results/failover.txt (this run first)"
