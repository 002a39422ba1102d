/** The values tests share: a base URL msw intercepts, a well-formed key, a job id, the key's variable. */
export const BASE = 'https://api.test'
export const KEY = 'vbr_0123456789abcdef0123456789abcdef'
export const JOB = '3f2b1c9e-8a7d-4e6f-9b1a-2c3d4e5f6a7b'
export const KEY_ENV = 'VIDEOBGREMOVER_API_KEY'
