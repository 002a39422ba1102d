// A consumer of the msw handlers, the one part of ./testing that needs msw installed.
import { setupServer } from 'msw/node'
import { FakeApi } from '@videobgremover/sdk/testing'
import { fakeApiHandlers } from '@videobgremover/sdk/testing/msw'

export const server = setupServer(...fakeApiHandlers(new FakeApi()))
