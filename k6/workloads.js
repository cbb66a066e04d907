// The workloads of bench/http.sh as a k6 script with thresholds, for CI pipelines that run k6.
// Run the service (`dotnet run -c Release --project src/Lodestone.Api`), then e.g.:
//   k6 run -e WORKLOAD=get k6/workloads.js
//   k6 run -e WORKLOAD=pipeline -e PIPELINE=100 -e VUS=32 -e DURATION=30s k6/workloads.js
// WORKLOAD: get | put | incr | lists | zsets | pipeline. BASE_URL overrides the target.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://localhost:8379';
const WORKLOAD = __ENV.WORKLOAD || 'get';
const PIPELINE = parseInt(__ENV.PIPELINE || '10', 10);
const VALUE = 'v'.repeat(64);
const JSON_HEADERS = { headers: { 'Content-Type': 'application/json' } };

export const options = {
  vus: parseInt(__ENV.VUS || '64', 10),
  duration: __ENV.DURATION || '20s',
  thresholds: {
    http_req_failed: ['rate<0.001'],
    // Single commands at a moderate load: the target is p99 < 2 ms at half of peak.
    http_req_duration: [WORKLOAD === 'pipeline' ? `p(99)<${Math.max(20, PIPELINE / 2)}` : 'p(99)<20'],
    checks: ['rate>0.999'],
  },
};

export function setup() {
  http.put(`${BASE}/strings/bench64`, JSON.stringify({ value: VALUE }), JSON_HEADERS);
}

const pipelineBody = JSON.stringify(Array.from({ length: PIPELINE }, (_, i) => ['INCR', `p:${i % 100}`]));

const workloads = {
  get: () => http.get(`${BASE}/strings/bench64`),
  put: () => http.put(`${BASE}/strings/k${Math.floor(Math.random() * 100000)}`, JSON.stringify({ value: VALUE }), JSON_HEADERS),
  incr: () => http.post(`${BASE}/strings/counter/incr`),
  lists: (n) => (n % 2 === 0
    ? http.post(`${BASE}/lists/queue/left`, JSON.stringify({ items: [VALUE] }), JSON_HEADERS)
    : http.post(`${BASE}/lists/queue/right/pop`)),
  zsets: (n) => (n % 2 === 0
    ? http.post(`${BASE}/zsets/board/members`, JSON.stringify({
      members: [{ member: `player${Math.floor(Math.random() * 1000)}`, score: Math.floor(Math.random() * 1e6) }],
    }), JSON_HEADERS)
    : http.get(`${BASE}/zsets/board/members?stop=9&reverse=true`)),
  pipeline: () => http.post(`${BASE}/commands/pipeline`, pipelineBody, JSON_HEADERS),
};

if (!workloads[WORKLOAD]) {
  throw new Error(`Unknown WORKLOAD ${WORKLOAD}: one of ${Object.keys(workloads).join(', ')}`);
}

let n = 0;
export default function () {
  const res = workloads[WORKLOAD](n++);
  check(res, { 'status 2xx': (r) => r.status >= 200 && r.status < 300 });
}
