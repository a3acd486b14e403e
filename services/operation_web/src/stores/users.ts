/** The user form (admin's user management): what it sends and refuses. */
import { rules as commonRules } from '@bmp/web-common/rules/index'
import type { FormItemRule } from 'element-plus'

type Translate = (key: string, values?: Record<string, unknown>) => string

// contract: CreateUserRequest.userName
export const USER_NAME = /^[0-9A-Za-z_-]{1,64}$/

export interface UserForm {
  userName: string
  password: string
  passwordRepeat: string
  roleId: string
  email: string
  phonePrefix: string
  phoneNumber: string
  description: string
}

/** createUser's body (with the name and password), or modifyUser's (without: a user's name is
 * fixed, and only the user changes their own password). */
export function userBody(form: UserForm, editing: boolean) {
  const profile = {
    roleId: form.roleId,
    email: form.email.trim(),
    phonePrefix: form.phonePrefix.trim(),
    phoneNumber: form.phoneNumber.trim(),
    description: form.description,
  }
  return editing ? profile : { userName: form.userName.trim(), password: form.password, ...profile }
}

export function userRules(t: Translate, password: () => string) {
  const r = commonRules(t)
  const name: FormItemRule[] = [
    { required: true, message: t('common.rules.required'), trigger: 'blur' },
    {
      trigger: 'blur',
      validator: (_rule, value: unknown, callback) => callback(USER_NAME.test(String(value ?? '')) ? undefined : new Error(t('rules.userName'))),
    },
  ]
  return {
    userName: name,
    password: r.password(),
    passwordRepeat: r.repeat(password),
    roleId: r.required(),
    email: r.email(),
    phonePrefix: r.phonePrefix(),
    phoneNumber: r.phone(),
  }
}
