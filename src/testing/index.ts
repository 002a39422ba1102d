export { FAKE_API_KEY, FakeApi, FakeConnectionDrop, fakeResultBytes, fakeResultFile } from './fake-api'
export type {
  FakeApiOptions,
  FakeBackground,
  FakeEndpoint,
  FakeFault,
  FakeJob,
  FakeJobStatus,
  FakeRateLimit,
  FakeUpload,
  FakeWebhookDelivery,
  LedgerEntry,
} from './fake-api'
