/** A job's steps as the job page lists them, from the flight recorder's step entries. */
import { describe, expect, it } from 'vitest'
import type { JobTimelineEntry } from '../src/api'
import { jobSteps, took } from '../src/components/job/steps'

const T0 = Date.parse('2026-12-07T04:00:00.000Z')
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()
const entry = (kind: string, seconds: number, detail: Record<string, unknown>): JobTimelineEntry => ({ time: at(seconds), source: 'scheduler', kind, detail })

describe('the steps of a job', () => {
  it('each step has its first begin, last end, attempts and the failed attempt’s reason', () => {
    const steps = jobSteps([
      entry('job_started', 0, { task: 'reinstall', steps: 3 }),
      entry('step_begin', 1, { index: 0, action: 'SetPXEBoot', target: 'driver', attempt: 1 }),
      entry('step_end', 3, { index: 0, action: 'SetPXEBoot', target: 'driver', attempt: 1, result: 'ok' }),
      entry('step_begin', 4, { index: 1, action: 'PowerCycle', target: 'driver', attempt: 1 }),
      entry('bmc_call', 5, { call: 'chassis power cycle', backend: 'ipmi', result: 'error' }),
      entry('step_end', 6, { index: 1, action: 'PowerCycle', target: 'driver', attempt: 1, result: 'failed', error: 'bmc_unreachable', message: 'no answer from 10.0.0.9' }),
      entry('step_begin', 20, { index: 1, action: 'PowerCycle', target: 'driver', attempt: 2 }),
      entry('step_end', 95, { index: 1, action: 'PowerCycle', target: 'driver', attempt: 2, result: 'ok' }),
      entry('step_begin', 96, { index: 2, action: 'WaitAgent', target: 'agent', attempt: 1 }),
    ])
    expect(steps).toEqual([
      { index: 0, action: 'SetPXEBoot', target: 'driver', attempts: 1, begin: at(1), end: at(3), state: 'ok', reason: '' },
      { index: 1, action: 'PowerCycle', target: 'driver', attempts: 2, begin: at(4), end: at(95), state: 'ok', reason: 'bmc_unreachable: no answer from 10.0.0.9' },
      { index: 2, action: 'WaitAgent', target: 'agent', attempts: 1, begin: at(96), end: null, state: 'running', reason: '' },
    ])
    expect(took(steps[1]!.begin, steps[1]!.end)).toBe('1 min 31 s')
    expect(took(steps[0]!.begin, steps[0]!.end)).toBe('2.0 s')
    expect(took(steps[2]!.begin, steps[2]!.end)).toBe('—')
  })

  it('a step that timed out shows it; steps in index order, entries in time order', () => {
    const steps = jobSteps([
      entry('step_end', 300, { index: 3, action: 'WaitAgent', attempt: 1, result: 'timeout', error: 'step_timeout' }),
      entry('step_begin', 0, { index: 3, action: 'WaitAgent', attempt: 1 }),
      entry('step_begin', 0, { index: 2, action: 'Boot', attempt: 1 }),
    ])
    expect(steps.map((s) => [s.index, s.state, s.reason])).toEqual([
      [2, 'running', ''],
      [3, 'timeout', 'step_timeout'],
    ])
  })
})
