/** This SDK's version, as in its `package.json`; also sent in the `User-Agent` header from server runtimes. */
export const VERSION = '0.2.0'
