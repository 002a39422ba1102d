/**
 * Every output format the API produces, with the extension and MIME type of its main output file: the one table
 * read by `Prefer`, `Foreground`, the CLI and compose. `transparent` marks the `transparent_format` values; `mp4` is
 * what a colour, composition or green-screen job produces.
 */
export const OUTPUT_FORMATS = {
  webm_vp9: { extension: 'webm', mimeType: 'video/webm', transparent: true },
  mov_prores: { extension: 'mov', mimeType: 'video/quicktime', transparent: true },
  png_sequence: { extension: 'zip', mimeType: 'application/zip', transparent: true },
  pro_bundle: { extension: 'zip', mimeType: 'application/zip', transparent: true },
  stacked_video: { extension: 'mp4', mimeType: 'video/mp4', transparent: true },
  gif: { extension: 'gif', mimeType: 'image/gif', transparent: true },
  webp: { extension: 'webp', mimeType: 'image/webp', transparent: true },
  lottie: { extension: 'json', mimeType: 'application/json', transparent: true },
  mask_video_inverted: { extension: 'mp4', mimeType: 'video/mp4', transparent: true },
  mp4: { extension: 'mp4', mimeType: 'video/mp4', transparent: false },
} as const

export type OutputFormat = keyof typeof OUTPUT_FORMATS
/** A `transparent_format` this SDK knows. */
export type TransparentName = { [F in OutputFormat]: (typeof OUTPUT_FORMATS)[F]['transparent'] extends true ? F : never }[OutputFormat]

/** The file extension (without the dot) of `format`'s main output; `bin` for a format this SDK does not know yet. */
export function outputExtension(format: string): string {
  return Object.hasOwn(OUTPUT_FORMATS, format) ? OUTPUT_FORMATS[format as OutputFormat].extension : 'bin'
}

/** Every `transparent_format`, in the table's order. */
export const TRANSPARENT_FORMATS = (Object.keys(OUTPUT_FORMATS) as OutputFormat[]).filter(
  (format) => OUTPUT_FORMATS[format].transparent,
) as TransparentName[]
