import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Rule } from '../src/api/monitoring'
import { METRICS, metricsOf, stepFor } from '@bmp/web-common/monitoring/metrics'
import { emptyRuleForm, formFromRule, ruleBody, useRuleFormStore } from '../src/stores/rules'

beforeEach(() => setActivePinia(createPinia()))

describe('the 21 metrics', () => {
  it('each in one dimension, all of them once', () => {
    expect(METRICS).toHaveLength(21)
    expect(new Set(METRICS.map((m) => m.name)).size).toBe(21)
    expect(metricsOf('nic').map((m) => m.name)).toEqual([
      'bmp.network.bytes.ingress',
      'bmp.network.bytes.egress',
      'bmp.network.packets.ingress',
      'bmp.network.packets.egress',
    ])
  })

  it('a chart asks for at most about 360 points, one a minute at least', () => {
    expect(stepFor(3600)).toBe(60)
    expect(stepFor(7 * 24 * 3600)).toBeLessThanOrEqual(1800)
    expect((7 * 24 * 3600) / stepFor(7 * 24 * 3600)).toBeLessThanOrEqual(360)
  })
})

describe('an alarm rule', () => {
  it('the body is addRule\'s: instance rules carry no device tag', () => {
    const form = { ...emptyRuleForm(), ruleName: ' cpu high ', instanceIds: ['i-1'], deviceTag: 'eth0' }
    const body = ruleBody(form)
    expect(body).toMatchObject({ ruleName: 'cpu high', dimension: 'instance', resource: 'instance', instanceIds: ['i-1'] })
    expect(body.deviceTag).toBeUndefined()
    expect(body.triggerOption[0]).toEqual({ metric: 'bmp.cpu.util', period: 5, calculation: 'avg', operation: 'gt', threshold: 80, times: 1, noticeLevel: 1 })
    expect(body.noticeOption).toEqual({ noticePeriod: 60, effectiveIntervalStart: '00:00:00', effectiveIntervalEnd: '23:59:59', noticeCondition: [1], noticeWay: [1] })
  })

  it('a new dimension chooses its own metrics and forgets the device', () => {
    const store = useRuleFormStore()
    store.form.deviceTag = 'sda'
    store.chooseDimension('nic')
    expect(store.form.deviceTag).toBe('')
    expect(store.form.triggers.map((t) => t.metric)).toEqual(['bmp.network.bytes.ingress'])
    store.form.deviceTag = 'eth0'
    expect(ruleBody(store.form).deviceTag).toBe('eth0')
  })

  it('one to ten triggers', () => {
    const store = useRuleFormStore()
    store.removeTrigger(0)
    expect(store.form.triggers).toHaveLength(1)
    for (let i = 0; i < 12; i++) store.addTrigger()
    expect(store.form.triggers).toHaveLength(10)
  })

  it('a rule read back edits as it was', () => {
    const rule = {
      ruleId: 'r-1',
      ruleName: 'disk',
      dimension: 'disk',
      instanceIds: ['i-1'],
      deviceTag: 'sda',
      triggerOption: [{ metric: 'bmp.disk.bytes.read', metricName: 'x', description: 'y', period: 1, calculation: 'max', operation: 'gte', threshold: 5, times: 3, noticeLevel: 2 }],
      noticeOption: { noticePeriod: 30, effectiveIntervalStart: '08:00:00', effectiveIntervalEnd: '20:00:00', noticeCondition: [1, 2], noticeWay: [1, 2] },
    } as unknown as Rule
    const body = ruleBody(formFromRule(rule))
    expect(body.deviceTag).toBe('sda')
    expect(body.triggerOption).toEqual([{ metric: 'bmp.disk.bytes.read', period: 1, calculation: 'max', operation: 'gte', threshold: 5, times: 3, noticeLevel: 2 }])
    expect(body.noticeOption.noticeCondition).toEqual([1, 2])
  })
})
