/**
 * The reinstall dialog both consoles share, in a DOM: what it proposes comes from the console's
 * `load()` (the instance's own image, else the first; the system volume's first RAID level), and
 * what it emits is what was chosen: a password for the operators, a password or SSH keys for a
 * tenant (the keys are offered only when `load()` gives them).
 */
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { ReinstallChoices, ReinstallTarget } from '../src/components/reinstall/choices'
import ReinstallDialog from '../src/components/reinstall/ReinstallDialog.vue'
import { setupI18n } from '../src/i18n/index'

afterEach(() => {
  document.body.innerHTML = ''
})

const CHOICES: ReinstallChoices = {
  images: [
    { imageId: 'img-1', imageName: 'Debian 12' },
    { imageId: 'img-2', imageName: 'Rocky 9' },
  ],
  raids: [
    { raidId: 'r-1', name: 'RAID1' },
    { raidId: 'r-0', name: 'NO RAID' },
  ],
}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function opened(target: ReinstallTarget, choices: ReinstallChoices) {
  document.cookie = 'X-Jdcloud-Language=en_US'
  const dialog = mount(ReinstallDialog, {
    props: { modelValue: false, target, load: async () => choices },
    global: { plugins: [setupI18n({ 'zh-CN': {}, 'en-US': {} })] },
    attachTo: document.body,
  })
  await dialog.setProps({ modelValue: true })
  await settle()
  return dialog
}

function field(label: string): HTMLInputElement {
  const item = [...document.querySelectorAll('.el-form-item')].find(
    (i) => i.querySelector('.el-form-item__label')?.textContent?.trim() === label,
  )
  return item!.querySelector('input')!
}

async function type(label: string, value: string): Promise<void> {
  const input = field(label)
  input.value = value
  input.dispatchEvent(new Event('input'))
  await settle()
}

/** A button, or a radio button (a label), by its text. */
async function click(text: string): Promise<void> {
  const target = [...document.querySelectorAll<HTMLElement>('button, label')].find((b) => b.textContent?.trim() === text)
  target!.click()
  await settle()
}

/** Opens the select of a form item and picks an option by its text. */
async function choose(label: string, option: string): Promise<void> {
  field(label).closest<HTMLElement>('.el-select')!.querySelector<HTMLElement>('.el-select__wrapper')!.click()
  await settle()
  const item = [...document.querySelectorAll<HTMLElement>('.el-select-dropdown__item')].find((i) => i.textContent?.trim() === option)
  item!.click()
  await settle()
}

describe('the reinstall dialog', () => {
  it('proposes the first image and RAID level, and sends the password (operators)', async () => {
    const dialog = await opened({ instanceName: 'web-1' }, CHOICES)
    expect(document.querySelector('.el-dialog__title')?.textContent).toBe('Reinstall instance web-1')
    expect(field('Instance name').value).toBe('web-1')
    expect(document.body.textContent).not.toContain('Log in with')

    await type('Root password', 'Root-Pass-2027')
    await type('Repeat the password', 'Root-Pass-2027')
    await click('Reinstall')

    expect(dialog.emitted('submit')).toEqual([
      [{ imageId: 'img-1', systemVolumeRaidId: 'r-1', instanceName: 'web-1', password: 'Root-Pass-2027', installBmpAgent: false }],
    ])
  })

  it('keeps the instance’s own image and host name, and sends SSH keys when chosen (tenants)', async () => {
    const keys = { ...CHOICES, sshKeys: [{ sshkeyId: 'k-1', name: 'laptop' }] }
    const dialog = await opened({ instanceName: 'web-2', imageId: 'img-2', hostname: 'web-2.lab' }, keys)
    expect(document.body.textContent).toContain('Log in with')

    await click('SSH keys')
    expect(document.body.textContent).not.toContain('Repeat the password')
    await choose('SSH keys', 'laptop')
    await click('Reinstall')

    expect(dialog.emitted('submit')).toEqual([
      [{ imageId: 'img-2', systemVolumeRaidId: 'r-1', instanceName: 'web-2', hostname: 'web-2.lab', sshKeyId: 'k-1', installBmpAgent: false }],
    ])
  })
})
