// Load test for /strings: a cache-like mix of reads and writes.
// Run the service (`dotnet run -c Release --project src/Lodestone.Api`), then: k6 run k6/strings.js
// BASE_URL overrides the target: k6 run -e BASE_URL=http://127.0.0.1:8379 k6/strings.js
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://localhost:8379';
const KEYS = 1000;

export const options = {
  scenarios: {
    mixed: {
      executor: 'ramping-vus',
      startVUs: 1,
      stages: [
        { duration: '10s', target: 32 },
        { duration: '30s', target: 64 },
        { duration: '10s', target: 0 },
      ],
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{op:get}': ['p(95)<20'],
    'http_req_duration{op:put}': ['p(95)<25'],
  },
};

export function setup() {
  for (let i = 0; i < KEYS; i++) {
    http.put(`${BASE}/strings/k6:${i}`, JSON.stringify({ value: `value-${i}`, ttlMs: 600000 }),
      { headers: { 'Content-Type': 'application/json' } });
  }
}

export default function () {
  const key = `k6:${Math.floor(Math.random() * KEYS)}`;
  if (Math.random() < 0.8) {
    const res = http.get(`${BASE}/strings/${key}`, { tags: { op: 'get' } });
    check(res, { 'get 200': (r) => r.status === 200 });
  } else {
    const res = http.put(`${BASE}/strings/${key}`, JSON.stringify({ value: `v-${Date.now()}`, ttlMs: 600000 }),
      { headers: { 'Content-Type': 'application/json' }, tags: { op: 'put' } });
    check(res, { 'put 200/201': (r) => r.status === 200 || r.status === 201 });
  }
}
