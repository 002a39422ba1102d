export const DEFAULT_BASE_URL = 'https://api.videobgremover.com'
export const API_KEY_ENV = 'VIDEOBGREMOVER_API_KEY'
