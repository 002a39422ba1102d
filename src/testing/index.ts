export { FAKE_API_KEY, FakeApi, FakeConnectionDrop, fakeResultBytes, fakeResultFile } from './fake/index'
export type {
  FakeApiOptions,
  FakeBackground,
  FakeEndpoint,
  FakeFault,
  FakeJob,
  FakeJobStatus,
  FakeMisbehaviour,
  FakeRateLimit,
  FakeUpload,
  FakeWebhookDelivery,
  LedgerEntry,
} from './fake/index'
