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
/**
 * A `transparent_format` this SDK knows: `webm_vp9`, `mov_prores`, `png_sequence`, `pro_bundle`, `stacked_video`,
 * `gif`, `webp`, `lottie` or `mask_video_inverted` (`Prefer` names each and says what it produces). Computed from the
 * SDK's one table of output formats, so a format added there joins this type too.
 *
 * @useDeclaredType
 */
export type TransparentName = { [F in OutputFormat]: (typeof OUTPUT_FORMATS)[F]['transparent'] extends true ? F : never }[OutputFormat]

/** The file extension (without the dot) of `format`'s main output; `bin` for a format this SDK does not know yet. */
export function outputExtension(format: string): string {
  return Object.hasOwn(OUTPUT_FORMATS, format) ? OUTPUT_FORMATS[format as OutputFormat].extension : 'bin'
}

/** Every `transparent_format`, in the table's order. */
export const TRANSPARENT_FORMATS = (Object.keys(OUTPUT_FORMATS) as OutputFormat[]).filter(
  (format) => OUTPUT_FORMATS[format].transparent,
) as TransparentName[]

/**
 * The containers the API takes for upload (MP4, MOV, WebM, AVI, MKV, M4V, and QuickTime's `.qt`), by extension,
 * and the content type each is declared with: the create-job enum has only `video/mp4`, `video/mov` and
 * `video/webm`, and the vendor's own SDKs declare the others as `video/mp4`.
 */
export const UPLOAD_CONTAINERS = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/mov',
  qt: 'video/mov',
  webm: 'video/webm',
  mkv: 'video/mp4',
  avi: 'video/mp4',
} as const

/** The content types a file job may declare. */
export const UPLOAD_CONTENT_TYPES: readonly string[] = ['video/mp4', 'video/mov', 'video/webm']

/** The content type to declare for a file named `filename`, or undefined when its extension is not one the API takes. */
export function uploadContentType(filename: string): string | undefined {
  const extension = /\.([^./\\]+)$/.exec(filename)?.[1]?.toLowerCase() ?? ''
  return Object.hasOwn(UPLOAD_CONTAINERS, extension) ? UPLOAD_CONTAINERS[extension as keyof typeof UPLOAD_CONTAINERS] : undefined
}

/** `.mp4, .m4v, …`: the extensions a message lists. */
export const UPLOAD_EXTENSIONS = Object.keys(UPLOAD_CONTAINERS)
  .map((extension) => `.${extension}`)
  .join(', ')
