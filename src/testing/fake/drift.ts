import type { FakeEndpoint } from './routes'

/**
 * The fake's drifted answers (`FakeApiOptions.drift`): what the real API has been seen to send, or may, beside its
 * docs, applied to every successful JSON body while the fields a client cannot do without stay as documented.
 * Written from the vendor's SDKs and templates, not from the SDK's tolerance policy: this is the witness that
 * checks it.
 * - numbers arrive as numeric strings (`"length_seconds": "30.5"`, `"total_credits": "1000"`);
 * - timestamps arrive without a zone (`2026-01-01T09:00:00.000`, meaning UTC);
 * - objects arrive as text (`background`), a failure reason as an object (`error`), absent fields as `null`;
 * - the webhook history loses its count and sends a delivery's payload as text;
 * - unknown fields, nested, appear everywhere.
 */
export function drift(endpoint: FakeEndpoint, body: object): object {
  const drifted: Record<string, unknown> = { ...body, region: 'eu-west-1', x_debug: { trace: ['drift', { depth: 2 }] } }
  for (const [field, value] of Object.entries(body)) {
    if (typeof value === 'number') drifted[field] = String(value)
    else if (typeof value === 'string' && field.endsWith('_at')) drifted[field] = value.replace(/Z$/, '')
  }
  if (endpoint === 'status') {
    if ('background' in body) drifted.background = JSON.stringify((body as { background: unknown }).background)
    if ('error' in body) drifted.error = { code: 'processing_failed', message: (body as { error: unknown }).error }
    drifted.thumbnail_url ??= null
  }
  if (endpoint === 'deliveries') {
    delete drifted.total_deliveries
    const { deliveries } = body as { deliveries?: { payload?: unknown }[] }
    drifted.deliveries = deliveries?.map((delivery) => ({ ...delivery, payload: JSON.stringify(delivery.payload), attempt_number: '1' }))
  }
  return drifted
}
