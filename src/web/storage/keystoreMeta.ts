/** Worker only: the passphrase verifier and the "remember on this device" record. */
import type { PassphraseVerifier } from '../../core/keystore'
import { db } from './db'

export async function getVerifier(): Promise<PassphraseVerifier | null> {
  const r = await (await db()).get('keystore', 'verifier')
  return r?.key === 'verifier' ? r.verifier : null
}

export async function putVerifier(verifier: PassphraseVerifier): Promise<void> {
  await (await db()).put('keystore', { key: 'verifier', verifier })
}

export interface DeviceRecord {
  deviceKey: CryptoKey
  iv: string
  data: string
  createdAt: string
}

export async function getDeviceRecord(): Promise<DeviceRecord | null> {
  const r = await (await db()).get('keystore', 'device')
  return r?.key === 'device' ? { deviceKey: r.deviceKey, iv: r.iv, data: r.data, createdAt: r.createdAt } : null
}

export async function putDeviceRecord(r: DeviceRecord): Promise<void> {
  await (await db()).put('keystore', { key: 'device', ...r })
}

export async function deleteDeviceRecord(): Promise<void> {
  await (await db()).delete('keystore', 'device')
}
