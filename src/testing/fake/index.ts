// The fake's public face, re-exported as '@videobgremover/sdk/testing' by src/testing/index.ts.
export { FAKE_API_KEY, FakeApi, type FakeApiOptions, type LedgerEntry } from './api'
export { FakeConnectionDrop, type FakeFault } from './faults'
export type { FakeBackground, FakeJob, FakeJobStatus, FakeUpload, FakeWebhookDelivery } from './job-state'
export type { FakeMisbehaviour } from './misbehaviour'
export type { FakeRateLimit } from './rate-window'
export { fakeResultBytes, fakeResultFile } from './results'
export type { FakeEndpoint } from './routes'
