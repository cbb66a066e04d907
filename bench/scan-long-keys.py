#!/usr/bin/env python3
"""SCAN with a costly MATCH over twenty 5 MB keys, and the latency of GETs sent meanwhile.

Usage: start the service (e.g. dotnet run -c Release --project src/Lodestone.Api -- --Urls
http://127.0.0.1:18403 --Persistence:AppendOnly false), then: bench/scan-long-keys.py 18403 ['<pattern>']
The default pattern is the 16-star '*a*a*…*a*b'. Prints the SCAN calls the iteration took, its
slowest call, and the concurrent GETs' p50/p99/max. Python's standard library only.
"""
import http.client, json, threading, time, sys
port = int(sys.argv[1])
def post(body, path="/commands"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse(); d = r.read(); c.close(); return r.status, d
for i in range(20):
    key = "a" * (5 * 1024 * 1024 - 3) + "%03d" % i
    s, _ = post(json.dumps(["SET", key, "v"]))
    assert s == 200
post(json.dumps(["SET", "small", "v"]))
pattern = sys.argv[2] if len(sys.argv) > 2 else "*a" * 15 + "*b"
lat = []; stop = False
def getter():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop:
        t = time.perf_counter(); c.request("GET", "/strings/small"); c.getresponse().read(); lat.append(time.perf_counter() - t)
        time.sleep(0.002)
th = threading.Thread(target=getter); th.start()
time.sleep(0.5)
calls = 0; cursor = "0"; t0 = time.perf_counter(); slowest = 0
while True:
    t = time.perf_counter()
    s, d = post(json.dumps(["SCAN", cursor, "MATCH", pattern, "COUNT", "100000"]))
    slowest = max(slowest, time.perf_counter() - t)
    cursor = json.loads(d)["result"][0]; calls += 1
    if cursor == "0": break
total = time.perf_counter() - t0
time.sleep(0.5); stop = True; th.join()
lat.sort()
print(f"scan calls={calls} total={total*1000:.0f}ms slowest_call={slowest*1000:.0f}ms; concurrent GET: n={len(lat)} p50={lat[len(lat)//2]*1000:.2f}ms p99={lat[int(len(lat)*0.99)]*1000:.2f}ms max={lat[-1]*1000:.1f}ms")
