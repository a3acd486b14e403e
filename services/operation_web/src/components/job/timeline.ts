/**
 * A job's flight recorder (describeJobTimeline) as lines people read: one sentence per entry,
 * from its kind and detail (the detail fields each writer sets: bmp_common.flight and its
 * writers). Sentences are i18n keys with their parameters, so these functions stay pure and
 * testable; the server's own texts (a step's error message, a TFTP error) go in `note`, as they
 * come: they are English in both languages.
 */
import type { JobTimelineEntry } from '../../api'

/** An i18n key and its parameters; a parameter may itself be a phrase (a status's name). */
export interface Phrase {
  key: string
  params: Record<string, string | number | Phrase>
}
export interface TimelineLine {
  phrase: Phrase
  /** Secondary facts, shown in parentheses after the sentence. */
  extras: Phrase[]
  /** The server's own text (untranslated), after a dash. */
  note: string
}
export type Translate = (key: string, params: Record<string, string | number>) => string

const PREFIX = 'job.timeline'
const NONE = '—'
const NOTE_MAX = 300
const JOB_STATUSES = ['queued', 'submitted', 'running', 'succeeded', 'failed', 'cancelled']
const STEP_RESULTS = ['ok', 'failed', 'timeout']
export const SOURCES = ['api', 'scheduler', 'bmc', 'agent', 'dhcp', 'tftp', 'http', 'sel'] as const
/** The verdict codes the contract names (parts/job.yaml, JobTimeline.verdict.code). */
export const VERDICTS = [
  'bmc_auth',
  'bmc_privilege',
  'bmc_unreachable',
  'no_dhcp',
  'dhcp_unanswered',
  'no_tftp',
  'boot_file_refused',
  'no_heartbeat',
  'agent_silent',
  'agent_step_failed',
  'step_timeout',
  'step_failed',
] as const

function phrase(name: string, params: Phrase['params'] = {}): Phrase {
  return { key: `${PREFIX}.lines.${name}`, params }
}
function extra(name: string, params: Phrase['params']): Phrase {
  return { key: `${PREFIX}.extras.${name}`, params }
}

/** A detail value as short text: '—' when absent, JSON for a structure. */
export function plain(value: unknown): string {
  if (value === undefined || value === null || value === '') return NONE
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}
function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== ''
}
/** A named value the console translates (a job status, a step result), else the raw text. */
function named(value: unknown, known: readonly string[], key: string): string | Phrase {
  const text = plain(value)
  return known.includes(text) ? { key: `${key}.${text}`, params: {} } : text
}
function note(...parts: unknown[]): string {
  const text = parts.filter(present).map(plain).join(': ')
  return text.length > NOTE_MAX ? `${text.slice(0, NOTE_MAX - 1)}…` : text
}

/** The epoch seconds of a heartbeat summary, or an ISO time, as 'YYYY-MM-DD HH:mm:ss.SSS' UTC. */
export function utcTime(time: string | number): string {
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date(time)
  if (Number.isNaN(date.getTime())) return plain(time)
  return date.toISOString().replace('T', ' ').replace('Z', '')
}

/** How long after `start` (the first entry) `time` came: '+0.000 s', '+12.5 s', '+3 min 05 s'. */
export function sinceStart(start: string, time: string): string {
  const seconds = (Date.parse(time) - Date.parse(start)) / 1000
  if (Number.isNaN(seconds)) return NONE
  const sign = seconds < 0 ? '-' : '+'
  const abs = Math.abs(seconds)
  if (abs < 60) return `${sign}${abs.toFixed(abs < 10 ? 3 : 1)} s`
  const minutes = Math.floor(abs / 60)
  const rest = String(Math.floor(abs % 60)).padStart(2, '0')
  return `${sign}${minutes} min ${rest} s`
}

/** One entry as a sentence, its extras and the server's note. */
export function describeEntry(entry: JobTimelineEntry): TimelineLine {
  const d = entry.detail ?? {}
  const extras: Phrase[] = []
  const optional = (name: string, field: string) => {
    if (present(d[field])) extras.push(extra(name, { value: plain(d[field]) }))
  }
  const step = { index: plain(d.index), action: plain(d.action), attempt: plain(d.attempt) }
  switch (entry.kind) {
    case 'job_created':
      return {
        phrase: present(d.createdBy) ? phrase('jobCreatedBy', { task: plain(d.task), createdBy: plain(d.createdBy) }) : phrase('jobCreated', { task: plain(d.task) }),
        extras,
        note: '',
      }
    case 'job_started':
      optional('request', 'requestId')
      return { phrase: phrase('jobStarted', { task: plain(d.task), steps: plain(d.steps) }), extras, note: '' }
    case 'job_ended':
      return { phrase: phrase('jobEnded', { status: named(d.status, JOB_STATUSES, 'job.statuses') }), extras, note: note(d.reason, d.message) }
    case 'step_begin':
      optional('target', 'target')
      optional('timeout', 'timeoutS')
      return { phrase: phrase('stepBegin', step), extras, note: '' }
    case 'step_end':
      optional('target', 'target')
      return { phrase: phrase('stepEnd', { ...step, result: named(d.result, STEP_RESULTS, `${PREFIX}.results`) }), extras, note: note(d.error, d.message) }
    case 'bmc_call':
      optional('duration', 'durationS')
      optional('count', 'count')
      optional('tries', 'tries')
      optional('step', 'step')
      return { phrase: phrase('bmcCall', { call: plain(d.call), backend: plain(d.backend), result: plain(d.result) }), extras, note: '' }
    case 'heartbeats':
      if (typeof d.first === 'number') extras.push(extra('first', { value: utcTime(d.first) }))
      if (typeof d.last === 'number') extras.push(extra('last', { value: utcTime(d.last) }))
      return { phrase: phrase('heartbeats', { count: plain(d.count), phase: plain(d.phase) }), extras, note: '' }
    case 'dhcp_packet':
      optional('xid', 'xid')
      return { phrase: phrase('dhcpPacket', { type: plain(d.type) }), extras, note: note(d.detail) }
    case 'file_fetched':
      optional('bytes', 'bytes')
      return { phrase: phrase('fileFetched', { file: plain(d.file), status: plain(d.status) }), extras, note: note(d.error) }
    case 'sel_record':
      optional('sensorType', 'sensorType')
      return { phrase: phrase('selRecord', { recordId: plain(d.recordId), sensor: plain(d.sensor), event: plain(d.event) }), extras, note: '' }
    default: {
      // A kind this console does not know yet (a newer writer): its fields as they are.
      const fields = Object.entries(d).map(([key, value]) => `${key}=${plain(value)}`)
      return { phrase: phrase('other', { kind: plain(entry.kind) }), extras, note: note(fields.join(', ')) }
    }
  }
}

/** Every i18n key a line uses (the tests check each exists in both languages). */
export function lineKeys(line: TimelineLine): string[] {
  const of = (p: Phrase): string[] => [p.key, ...Object.values(p.params).flatMap((value) => (typeof value === 'object' ? of(value) : []))]
  return [...of(line.phrase), ...line.extras.flatMap(of)]
}

function say(p: Phrase, t: Translate): string {
  const params: Record<string, string | number> = {}
  for (const [name, value] of Object.entries(p.params)) params[name] = typeof value === 'object' ? say(value, t) : value
  return t(p.key, params)
}

/** The line as one string: 'sentence (extra, extra) — note'. */
export function lineText(line: TimelineLine, t: Translate): string {
  const extras = line.extras.map((p) => say(p, t))
  let text = say(line.phrase, t)
  if (extras.length) text += ` (${extras.join(', ')})`
  if (line.note) text += ` — ${line.note}`
  return text
}

/** The i18n key of a source's name, or null for one this console does not know. */
export function sourceKey(source: string): string | null {
  return (SOURCES as readonly string[]).includes(source) ? `${PREFIX}.sources.${source}` : null
}
/** The i18n key of a verdict's short title, or null for a code this console does not know. */
export function verdictKey(code: string): string | null {
  return (VERDICTS as readonly string[]).includes(code) ? `${PREFIX}.verdicts.${code}` : null
}
