/**
 * Form rules that check what the API checks (the contract's patterns and limits, in
 * shared/bmp_common/contract), so that a form refuses before the server does. Each rule takes
 * the translate function; the pure `is*` checks are what the unit tests cover.
 */
import type { FormItemRule } from 'element-plus'

type Translate = (key: string, values?: Record<string, unknown>) => string

// contract: ProjectName, ApikeyName
export const NAME = /^[\u4e00-\u9fa5A-Za-z0-9_-]{1,64}$/
// contract: CreateInstanceRequest.instanceName
export const INSTANCE_NAME = /^[\u4e00-\u9fa5A-Za-z0-9._:-]{1,128}$/
// contract: CreateInstanceRequest.hostname
export const HOSTNAME = /^[a-z0-9]([a-z0-9.-]{0,62}[a-z0-9])?$/
// contract: Password (three of four kinds, printable ASCII without spaces, 8-30)
export const PASSWORD =
  /^(?![A-Za-z]*$)(?![A-Z0-9]*$)(?![A-Z!-/:-@[-`{-~]*$)(?![a-z0-9]*$)(?![a-z!-/:-@[-`{-~]*$)(?![0-9!-/:-@[-`{-~]*$)[!-~]{8,30}$/
// contract: ModifyLocalUserRequest.email / phonePrefix / phoneNumber
export const EMAIL = /^([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?$/
export const PHONE_PREFIX = /^(\+?[0-9]+)?$/
export const PHONE = /^[0-9]*$/
// contract: text with a visible character (no NUL)
export const VISIBLE = /^[^\0]*[^\s\0][^\0]*$/
// contract: CreateSshkeyRequest.key (the server checks the key data itself)
export const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\n\r]*)?$/

export const isName = (value: string) => NAME.test(value)
export const isInstanceName = (value: string) => INSTANCE_NAME.test(value)
export const isHostname = (value: string) => value === '' || HOSTNAME.test(value)
export const isPassword = (value: string) => PASSWORD.test(value)
export const isVisible = (value: string, max: number) => VISIBLE.test(value) && value.length <= max
export const isSshKey = (value: string) => value.length <= 1024 && SSH_KEY.test(value.trim())

function pattern(check: (value: string) => boolean, message: () => string, required = true): FormItemRule[] {
  return [
    ...(required ? [{ required: true, message: message(), trigger: 'blur' } as FormItemRule] : []),
    {
      trigger: 'blur',
      validator: (_rule, value: unknown, callback) => {
        const text = value === undefined || value === null ? '' : String(value)
        if (!required && text === '') return callback()
        callback(check(text) ? undefined : new Error(message()))
      },
    },
  ]
}

export function rules(t: Translate) {
  return {
    required: (): FormItemRule[] => [{ required: true, message: t('common.rules.required'), trigger: 'blur' }],
    projectName: () => pattern(isName, () => t('common.rules.projectName')),
    apikeyName: () => pattern(isName, () => t('common.rules.apikeyName')),
    instanceName: () => pattern(isInstanceName, () => t('common.rules.instanceName')),
    hostname: () => pattern(isHostname, () => t('common.rules.hostname'), false),
    password: () => pattern(isPassword, () => t('common.rules.password')),
    repeat: (other: () => string): FormItemRule[] => [
      { required: true, message: t('common.rules.required'), trigger: 'blur' },
      {
        trigger: 'blur',
        validator: (_rule, value: unknown, callback) =>
          callback(value === other() ? undefined : new Error(t('common.rules.passwordRepeat'))),
      },
    ],
    visible: (max: number) => pattern((v) => isVisible(v, max), () => t('common.rules.visible', { max })),
    maxLength: (max: number): FormItemRule[] => [
      { max, message: t('common.rules.maxLength', { max }), trigger: 'blur' },
    ],
    email: () => pattern((v) => v.length <= 255 && EMAIL.test(v), () => t('common.rules.email'), false),
    phone: () => pattern((v) => v.length <= 32 && PHONE.test(v), () => t('common.rules.phone'), false),
    phonePrefix: () =>
      pattern((v) => v.length <= 8 && PHONE_PREFIX.test(v), () => t('common.rules.phonePrefix'), false),
    sshKey: () => pattern(isSshKey, () => t('common.rules.sshKey')),
  }
}
