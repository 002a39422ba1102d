// Per-call overhead: client.status(id) beside raw fetch + JSON.parse and beside each peer's generic GET of the
// same status body, all against one minimal server in a child process (bench/status-calls.ts). Targets: ≥ 0.90×
// raw fetch's throughput, sequential and 32 concurrent; less CPU per call than every peer.
import { interleaved, median, recordSection, spread, type Row } from './lib'
import { PEER_NAMES, usePeers } from './peers'
import { JOB_ID, STATUS_BODY, rejectsMalformed, statusCalls, statusServer, type Side, type StatusCall } from './status-calls'

// Many short rounds, interleaved, so the load of other processes on this shared machine falls on every side alike.
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500)
const CONCURRENT_TOTAL = Number(process.env.BENCH_CONCURRENT ?? 1600)
const CONCURRENCY = 32
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25)

/** Requests per second for `total` calls, `parallel` at a time, and this process's CPU µs per call. */
async function measure(call: StatusCall, total: number, parallel: number) {
  let next = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < total) if ((await call(JOB_ID)).status !== 'completed') throw new Error('wrong body')
    }),
  )
  const rate = total / ((performance.now() - started) / 1000)
  const { user, system } = process.cpuUsage(cpu)
  return { rate, cpuPerCall: (user + system) / total }
}

const peers = await usePeers()
const server = await statusServer()
try {
  const calls = await statusCalls(server.origin, peers)
  const sides = Object.keys(calls) as Side[]
  const validating: Side[] = []
  for (const side of sides) if (await rejectsMalformed(calls[side])) validating.push(side)

  const rows: Row[] = []
  for (const [label, total, parallel] of [
    [`sequential (rounds of ${SEQUENTIAL})`, SEQUENTIAL, 1],
    [`${CONCURRENCY} concurrent (rounds of ${CONCURRENT_TOTAL})`, CONCURRENT_TOTAL, CONCURRENCY],
  ] as const) {
    const runs = Object.fromEntries(sides.map((side) => [side, () => measure(calls[side], total, parallel)])) as Record<
      Side,
      () => ReturnType<typeof measure>
    >
    await interleaved(runs, 2) // warm-up: JIT, sockets
    const results = await interleaved(runs, ROUNDS)
    const rate = (side: Side) => median(results[side].map((run) => run.rate))
    const cpu = (side: Side) => median(results[side].map((run) => run.cpuPerCall))
    const figure = (side: Side) =>
      `${rate(side).toFixed(0)} req/s (${spread(results[side].map((run) => Math.round(run.rate))).replaceAll('.00', '')}; CPU ${cpu(side).toFixed(0)} µs/call)`
    const ratio = rate('ours') / rate('raw')
    rows.push({
      benchmark: `status(): ${label}`,
      ours: figure('ours'),
      baseline: `raw fetch + JSON.parse ${figure('raw')}`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≥ 0.90×',
      pass: ratio >= 0.9,
    })
    rows.push({
      benchmark: '… beside raw fetch with a timeout signal',
      ours: `CPU ${cpu('ours').toFixed(0)} µs/call`,
      baseline: figure('raw-timeout'),
      ratio: `${(rate('ours') / rate('raw-timeout')).toFixed(2)}× req/s, ${(cpu('ours') / cpu('raw-timeout')).toFixed(2)}× CPU`,
      target: '—',
    })
    for (const peer of PEER_NAMES) {
      rows.push({
        benchmark: `… beside ${peers.label(peer)}`,
        ours: `CPU ${cpu('ours').toFixed(0)} µs/call`,
        baseline: figure(peer),
        ratio: `${(rate('ours') / rate(peer)).toFixed(2)}× req/s, ${(cpu('ours') / cpu(peer)).toFixed(2)}× CPU`,
        target: 'less CPU/call',
        pass: cpu('ours') < cpu(peer),
      })
    }
  }
  const others = sides.filter((side) => !validating.includes(side))
  await recordSection(
    'Per-call overhead',
    'node --import tsx bench/overhead.ts',
    rows,
    `Median of ${ROUNDS} rounds per side after 2 warm-up rounds, interleaved, each round starting one side further along. CPU is this process's user + system time per call (the server's is not in it); the CPU ratio is ours ÷ the peer's (below 1 is less). Every side reads the same fixed ${STATUS_BODY.length}-byte completed-job status from one minimal node:http server in a child process, over keep-alive loopback, and must get \`status: 'completed'\` back. The calls: ours \`client.status(id)\` (created with \`rateLimit: false\`: its limiter paces calls under the real API's 100 requests a minute and would otherwise throttle the benchmark, not measure it), which includes everything a call does: id check, headers, timeout signal, retry wrapper, zod validation; raw \`fetch\` + \`JSON.parse\`, and the same with what any call that can time out adds (an \`AbortController\` whose signal goes to fetch, and a 60 s timer cleared after: the floor for a client with a per-call timeout, which ours has and replicate's has not); axios \`create({ baseURL, timeout, headers })\` + \`get(path)\`, as the vendor's Node SDK configures it and as its \`status()\` calls it; openai \`client.get(path)\`; replicate \`replicate.request(path)\` + \`.json()\`; fal \`queue.status(endpoint, { requestId })\`, with a request middleware pointing its fixed origin at the server. Peers are installed from the npm registry into a temporary project at these exact versions. Checked in the same run, by a 200 whose JSON is not a job status: ${validating.length ? validating.join(', ') : 'none'} rejected it; ${others.join(', ')} returned it as if it were one. ${peers.engineNote()}`.trimEnd(),
  )
} finally {
  await server.stop()
  await peers.remove()
}
