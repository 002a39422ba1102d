/**
 * Finding 9: verifyWebhook confirmed an event for job X when the API answered for job A, and for a job that really
 * completed it kept the delivery's forged fields, such as `processed_video_url`.
 */
import { describe, expect, it } from 'vitest'
import type { JobStatus } from '../../src/index'
import { parseWebhook, verifyWebhook } from '../../src/webhooks'

const X = 'job-x'
const A = 'job-a'
const answering = (status: JobStatus) => ({ status: async () => status })

describe('verifyWebhook', () => {
  it("does not confirm an event for one job with another job's status", async () => {
    const event = parseWebhook({ job_id: X, event: 'job.completed' })
    const verified = await verifyWebhook(event, answering({ id: A, status: 'completed' }))
    expect(verified.confirmed).toBe(false)
  })

  it("keeps none of the delivery's own fields, so a forged result URL cannot pass as verified", async () => {
    const forged = parseWebhook({ job_id: X, event: 'job.completed', processed_video_url: 'https://evil.test/x.webm', status: 'completed' })
    const verified = await verifyWebhook(
      forged,
      answering({ id: X, status: 'completed', processed_video_url: 'https://storage.test/real.webm' }),
    )
    expect(verified.confirmed).toBe(true)
    expect(verified.event).toEqual({ type: 'job.completed', job_id: X })
    expect(JSON.stringify(verified)).not.toContain('evil.test')
    expect(verified.job?.processed_video_url).toBe('https://storage.test/real.webm')
  })
})
