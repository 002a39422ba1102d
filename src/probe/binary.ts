// Big-endian reads over byte slices. DataView throws a RangeError past the end of a slice, which the probe treats
// as "this field is unreadable", so a missing length check costs a field, never a wrong value.

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** The unsigned 16-bit integer at `at`. */
export const uint16 = (bytes: Uint8Array, at: number) => view(bytes).getUint16(at)

/** The unsigned 32-bit integer at `at`. */
export const uint32 = (bytes: Uint8Array, at: number) => view(bytes).getUint32(at)

/** The unsigned 64-bit integer at `at`, as a number (exact up to 2^53, which covers every real size and duration). */
export function uint64(bytes: Uint8Array, at: number): number {
  const data = view(bytes)
  return data.getUint32(at) * 2 ** 32 + data.getUint32(at + 4)
}

/** An unsigned big-endian integer of `length` bytes (1–8) at `at`, as a number. */
export function uintN(bytes: Uint8Array, at: number, length: number): number {
  if (at + length > bytes.length) throw new RangeError('integer past the end of the slice')
  let value = 0
  for (let i = 0; i < length; i++) value = value * 256 + bytes[at + i]!
  return value
}

/** Four bytes at `at` as Latin-1 text (a box type or brand), or '' when the slice is too short. */
export function fourcc(bytes: Uint8Array, at: number): string {
  if (at < 0 || at + 4 > bytes.length) return ''
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!)
}
