/**
 * A job's steps as a list, from its flight recorder: each step's first begin and last end,
 * how many attempts it took, how the last attempt ended and why the last failed one failed
 * (`step_begin` / `step_end` entries; their detail: bmp_scheduler's workflow recorder).
 */
import type { JobTimelineEntry } from '../../api'

export type StepState = 'running' | 'ok' | 'failed' | 'timeout' | string

export interface JobStep {
  index: number
  action: string
  target: string
  attempts: number
  /** ISO times; `end` is null while an attempt runs. */
  begin: string
  end: string | null
  state: StepState
  /** The error code and message of the last failed attempt ('' if none failed). */
  reason: string
}

const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value))

export function jobSteps(entries: JobTimelineEntry[]): JobStep[] {
  const steps = new Map<number, JobStep>()
  // Oldest first (the recorder's order; sorted again in case two writers' entries interleave).
  const ordered = [...entries].sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
  for (const entry of ordered) {
    if (entry.kind !== 'step_begin' && entry.kind !== 'step_end') continue
    const d = entry.detail ?? {}
    const index = Number(d.index)
    if (!Number.isFinite(index)) continue
    let step = steps.get(index)
    if (!step) {
      step = { index, action: text(d.action), target: text(d.target), attempts: 0, begin: entry.time, end: null, state: 'running', reason: '' }
      steps.set(index, step)
    }
    const attempt = Number(d.attempt)
    if (Number.isFinite(attempt)) step.attempts = Math.max(step.attempts, attempt)
    if (entry.kind === 'step_begin') {
      step.attempts = Math.max(step.attempts, 1)
      step.end = null
      step.state = 'running'
    } else {
      step.attempts = Math.max(step.attempts, 1)
      step.end = entry.time
      step.state = text(d.result) || 'failed'
      if (step.state !== 'ok') step.reason = [text(d.error), text(d.message)].filter(Boolean).join(': ')
    }
  }
  return [...steps.values()].sort((a, b) => a.index - b.index)
}

/** Seconds between two ISO times, as '12.3 s' or '4 min 05 s' ('—' when not ended). */
export function took(begin: string, end: string | null): string {
  if (!end) return '—'
  const seconds = (Date.parse(end) - Date.parse(begin)) / 1000
  if (!Number.isFinite(seconds) || seconds < 0) return '—'
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  return `${Math.floor(seconds / 60)} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`
}
