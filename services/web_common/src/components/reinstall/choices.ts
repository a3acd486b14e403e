/**
 * What the reinstall dialog (`ReinstallDialog.vue`, both consoles) offers and sends. Each console
 * reads the choices through its own BFF (the tenants' catalogue, or the operators' image and
 * device-type routes) and hands the dialog a `load` function; the dialog itself calls no API.
 */

export interface ReinstallChoices {
  images: { imageId: string; imageName: string }[]
  /** The RAID levels the device type's system volume may take, in the order offered. */
  raids: { raidId: string; name: string }[]
  /** The tenant's SSH keys: given, the dialog offers logging in with them instead of a password
   * (the operators' console sets a password only). */
  sshKeys?: { sshkeyId: string; name: string }[]
}

/** The instance as it is: what the form proposes. Without an image, the first one offered. */
export interface ReinstallTarget {
  instanceName: string
  imageId?: string
  hostname?: string
}

/** The reinstall request's body: both BFFs take these names (`/instance(s)/reinstallInstance`);
 * the tenants' create request takes them too, and more. */
export interface ReinstallBody {
  imageId: string
  systemVolumeRaidId: string
  instanceName: string
  hostname?: string
  password?: string
  /** SSH key ids, comma-separated (instead of a password). */
  sshKeyId?: string
  installBmpAgent?: boolean
}
