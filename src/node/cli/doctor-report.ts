import type { DoctorCheck, DoctorReport } from '../index'
import { inFlags } from './failure'

const WIDTH = 110
const NAME_WIDTH = 16
const RESULT_WIDTH = 8
const INDENT = ' '.repeat(NAME_WIDTH + RESULT_WIDTH)
const SHOWN: Record<DoctorCheck['result'], string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL' }

/** The report as the CLI says it: the SDK's option names in its texts replaced by the flags that set them. */
export function inCliTerms(report: DoctorReport): DoctorReport {
  const checks = report.checks.map((check) => ({
    ...check,
    evidence: check.evidence.map(inFlags),
    ...(check.advice === undefined ? {} : { advice: inFlags(check.advice) }),
  }))
  return { ...report, checks }
}

/**
 * The report as a table for a terminal or a pipe: one row per check (its name, verdict and evidence, a line per
 * fact), the advice under a check that did not pass, and a summary line naming the exit code.
 */
export function reportTable(report: DoctorReport, exitCode: number): string {
  const lines = [`${'CHECK'.padEnd(NAME_WIDTH)}${'RESULT'.padEnd(RESULT_WIDTH)}EVIDENCE`]
  for (const check of report.checks) {
    const [first = '', ...rest] = check.evidence.flatMap((fact) => wrap(fact, INDENT))
    lines.push(`${check.name.padEnd(NAME_WIDTH)}${SHOWN[check.result].padEnd(RESULT_WIDTH)}${first.trimStart()}`, ...rest)
    if (check.advice !== undefined) lines.push(...wrap(`→ ${check.advice}`, INDENT))
  }
  const { pass, warn, fail } = report.summary
  lines.push('', `${report.checks.length} checks: ${pass} pass, ${warn} warn, ${fail} fail (exit code ${exitCode})`)
  return lines.join('\n')
}

/** `text` broken at spaces into lines of at most `WIDTH` columns: the first after `indent`, the rest two columns further. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = []
  let line = ''
  const room = () => WIDTH - indent.length - (lines.length === 0 ? 0 : 2)
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > room()) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  lines.push(line)
  return lines.map((part, i) => `${indent}${i === 0 ? '' : '  '}${part}`)
}
