/**
 * An alarm rule being written: the form's state, a rule read back into it for an edit, and the
 * request it makes (addRule / editRule take the same body).
 */
import { defineStore } from 'pinia'
import type { Dimension, NoticeInput, Rule, RuleBody, TriggerInput } from '../api/monitoring'
import { metricsOf } from '@bmp/web-common/monitoring/metrics'

export interface RuleForm {
  ruleName: string
  dimension: Dimension
  instanceIds: string[]
  deviceTag: string
  triggers: TriggerInput[]
  notice: NoticeInput
}

export const PERIODS = [1, 5, 15, 30, 60] as const
export const TIMES = [1, 2, 3, 5, 10, 15, 30, 60] as const
export const NOTICE_PERIODS = [5, 10, 15, 30, 60, 180, 360, 720, 1440] as const

export function newTrigger(dimension: Dimension): TriggerInput {
  return {
    metric: metricsOf(dimension)[0]!.name,
    period: 5,
    calculation: 'avg',
    operation: 'gt',
    threshold: 80,
    times: 1,
    noticeLevel: 1,
  }
}

export function emptyRuleForm(): RuleForm {
  return {
    ruleName: '',
    dimension: 'instance',
    instanceIds: [],
    deviceTag: '',
    triggers: [newTrigger('instance')],
    notice: {
      noticePeriod: 60,
      effectiveIntervalStart: '00:00:00',
      effectiveIntervalEnd: '23:59:59',
      noticeCondition: [1],
      noticeWay: [1],
    },
  }
}

export function formFromRule(rule: Rule): RuleForm {
  return {
    ruleName: rule.ruleName,
    dimension: rule.dimension,
    instanceIds: [...rule.instanceIds],
    deviceTag: rule.deviceTag ?? '',
    triggers: rule.triggerOption.map((t) => ({
      metric: t.metric,
      period: t.period,
      calculation: t.calculation,
      operation: t.operation,
      threshold: t.threshold,
      times: t.times,
      noticeLevel: t.noticeLevel,
    })),
    notice: {
      noticePeriod: rule.noticeOption.noticePeriod,
      effectiveIntervalStart: rule.noticeOption.effectiveIntervalStart,
      effectiveIntervalEnd: rule.noticeOption.effectiveIntervalEnd,
      noticeCondition: [...rule.noticeOption.noticeCondition],
      noticeWay: [...rule.noticeOption.noticeWay],
    },
  }
}

export function ruleBody(form: RuleForm): RuleBody {
  const body: RuleBody = {
    ruleName: form.ruleName.trim(),
    dimension: form.dimension,
    resource: 'instance',
    instanceIds: [...form.instanceIds],
    triggerOption: form.triggers.map((t) => ({ ...t, threshold: Number(t.threshold) })),
    noticeOption: { ...form.notice },
  }
  if (form.dimension !== 'instance' && form.deviceTag) body.deviceTag = form.deviceTag
  return body
}

export const useRuleFormStore = defineStore('ruleForm', {
  state: () => ({ form: emptyRuleForm() }),
  actions: {
    reset(rule?: Rule): void {
      Object.assign(this.form, rule ? formFromRule(rule) : emptyRuleForm())
    },
    /** Another dimension: its device tag and its triggers' metrics are chosen again. */
    chooseDimension(dimension: Dimension): void {
      if (this.form.dimension === dimension) return
      this.form.dimension = dimension
      this.form.deviceTag = ''
      this.form.triggers = [newTrigger(dimension)]
    },
    addTrigger(): void {
      if (this.form.triggers.length < 10) this.form.triggers.push(newTrigger(this.form.dimension))
    },
    removeTrigger(index: number): void {
      if (this.form.triggers.length > 1) this.form.triggers.splice(index, 1)
    },
  },
})
