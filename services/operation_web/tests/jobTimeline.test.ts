/**
 * A job's timeline as the operator reads it: one sentence per entry kind, in both languages;
 * the verdict on top with its code and message (the timeline component over a stand-in BFF).
 */
import { configureClient } from '@bmp/web-common/api/client'
import { setupI18n } from '@bmp/web-common/i18n/index'
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fakeBff, ok } from '../../web_common/tests/fakeFetch'
import type { JobTimelineEntry } from '../src/api'
import JobTimeline from '../src/components/job/JobTimeline.vue'
import { describeEntry, lineKeys, lineText, sinceStart, SOURCES, sourceKey, utcTime, VERDICTS, verdictKey, type Translate } from '../src/components/job/timeline'
import enUS from '../src/locales/en-US'
import zhCN from '../src/locales/zh-CN'

configureClient({ baseUrl: '/operation-web', csrfCookie: 'csrf', userPath: '/user/local' })
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const T0 = '2026-12-07T04:00:00.000Z'
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString()
const entry = (kind: string, detail: Record<string, unknown>, source = 'scheduler', time = T0): JobTimelineEntry => ({ time, source, kind, detail })

/** One entry of each kind, as the writers set them (bmp_common.flight and its callers). */
const ENTRIES: JobTimelineEntry[] = [
  entry('job_created', { task: 'putaway', createdBy: 'admin' }, 'api'),
  entry('job_started', { task: 'putaway', requestId: 'req-9', steps: 4 }),
  entry('step_begin', { index: 1, action: 'SetPXEBoot', target: 'driver', attempt: 1, timeoutS: 120 }),
  entry('bmc_call', { step: 'SetPXEBoot', call: 'chassis bootdev pxe', backend: 'ipmitool', durationS: 0.42, result: 'USERNAME_OR_PASSWORD_ERROR', tries: 2 }, 'bmc'),
  entry('step_end', { index: 1, action: 'SetPXEBoot', target: 'driver', attempt: 1, result: 'failed', error: 'USERNAME_OR_PASSWORD_ERROR', message: 'BMC refused' }, 'bmc'),
  entry('heartbeats', { phase: 'MakeRaid', count: 12, first: 1796616000, last: 1796616060.5 }, 'agent'),
  entry('dhcp_packet', { type: 'DISCOVER', xid: '0x0000abcd' }, 'dhcp'),
  entry('file_fetched', { file: 'pxelinux.0', status: 'done', bytes: 26826 }, 'tftp'),
  entry('sel_record', { recordId: 17, sensor: 'PSU1', sensorType: 'Power Supply', event: 'Power Supply AC lost' }, 'sel'),
  entry('job_ended', { status: 'failed', reason: 'USERNAME_OR_PASSWORD_ERROR', message: 'BMC refused' }),
]

function translators() {
  const i18n = setupI18n({ 'zh-CN': zhCN, 'en-US': enUS })
  const composer = i18n.global as unknown as { t: Translate; te: (key: string, locale: string) => boolean; locale: { value: string } }
  const say = (locale: string): Translate => (key, params) => {
    composer.locale.value = locale
    return composer.t(key, params)
  }
  return { en: say('en-US'), zh: say('zh-CN'), has: composer.te }
}

describe('a timeline entry as one line', () => {
  const { en, zh, has } = translators()

  it('reads each kind in English', () => {
    expect(ENTRIES.map((item) => lineText(describeEntry(item), en))).toEqual([
      'Job putaway created by admin',
      'Job putaway started: 4 steps (request req-9)',
      'Step 1 SetPXEBoot began, attempt 1 (on driver, timeout 120 s)',
      'BMC call chassis bootdev pxe via ipmitool: USERNAME_OR_PASSWORD_ERROR (0.42 s, 2 tries, in SetPXEBoot)',
      'Step 1 SetPXEBoot ended: failed, attempt 1 (on driver) — USERNAME_OR_PASSWORD_ERROR: BMC refused',
      '12 agent heartbeats during MakeRaid (first 2026-12-07 04:00:00.000, last 2026-12-07 04:01:00.500)',
      'DHCP DISCOVER (xid 0x0000abcd)',
      'File pxelinux.0 asked for: done (26826 bytes)',
      'SEL record 17: PSU1, Power Supply AC lost (type Power Supply)',
      'Job ended: Failed — USERNAME_OR_PASSWORD_ERROR: BMC refused',
    ])
  })

  it('reads each kind in Chinese, every key it uses in both languages', () => {
    for (const item of ENTRIES) {
      const line = describeEntry(item)
      for (const key of lineKeys(line)) {
        expect(has(key, 'en-US'), key).toBe(true)
        expect(has(key, 'zh-CN'), key).toBe(true)
      }
    }
    expect(lineText(describeEntry(ENTRIES[9]!), zh)).toBe('任务结束：失败 — USERNAME_OR_PASSWORD_ERROR: BMC refused')
    expect(lineText(describeEntry(ENTRIES[4]!), zh)).toBe('步骤 1 SetPXEBoot 结束：失败，第 1 次尝试 (执行方 driver) — USERNAME_OR_PASSWORD_ERROR: BMC refused')
  })

  it('an absent field reads as a dash; a job created without its creator (a tenant’s view) says no one', () => {
    expect(lineText(describeEntry(entry('job_created', { task: 'reinstall' }, 'api')), en)).toBe('Job reinstall created')
    expect(lineText(describeEntry(entry('file_fetched', { status: 404 }, 'http')), en)).toBe('File — asked for: 404')
  })

  it('a kind it does not know shows its name and its fields as they came', () => {
    const line = describeEntry(entry('agent_result', { action: 'MakeRaid', ok: true, data: { disks: 2 } }, 'agent'))
    expect(lineText(line, en)).toBe('agent_result — action=MakeRaid, ok=true, data={"disks":2}')
  })

  it('a long server message is cut', () => {
    const line = describeEntry(entry('step_end', { index: 0, action: 'Ping', attempt: 1, result: 'failed', message: 'x'.repeat(1000) }))
    expect(line.note.length).toBe(300)
    expect(line.note.endsWith('…')).toBe(true)
  })

  it('names every source and verdict the contract lists, in both languages', () => {
    for (const key of [...SOURCES.map(sourceKey), ...VERDICTS.map(verdictKey)]) {
      expect(has(key!, 'en-US'), key!).toBe(true)
      expect(has(key!, 'zh-CN'), key!).toBe(true)
    }
    expect(sourceKey('nfs')).toBeNull()
    expect(verdictKey('something_new')).toBeNull()
  })
})

describe('times', () => {
  it('in UTC to the millisecond, from ISO or epoch seconds', () => {
    expect(utcTime('2026-12-07T04:50:25.123Z')).toBe('2026-12-07 04:50:25.123')
    expect(utcTime(1796616060.5)).toBe('2026-12-07 04:01:00.500')
    expect(utcTime('not a time')).toBe('not a time')
  })
  it('since the first entry', () => {
    expect(sinceStart(T0, T0)).toBe('+0.000 s')
    expect(sinceStart(T0, at(2.5))).toBe('+2.500 s')
    expect(sinceStart(T0, at(42.25))).toBe('+42.3 s')
    expect(sinceStart(T0, at(185))).toBe('+3 min 05 s')
    expect(sinceStart(T0, at(-1))).toBe('-1.000 s')
  })
})

describe('the timeline on the job page', () => {
  it('shows the verdict (its code and message) above the entries', async () => {
    document.cookie = 'X-Jdcloud-Language=en_US'
    const timeline = {
      jobId: 'j-1',
      task: 'putaway',
      status: 'failed',
      instanceId: '',
      verdict: { code: 'bmc_auth', message: 'BMC refused the password: correct the device’s BMC user and password' },
      entries: ENTRIES.map((item, index) => ({ ...item, time: at(index) })),
    }
    const { sent } = fakeBff({ 'GET /operation-web/jobs/j-1/timeline': ok(timeline) })
    const view = mount(JobTimeline, { props: { jobId: 'j-1' }, global: { plugins: [setupI18n({ 'zh-CN': zhCN, 'en-US': enUS })] }, attachTo: document.body })
    await flushPromises()
    const verdict = view.find('[data-testid="job-verdict"]')
    expect(verdict.text()).toContain('Likely cause: the BMC refused the password')
    expect(verdict.text()).toContain('bmc_auth')
    expect(verdict.text()).toContain('correct the device’s BMC user and password')
    const rows = view.findAll('tbody tr')
    expect(rows.length).toBe(ENTRIES.length)
    expect(rows[0]!.text()).toContain('2026-12-07 04:00:00.000')
    expect(rows[0]!.text()).toContain('Job putaway created by admin')
    expect(rows[4]!.classes()).toContain('failed-row')
    expect(rows[4]!.text()).toContain('+4.000 s')
    expect(rows[9]!.find('[data-kind]').attributes('data-kind')).toBe('job_ended')
    // An ended job is read once: no polling.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(sent.length).toBe(1)
    view.unmount()
  })
})
