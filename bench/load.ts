/**
 * The load generator, run as its own process so that it does not share an event loop (or a core) with the
 * server it measures: `node bench/load.ts '<options as JSON>'` prints autocannon's result as one JSON line.
 */
import autocannon from 'autocannon';

type LoadOptions = {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
};

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  ...(options.headers ? { headers: options.headers } : {}),
});
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    latency: {
      average: result.latency.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    duration: result.duration,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
  })}\n`,
);
