export const DEFAULT_BASE_URL = 'https://api.videobgremover.com'
export const API_KEY_ENV = 'VIDEOBGREMOVER_API_KEY'
export const BASE_URL_ENV = 'VIDEOBGREMOVER_BASE_URL'
